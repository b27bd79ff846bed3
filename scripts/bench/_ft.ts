import { MongoClient } from 'mongodb';
(async () => {
  const c = await MongoClient.connect(process.argv[2], { serverSelectionTimeoutMS: 2000 });
  const coll = c.db('benchz').collection<any>('u');
  await coll.drop().catch(() => 0);
  await coll.insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: i, v: 1, bio: 'x'.repeat(800) })));
  for (const n of [10, 50, 100, 200]) {
    for (const ordered of [true, false]) {
      const base = n * 3 + (ordered ? 0 : 1000);
      const t = Date.now();
      await coll.bulkWrite(Array.from({ length: n }, (_, i) => ({ replaceOne: { filter: { _id: (i + base) % 1000, v: { $lt: 9 } }, replacement: { v: 2, bio: 'y' } } })), { ordered });
      console.log(n, ordered, Date.now() - t, 'ms');
    }
  }
  await c.close();
})();
