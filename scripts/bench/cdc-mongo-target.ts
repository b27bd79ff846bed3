/**
 * The MongoDB (FerretDB) target of the CDC benchmark: seeded through the connectors (the backfill's
 * path, so the stream starts from what a real migration would have copied) and compared with the
 * source through a digest computed from the raw documents, independent of switchyard's mapping.
 */
import { createHash } from 'node:crypto';
import { openSource, openTarget } from '../../lib/connectors';
import { mongoClient } from '../../lib/connectors/clients';
import type { Key } from '../../lib/connectors/types';
import type { MigrationSpec } from '../../lib/spec/schema';

export async function seedMongo(spec: MigrationSpec): Promise<void> {
  const entity = spec.entities[0].name;
  const [source, target] = [openSource(spec, entity), openTarget(spec, entity)];
  let after: Key | undefined;
  do {
    const page = await source.readRange({ after, limit: 2000 });
    await target.writeBatch(page.records, { versionGuard: false });
    after = page.lastKey;
  } while (after);
}

export async function dropMongoDatabase(database: string): Promise<void> {
  await (await mongoClient('MONGO')).db(database).dropDatabase();
}

/** Same text as ITEMS_DIGEST hashes in PostgreSQL: "id:qty:version" joined by "," in id order. */
export async function mongoItemsDigest(database: string): Promise<{ n: number; h: string }> {
  const docs = (await mongoClient('MONGO')).db(database).collection('items').find({}, { useBigInt64: true }).sort({ _id: 1 });
  const md5 = createHash('md5');
  let n = 0;
  for await (const d of docs) md5.update(`${n++ ? ',' : ''}${d._id}:${d.qty}:${d.version}`);
  return { n, h: md5.digest('hex') };
}
