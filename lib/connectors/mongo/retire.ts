import type { Db } from 'mongodb';
import { retiredName } from '../retired-name';
import type { RetiredName } from '../types';

/** MongoDB's limit is on the whole namespace (database.collection, 255 bytes); keep a margin for the database name. */
const MAX_COLLECTION = 180;

const retiredOf = (collection: string, tag: string): RetiredName => ({ name: collection, retiredAs: retiredName(collection, tag, MAX_COLLECTION) });

const has = async (db: Db, name: string) => (await db.listCollections({ name }, { nameOnly: true }).toArray()).length > 0;

export async function retireCollection(db: Db, collection: string, tag: string): Promise<RetiredName[]> {
  const n = retiredOf(collection, tag);
  if (await has(db, n.name)) await db.renameCollection(n.name, n.retiredAs);
  return [n];
}

export async function restoreCollection(db: Db, collection: string, tag: string): Promise<RetiredName[]> {
  const n = retiredOf(collection, tag);
  if (await has(db, n.retiredAs)) await db.renameCollection(n.retiredAs, n.name);
  return [n];
}

export async function dropRetiredCollection(db: Db, collection: string, tag: string): Promise<RetiredName[]> {
  const n = retiredOf(collection, tag);
  if (!(await has(db, n.retiredAs))) return [];
  await db.dropCollection(n.retiredAs);
  return [n];
}
