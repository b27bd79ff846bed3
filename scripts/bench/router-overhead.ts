/**
 * The application router's added latency per operation. Side by side in one run, interleaved
 * call by call so that load and cache state hit every path alike:
 *  - direct SQL: the query an application would send to the old PostgreSQL database itself;
 *  - connector: the spec-generated data access of the old database (what the router calls);
 *  - router: the same operation through lib/router, in each routing state that changes the work
 *    (old only; shadow reads with every read sampled; dual writes to FerretDB);
 *  - in memory: a Map as both databases, called directly and through a second router, which
 *    isolates the router's own work from database noise.
 * Added latency is the router's percentile minus the connector's, and minus direct SQL.
 *   npx tsx scripts/bench/router-overhead.ts [rows=10000] [ops=2000] [dualOps=300]
 */
import { MongoClient } from 'mongodb';
import { Client, Pool } from 'pg';
import { closeAllClients } from '../../lib/connectors/clients';
import { ensureControlSchema, publishRoutingState, readRoutingState, routingFor } from '../../lib/control';
import { createRouter, EntityAccess, RoutedEntity, specRoute } from '../../lib/router';
import { parseSpec } from '../../lib/spec';
import type { Phase } from '../../lib/spec/lifecycle';
import { ensureDatabase } from './data-gen';
import { fmt, printTable } from './table';

const [rows, ops, dualOps] = [10_000, 2000, 300].map((d, i) => Number(process.argv[i + 2] || d));
const DB = 'switchyard_bench_router';
const MIGRATION = 'bench-router';

type Op = (i: number) => Promise<unknown>;
interface Path {
  name: string;
  get: Op;
  insert: Op;
  update: Op;
}

const user = (id: number, version: number) => ({ _id: id, name: `user ${id}`, email: `user${id}@example.com`, version });
const spread = (i: number) => 1 + ((i * 7919) % rows);

async function setUp(): Promise<{ url: string; pool: Pool }> {
  const url = await ensureDatabase(process.env.SWITCHYARD_CONN_PG as string, DB);
  const pg = new Client({ connectionString: url });
  await pg.connect();
  await pg.query('drop table if exists users');
  await pg.query('create table users (id int primary key, name text not null, email text, version bigint not null)');
  await pg.query(`insert into users select g, 'user ' || g, 'user' || g || '@example.com', 1 from generate_series(1, $1::int) g`, [rows]);
  await pg.query('analyze users');
  await pg.end();
  const mongo = await MongoClient.connect(process.env.SWITCHYARD_CONN_MONGO as string);
  const coll = mongo.db(DB).collection('users');
  await coll.drop().catch(() => undefined);
  for (let i = 0; i < rows; i += 1000) await coll.insertMany(Array.from({ length: Math.min(1000, rows - i) }, (_, j) => user(i + j + 1, 1)) as never[]);
  await mongo.close();
  process.env.SWITCHYARD_CONN_BENCH_ROUTER = url;
  const pool = new Pool({ connectionString: url, max: 4 });
  await ensureControlSchema(pool);
  return { url, pool };
}

/** Latencies in ms of each path's calls, made in turn: path A call i, path B call i, … */
async function interleaved(paths: Path[], op: 'get' | 'insert' | 'update', n: number): Promise<number[][]> {
  const out = paths.map(() => [] as number[]);
  for (let i = 0; i < n; i++) {
    for (const [p, path] of paths.entries()) {
      const t = process.hrtime.bigint();
      await path[op](i);
      out[p].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  return out.map((l) => l.sort((a, b) => a - b));
}

/** A Map as a database: what remains of a call is the caller's own work. */
function memoryAccess(): EntityAccess {
  const rowsById = new Map<string, Record<string, unknown>>();
  const put = async (r: Record<string, unknown>) => {
    rowsById.set(String(r._id), r);
  };
  return {
    get: async (key) => rowsById.get(String(key[0])) as never,
    insert: put,
    update: put,
    delete: async (key) => {
      rowsById.delete(String(key[0]));
    },
  };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  const { pool } = await setUp();
  const parsed = parseSpec({
    id: MIGRATION,
    source: { connection: 'BENCH_ROUTER' },
    target: { connection: 'MONGO', database: DB, dialect: 'ferretdb' },
    control: { connection: 'BENCH_ROUTER' },
    entities: [{ name: 'users', from: { table: 'users', key: ['id'], version: 'version' }, to: { collection: 'users' }, fields: { id: '_id' } }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const route = specRoute(parsed.spec, 'users');
  const router = await createRouter({ migrationId: MIGRATION, control: pool, entities: { users: route }, pollIntervalMs: 50, shadowSampleRate: 1 });
  let version = (await readRoutingState(pool, MIGRATION))?.version ?? 0;
  const publish = async (phase: Phase) => {
    await publishRoutingState(pool, { ...routingFor(phase), migrationId: MIGRATION, version: ++version, actor: 'bench', reason: phase });
    while (router.routing().version !== version) await new Promise((r) => setTimeout(r, 10));
  };

  // Each path inserts its own key range and updates with ever newer versions.
  let nextId = rows;
  let nextVersion = 1;
  const directSql: Path = {
    name: 'direct SQL',
    get: (i) => pool.query('select id, name, email, version from users where id = $1', [spread(i)]),
    insert: () => pool.query('insert into users (id, name, email, version) values ($1, $2, $3, 1)', [++nextId, 'n', 'e']),
    update: (i) => pool.query('update users set email = $2, version = $3 where id = $1', [spread(i), 'e2', ++nextVersion]),
  };
  const connector: Path = {
    name: 'connector',
    get: (i) => route.old.get([spread(i)]),
    insert: () => route.old.insert(user(++nextId, 1), { role: 'primary' }),
    update: (i) => route.old.update(user(spread(i), ++nextVersion), { role: 'primary' }),
  };
  const routed = (name: string, users: RoutedEntity): Path => ({
    name,
    get: (i) => users.get([spread(i)]),
    insert: () => users.insert(user(++nextId, 1)),
    update: (i) => users.update(user(spread(i), ++nextVersion)),
  });
  const users = router.entity('users');

  const table: (string | number)[][] = [];
  const measure = async (phase: Phase, label: string, opsToRun: ('get' | 'insert' | 'update')[], n: number) => {
    // Shadow reads still running from the previous state would load the databases of this one.
    while (router.metrics().shadow.inFlight) await new Promise((r) => setTimeout(r, 50));
    await publish(phase);
    const paths = [directSql, connector, routed(`router (${label})`, users)];
    for (const op of opsToRun) {
      const lat = await interleaved(paths, op, n);
      const [sql, conn] = lat;
      lat.forEach((l, i) => {
        const added =
          i === 2
            ? [
                `${fmt(pct(l, 50) - pct(conn, 50), 3)} / ${fmt(pct(l, 99) - pct(conn, 99), 3)}`,
                `${fmt(pct(l, 50) - pct(sql, 50), 3)} / ${fmt(pct(l, 99) - pct(sql, 99), 3)}`,
              ]
            : ['', ''];
        if (i < 2 && phase !== 'preflight') return;
        table.push([op, paths[i].name, n, fmt(pct(l, 50), 3), fmt(pct(l, 99), 3), ...added]);
      });
    }
  };
  // Warm-up: connection pools, the connector's catalog, the FerretDB connection.
  await measure('dual_write', 'warm-up', ['get', 'update'], 50);
  table.length = 0;
  await measure('preflight', 'reads old, writes old', ['get', 'insert', 'update'], ops);
  // The baseline paths wrote the old database only, so some compared keys legitimately differ.
  await measure('shadow_read', 'shadow reads, all sampled', ['get'], ops);
  await measure('dual_write', 'writes old then FerretDB', ['insert', 'update'], dualOps);
  const memory = memoryAccess();
  const memoryRouter = await createRouter({
    migrationId: MIGRATION,
    control: pool,
    entities: { users: { old: memory, new: memoryAccess(), keyOf: (r) => [r._id as number] } },
  });
  const memoryPaths: Path[] = [
    {
      name: 'in memory, direct',
      get: (i) => memory.get([spread(i)]),
      insert: () => memory.insert(user(++nextId, 1), { role: 'primary' }),
      update: (i) => memory.update(user(spread(i), ++nextVersion), { role: 'primary' }),
    },
    routed('in memory, router (dual_write)', memoryRouter.entity('users')),
  ];
  for (const op of ['get', 'insert', 'update'] as const) {
    const [direct, viaRouter] = await interleaved(memoryPaths, op, ops * 10);
    table.push([op, memoryPaths[0].name, ops * 10, fmt(pct(direct, 50), 4), fmt(pct(direct, 99), 4), '', '']);
    table.push([
      op,
      memoryPaths[1].name,
      ops * 10,
      fmt(pct(viaRouter, 50), 4),
      fmt(pct(viaRouter, 99), 4),
      `${fmt(pct(viaRouter, 50) - pct(direct, 50), 4)} / ${fmt(pct(viaRouter, 99) - pct(direct, 99), 4)}`,
      '',
    ]);
  }
  await memoryRouter.close();
  await router.close();
  printTable(['op', 'path', 'calls', 'p50 ms', 'p99 ms', 'added p50 / p99 vs connector', 'added p50 / p99 vs direct SQL'], table);
  const m = router.metrics();
  console.log(
    `shadow reads: ${m.shadow.matches + m.shadow.mismatches} compared, ${m.shadow.skipped} skipped at the in-flight cap; secondary writes left to reconciliation: ${m.secondaryFailures}`,
  );
  await pool.end();
  await closeAllClients();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
