/**
 * The CDC schedules' writer that bypasses the router: it writes the source database with the raw
 * driver, as a batch job or another service would, so only the stream carries its writes to the
 * new database. It owns keys no instance touches (DIRECT_KEYS after the cold keys, HUGE_KEYS
 * after those) and logs every request like an instance does (op-log.ts), so the oracle judges
 * its keys with the same rules. Its faults: a long transaction, a huge one, a TRUNCATE of the
 * whole table (logged as a delete of every key), a burst of WAL past the slot's retention limit,
 * and a row the mapping cannot decode. It writes only while the old database is the primary: the
 * driver stops it before approving the write switch, after which nothing streams its writes.
 */
import { Pool, PoolClient } from 'pg';
import { opLog } from './op-log';
import { rng } from './rng';

const DIRECT_KEYS = 6;
const HUGE_KEYS = 3000;
/** About this many bytes of WAL: several times the retention limit CDC schedules set (run-schedule.ts). */
const WAL_BURST_BYTES = 96 * 1024 * 1024;
/** Its writer id in the logs: instances count up from 1. */
export const DIRECT_WRITER = 900;
const NO_ROUTER = { version: 0, writes: 'old', reads: 'old', readPercent: 0 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type DirectFault = 'long_transaction' | 'huge_transaction' | 'truncate' | 'slot_retention' | 'undecodable_row';

export function directWriter(url: string, o: { firstKey: number; seed: number; log: string }) {
  const log = opLog(o.log);
  const keys = Array.from({ length: DIRECT_KEYS }, (_, i) => o.firstKey + i);
  const huge = Array.from({ length: HUGE_KEYS }, (_, i) => o.firstKey + DIRECT_KEYS + i);
  // One session per transaction: the loop and a fault run side by side.
  const pool = new Pool({ connectionString: url, max: 3 });
  // A dropped idle connection must not crash the harness: its requests fail and are logged as such.
  pool.on('error', () => undefined);
  let seq = 0;
  let lastVersion = 0;
  let stopped = false;
  let acked = 0;
  /** Versions in the instances' scheme (app-main.ts): microseconds, the low three digits the writer. */
  const version = () => {
    const base = Math.max(Date.now() * 1000, lastVersion + 1000);
    return (lastVersion = base - (base % 1000) + DIRECT_WRITER);
  };

  /** Runs `sql` in one transaction and logs one request per key it writes (put or delete), acknowledged only on commit. */
  const transaction = async (writes: Array<{ key: number; val?: string; ver?: number }>, body: (pg: PoolClient) => Promise<unknown>) => {
    const ids = writes.map((w) => ({ ...w, id: `${DIRECT_WRITER}-${seq++}` }));
    const t0 = Date.now();
    for (const w of ids)
      log({ ev: 'inv', id: w.id, w: DIRECT_WRITER, op: w.val === undefined ? 'del' : 'put', key: w.key, val: w.val, ver: w.ver, t: t0, routing: NO_ROUTER });
    const pg = await pool.connect().catch(() => undefined);
    try {
      if (!pg) throw new Error('no connection');
      await pg.query('begin');
      await body(pg);
      await pg.query('commit');
      const t1 = Date.now();
      for (const w of ids) log({ ev: 'ok', id: w.id, t: t1 });
      acked += ids.length;
      return true;
    } catch (err) {
      await pg?.query('rollback').catch(() => undefined);
      const t1 = Date.now();
      // Without an outcome (a commit whose answer was lost may have landed): the oracle treats it as possibly applied.
      for (const w of ids) log({ ev: 'fail', id: w.id, t: t1, err: String(err).slice(0, 200) });
      return false;
    } finally {
      pg?.release();
    }
  };
  const upsert = (pg: PoolClient, key: number, val: string, ver: number, at = 'null') =>
    pg.query(
      `insert into kv (id, val, version, at) values ($1, $2, $3, ${at}) on conflict (id) do update set val = excluded.val, version = excluded.version, at = excluded.at`,
      [key, val, ver],
    );

  // The last key is left to undecodable_row, so the row it cannot decode stays that way.
  const looped = keys.slice(0, -1);
  const run = async () => {
    const r = rng(o.seed * 104729 + 1);
    while (!stopped) {
      const key = r.pick(looped);
      if (r.chance(0.2)) await transaction([{ key }], (pg) => pg.query('delete from kv where id = $1', [key]));
      else {
        const w = { key, val: `d-${seq}`, ver: version() };
        await transaction([w], (pg) => upsert(pg, w.key, w.val, w.ver));
      }
      await sleep(r.int(20, 80));
    }
  };
  let loop: Promise<void> = Promise.resolve();

  const faults: Record<DirectFault, (holdMs: number) => Promise<boolean>> = {
    async long_transaction(holdMs) {
      const writes = keys.slice(0, 2).map((key) => ({ key, val: `long-${seq}-${key}`, ver: version() }));
      return transaction(writes, async (pg) => {
        await upsert(pg, writes[0].key, writes[0].val, writes[0].ver);
        await sleep(holdMs);
        await upsert(pg, writes[1].key, writes[1].val, writes[1].ver);
      });
    },
    async huge_transaction() {
      const ver = version();
      const writes = huge.map((key) => ({ key, val: `huge-${ver}`, ver }));
      return transaction(writes, (pg) =>
        pg.query(
          `insert into kv (id, val, version) select k, $2, $3 from unnest($1::int[]) k on conflict (id) do update set val = excluded.val, version = excluded.version`,
          [huge, `huge-${ver}`, ver],
        ),
      );
    },
    async truncate() {
      const { rows } = await pool.query<{ max: number }>('select coalesce(max(id), 0) as max from kv');
      const all = Array.from({ length: Math.max(rows[0].max, o.firstKey + DIRECT_KEYS + HUGE_KEYS) }, (_, i) => ({ key: i + 1 }));
      return transaction(all, (pg) => pg.query('truncate kv'));
    },
    async slot_retention() {
      // WAL of a table outside the migration counts all the same: the slot retains everything after its position.
      const rowsNeeded = Math.ceil(WAL_BURST_BYTES / 1100);
      await pool.query('create table if not exists wal_burst (id int, pad text)');
      await pool.query(`insert into wal_burst select g, repeat(md5(g::text), 32) from generate_series(1, $1::int) g`, [rowsNeeded]);
      await pool.query('drop table wal_burst');
      return true;
    },
    async undecodable_row(holdMs) {
      // A version no mapping decodes (a timestamptz of infinity): quarantined by whatever reads it, the target keeping the
      // version before it; verification counts it as a difference until an operator repairs the row, as here after holdMs.
      const key = keys[keys.length - 1];
      const bad = version();
      if (!(await transaction([{ key, val: `infinite-${bad}`, ver: bad }], (pg) => upsert(pg, key, `infinite-${bad}`, bad, `'infinity'`)))) return false;
      await sleep(holdMs);
      const fixed = version();
      await transaction([{ key, val: `repaired-${fixed}`, ver: fixed }], (pg) => upsert(pg, key, `repaired-${fixed}`, fixed));
      return true;
    },
  };

  return {
    keys: [...keys, ...huge],
    start() {
      loop = run();
    },
    inject: (fault: DirectFault, holdMs: number) => (stopped ? Promise.resolve(false) : faults[fault](holdMs)),
    /** Writes acknowledged so far. */
    acked: () => acked,
    async stop() {
      stopped = true;
      await loop;
    },
    close: () => pool.end().catch(() => undefined),
  };
}
