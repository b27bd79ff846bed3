/**
 * The CDC benchmarks' source workload: an `items` table and writers of random single-statement
 * transactions (60 % updates, 25 % inserts, 15 % deletes), optionally paced to a total rate.
 */
import { Client } from 'pg';

export const ITEMS_TABLE = 'create table items (id integer primary key, qty integer not null, note text, version bigint not null)';

export function seedItems(rows: number): string {
  return `insert into items select g, g % 1000, repeat('x', 100), 1 from generate_series(1, ${rows}) g`;
}

/** The table's content as one digest, computed the same way for every target (see mongoItemsDigest). */
export const ITEMS_DIGEST = `select count(*)::int as n, md5(string_agg(id || ':' || qty || ':' || version, ',' order by id)) as h from items`;

/** One writer's session: runs one statement of the workload on the source. */
export interface ItemsSession {
  run(kind: 'update' | 'insert' | 'delete', id: number): Promise<unknown>;
  end(): Promise<void>;
}

export interface WriterOptions {
  connect(): Promise<ItemsSession>;
  rows: number;
  deadline: number;
  /** Statements per second for this writer; 0 = as fast as the database allows. */
  rate: number;
  seed: number;
}

/** The workload's statements on PostgreSQL. */
export async function pgItemsSession(url: string): Promise<ItemsSession> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const sql = {
    update: 'update items set qty = qty + 1, version = version + 1 where id = $1',
    insert: `insert into items values ($1, 0, 'new', 1)`,
    delete: 'delete from items where id = $1',
  };
  return { run: (kind, id) => c.query(sql[kind], [id]), end: () => c.end() };
}

/**
 * One writer until the deadline. A paced writer follows a fixed schedule (statement i is due at
 * start + i / rate) and does not sleep while behind it, so a slow moment is made up afterwards and
 * the run's average is the asked rate unless the source itself cannot keep it.
 */
export async function writer(o: WriterOptions): Promise<number> {
  const c = await o.connect();
  const start = Date.now();
  let n = 0;
  let next = o.rows + 1 + o.seed * 10_000_000;
  while (Date.now() < o.deadline) {
    if (o.rate > 0) {
      const due = start + (n * 1000) / o.rate - Date.now();
      if (due > 0) await sleep(due);
      if (Date.now() >= o.deadline) break;
    }
    const r = Math.random();
    const id = 1 + Math.floor(Math.random() * o.rows);
    if (r < 0.6) await c.run('update', id);
    else if (r < 0.85) await c.run('insert', next++);
    else await c.run('delete', id);
    n++;
  }
  await c.end();
  return n;
}

export function quantile(xs: number[], q: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
