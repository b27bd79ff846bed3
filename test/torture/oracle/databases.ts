import { MongoClient } from 'mongodb';
import { Client } from 'pg';
import type { KeyState } from './allowed';

/** A number the way the oracle compares versions, whatever numeric type the driver returned. */
const num = (v: unknown) => Number(typeof v === 'object' && v !== null ? String(v) : v);

/** Every row of a PostgreSQL table `(id, val, version)`, read with the raw driver; undefined if the table is gone. */
export async function pgState(url: string, table: string): Promise<Map<number, KeyState> | undefined> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const exists = await c.query(`select to_regclass($1) as t`, [table]);
    if (!exists.rows[0].t) return undefined;
    const { rows } = await c.query(`select id, val, version from ${table}`);
    return new Map(rows.map((r) => [num(r.id), { val: String(r.val), ver: num(r.version) }]));
  } finally {
    await c.end();
  }
}

/** Every document of a MongoDB collection `{_id, val, version}`, read with the raw driver. */
export async function mongoState(url: string, database: string, collection: string): Promise<Map<number, KeyState>> {
  const client = await MongoClient.connect(url);
  try {
    const docs = await client.db(database).collection(collection).find({}).toArray();
    return new Map(docs.map((d) => [num(d._id), { val: String(d.val), ver: num(d.version) }]));
  } finally {
    await client.close();
  }
}

/** Keys the migration recorded as missing from the old database: written since the switch, or queued to repair there. */
export async function keysKnownBehindOld(url: string, migrationId: string): Promise<Set<number>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const known = new Set<number>();
    const tables = [
      `select key from switchyard.written_keys where migration_id = $1`,
      `select key from switchyard.reconcile_queue where migration_id = $1 and target = 'old'`,
    ];
    for (const sql of tables) {
      const { rows } = await c.query(sql, [migrationId]).catch(() => ({ rows: [] as { key: unknown }[] }));
      for (const r of rows) known.add(num(Array.isArray(r.key) ? r.key[0] : r.key));
    }
    return known;
  } finally {
    await c.end();
  }
}

/** Keys of `kv` in the target's quarantine (records it could not store), read with the raw driver. */
export async function quarantinedKeys(target: { pg: string } | { mongo: string; database: string }): Promise<Set<number>> {
  const first = (key: unknown) => num(Array.isArray(key) ? key[0] : (JSON.parse(String(key)) as unknown[])[0]);
  if ('mongo' in target) {
    const client = await MongoClient.connect(target.mongo);
    try {
      const docs = await client.db(target.database).collection('switchyard_quarantine').find({ entity: 'kv' }).toArray();
      return new Set(docs.map((d) => first(d.key)));
    } finally {
      await client.close();
    }
  }
  const c = new Client({ connectionString: target.pg });
  await c.connect();
  try {
    const { rows } = await c.query(`select key from switchyard_quarantine where entity = 'kv'`).catch(() => ({ rows: [] as { key: unknown }[] }));
    return new Set(rows.map((r) => first(r.key)));
  } finally {
    await c.end();
  }
}
