import type { Collection, Db } from 'mongodb';
import type { ResolvedConnection } from '../../connections';
import { mongoClient } from '../clients';
import type { ProbeFacts } from '../engine';
import { errorOf, uniqueProbeName } from '../probe-steps';

export async function probeMongo(conn: ResolvedConnection, database: string | undefined): Promise<ProbeFacts> {
  const client = await mongoClient(conn);
  // A grant can cover one database only, so the write is proven where the migration writes.
  const dbName = database ?? (client.options.dbName && client.options.dbName !== 'test' ? client.options.dbName : 'switchyard');
  const db = client.db(dbName);
  const info = await db.admin().command({ buildInfo: 1 });
  // A name of its own per probe: concurrent probes never drop each other's collection.
  const probe = db.collection<{ _id: string }>(uniqueProbeName('_switchyard_preflight_'));
  return {
    product: typeof info.ferretdbVersion === 'string' ? `FerretDB ${info.ferretdbVersion}` : 'MongoDB',
    serverVersion: String(info.version),
    database: dbName,
    readError: await errorOf(() => probe.findOne({})),
    writeError: await mongoWriteError(db, probe),
  };
}

/** Writing is proven by creating a collection and writing into it; it is dropped again, so the user's server keeps nothing of preflight. */
async function mongoWriteError(db: Db, probe: Collection<{ _id: string }>): Promise<string | undefined> {
  try {
    return await errorOf(async () => {
      await db.createCollection(probe.collectionName);
      await probe.insertOne({ _id: 'probe' });
    });
  } finally {
    // A failed drop must not fail a probe that proved writing; with no collection, nothing to drop.
    await probe.drop().catch(() => undefined);
  }
}
