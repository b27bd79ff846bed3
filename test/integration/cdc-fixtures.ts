import type { Client } from 'pg';
import { openSource, openTarget } from '../../lib/connectors';
import type { Key } from '../../lib/connectors/types';
import { cdcNames, openStream, Stream, StreamOptions, StreamState } from '../../lib/cdc';
import { MigrationSpec, parseSpec } from '../../lib/spec/schema';
import { cdcPrepare, cdcTeardown } from '../../activities/cdc';
import type { DataFixture } from './backfill-fixtures';

/** users(id, name, bio, version) with orders(id, user_id, amount) embedded as "orders" in MongoDB. */
export async function createUsersAndOrders(f: DataFixture, users: string, orders: string): Promise<void> {
  await f.pg.query(`create table ${users} (id integer primary key, name text not null, bio text, version bigint not null)`);
  await f.pg.query(`create table ${orders} (id integer primary key, user_id integer not null, amount integer not null)`);
  await f.pg.query(`insert into ${users} select g, 'user ' || g, 'bio ' || g, 1 from generate_series(1, 6) g`);
  await f.pg.query(`insert into ${orders} select g, 1 + g % 6, g * 10 from generate_series(1, 12) g`);
}

export function usersSpec(f: DataFixture, id: string, users: string, orders: string): MigrationSpec {
  return specOf({
    id,
    source: { connection: f.pgConnection },
    target: { connection: 'MONGO', database: f.mongoDatabase, dialect: 'ferretdb' },
    control: { connection: f.pgConnection },
    sync: 'cdc',
    entities: [
      {
        name: users,
        from: { table: users, key: ['id'], version: 'version' },
        to: { collection: users },
        fields: { id: '_id' },
        embed: [{ table: orders, key: ['id'], foreignKey: 'user_id', as: 'orders' }],
      },
    ],
  });
}

/** PostgreSQL → PostgreSQL in one database: each table `t` is copied to `t_copy`. */
export function copySpec(f: DataFixture, id: string, tables: string[]): MigrationSpec {
  return specOf({
    id,
    source: { connection: f.pgConnection },
    target: { connection: f.pgConnection },
    control: { connection: f.pgConnection },
    sync: 'cdc',
    entities: tables.map((t) => ({ name: t, from: { table: t, key: ['id'], version: 'version' }, to: { table: `${t}_copy` } })),
  });
}

function specOf(json: unknown): MigrationSpec {
  const parsed = parseSpec(json);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.spec;
}

/** Copies every record of the entity, as the backfill would (version-guarded). */
export async function copyAll(spec: MigrationSpec, entity: string): Promise<void> {
  const source = openSource(spec, entity);
  const target = openTarget(spec, entity);
  let after: Key | undefined;
  do {
    const page = await source.readRange({ after, limit: 500 });
    await target.writeBatch(page.records);
    after = page.lastKey;
  } while (after);
}

/** Independent comparison: count and hash of the whole key space, computed by each side. */
export async function expectSameData(spec: MigrationSpec, entity: string): Promise<void> {
  const [s, t] = await Promise.all([openSource(spec, entity).hashRange({}), openTarget(spec, entity).hashRange({})]);
  expect(t).toEqual(s);
}

/** Steps until a batch reaches the end of the WAL; returns the last state. */
export async function drain(stream: Stream, batchMessages = 1000): Promise<StreamState> {
  for (;;) {
    const state = await stream.step(batchMessages, () => undefined);
    if (state.caughtUp) return state;
  }
}

/** Tracks prepared migrations so afterAll drops their slots (a leftover slot retains WAL for everyone). */
export function cdcCleanup() {
  const prepared: MigrationSpec[] = [];
  const streams: Stream[] = [];
  return {
    prepare: async (spec: MigrationSpec) => {
      prepared.push(spec);
      return cdcPrepare({ migrationId: spec.id, spec });
    },
    open: async (spec: MigrationSpec, options: Partial<StreamOptions> = {}) => {
      const s = await openStream(spec.id, spec, { maxRetainedBytes: 1024 ** 3, ...options });
      streams.push(s);
      return s;
    },
    names: (spec: MigrationSpec) => cdcNames(spec.id),
    dropAll: async () => {
      await Promise.allSettled(streams.map((s) => s.close()));
      for (const spec of prepared) await cdcTeardown({ migrationId: spec.id, spec }).catch(() => undefined);
    },
  };
}

export interface WriteLoadOptions {
  users?: string;
  orders?: string;
  /** Pause between statements: a migration test needs a rate the stream can keep up with on 2 cores. */
  pauseMs?: number;
}

/** Random mixed writes on users and their orders until stopped; returns how many statements ran. */
export async function writeLoad(pg: Client, stop: () => boolean, o: WriteLoadOptions = {}): Promise<number> {
  const { users = 'users', orders = 'orders', pauseMs = 0 } = o;
  let n = 0;
  const next = async (table: string) => Number((await pg.query(`select coalesce(max(id), 0) + 1 as n from ${table}`)).rows[0].n);
  let nextUser = await next(users);
  let nextOrder = await next(orders);
  const pick = (max: number) => 1 + Math.floor(Math.random() * max);
  while (!stop()) {
    const r = Math.random();
    if (r < 0.25) await pg.query(`insert into ${users} values ($1, 'u', null, 1)`, [nextUser++]);
    else if (r < 0.5) await pg.query(`update ${users} set name = md5(random()::text), version = version + 1 where id = $1`, [pick(nextUser)]);
    else if (r < 0.6) await pg.query(`with d as (delete from ${orders} where user_id = $1) delete from ${users} where id = $1`, [pick(nextUser)]);
    else if (r < 0.8) await pg.query(`insert into ${orders} values ($1, $2, $3)`, [nextOrder++, pick(nextUser), pick(100)]);
    else if (r < 0.9) await pg.query(`update ${orders} set user_id = $2 where id = $1`, [pick(nextOrder), pick(nextUser)]);
    else await pg.query(`delete from ${orders} where id = $1`, [pick(nextOrder)]);
    n++;
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return n;
}
