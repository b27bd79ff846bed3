import { Client } from 'pg';
import { cdcNames } from '../../lib/cdc';
import type { MigrationSpec } from '../../lib/spec/schema';
import type { DataFixture } from './backfill-fixtures';
import { usersSpec } from './cdc-fixtures';
import { FAST } from './migration-fixtures';

/** Users with embedded orders to MongoDB under CDC sync, with the short timers of the migration tests. */
export function cdcMigrationSpec(f: DataFixture, users: string, orders: string, approvals: MigrationSpec['approvals']): MigrationSpec {
  const spec = usersSpec(f, users.replace(/_/g, '-'), users, orders);
  return { ...spec, ...FAST, approvals, backfill: { ...spec.backfill, batchSize: 100, concurrency: 2 } };
}

export async function cdcSlotExists(f: DataFixture, spec: MigrationSpec): Promise<boolean> {
  const { rowCount } = await f.pg.query('select 1 from pg_replication_slots where slot_name = $1', [cdcNames(spec.id).slot]);
  return rowCount === 1;
}

export async function cdcPublicationExists(f: DataFixture, spec: MigrationSpec): Promise<boolean> {
  const { rowCount } = await f.pg.query('select 1 from pg_publication where pubname = $1', [cdcNames(spec.id).publication]);
  return rowCount === 1;
}

/**
 * Takes the advisory lock the stream holds while it runs (lib/cdc/stream.ts), polling until a slice
 * has let go of it: every later slice then fails as busy (retryably) until `release`.
 */
export async function stallStream(f: DataFixture, spec: MigrationSpec): Promise<{ release(): Promise<void> }> {
  const client = new Client({ connectionString: f.pgUrl });
  await client.connect();
  const lock = `select pg_try_advisory_lock(hashtextextended('switchyard.cdc:' || $1, 0)) as locked`;
  try {
    const deadline = Date.now() + 60_000;
    while (!(await client.query<{ locked: boolean }>(lock, [cdcNames(spec.id).slot])).rows[0].locked) {
      if (Date.now() > deadline) throw new Error('the stream never let go of its lock');
    }
  } catch (err) {
    await client.end();
    throw err;
  }
  return { release: () => client.end() };
}

type UserRow = { id: number; name: string; bio: string | null; version: number; orders: Array<{ id: number; amount: number }> };

/** Every user with its orders, read with plain SQL: a comparison that does not trust the product's hashing. */
export async function sourceUsers(f: DataFixture, users: string, orders: string): Promise<UserRow[]> {
  const { rows } = await f.pg.query(
    `select u.id, u.name, u.bio, u.version::int as version,
            coalesce(json_agg(json_build_object('id', o.id, 'amount', o.amount) order by o.id) filter (where o.id is not null), '[]') as orders
       from ${users} u left join ${orders} o on o.user_id = u.id group by u.id order by u.id`,
  );
  return rows;
}

/** Every user document with its embedded orders, in the same shape as sourceUsers. */
export async function targetUsers(f: DataFixture, users: string): Promise<UserRow[]> {
  const docs = await f.mongo.collection(users).find({}).sort({ _id: 1 }).toArray();
  return docs.map((d) => ({
    id: Number(d._id),
    name: d.name,
    bio: d.bio ?? null,
    version: Number(d.version),
    orders: (d.orders as Array<{ id: number; amount: number }>).map((o) => ({ id: Number(o.id), amount: Number(o.amount) })).sort((a, b) => a.id - b.id),
  }));
}
