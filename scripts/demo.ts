/**
 * `npm run demo` (scripts/setup.sh, then this file): a live PostgreSQL → MongoDB migration of a shop's users (orders embedded) while
 * a service keeps serving traffic through the router. Sets up and starts what is missing, runs a
 * worker, seeds, starts the service and its load, starts the migration with auto-approval, shows
 * live progress, and ends with the verification report, a summary and the Temporal UI link. It
 * stops what it started (worker, service, load) and leaves the local stack up.
 *   npm run demo -- [--users 10000] [--rate 30] [--max-minutes 10]
 * With OTEL_EXPORTER_OTLP_ENDPOINT set, the service and the worker send traces (docs/operations.md).
 */
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startShopApp, ShopApp } from '../examples/shop/app';
import { reconcileBacklog } from '../examples/shop/backlog';
import { Load, startLoad } from '../examples/shop/load';
import { shopSpec } from '../examples/shop/spec';
import * as switchyard from '../lib/client';
import type { MigrationHandle, Session } from '../lib/client';
import { workflowUiUrl } from '../lib/config';
import { closeAllClients, pgPool } from '../lib/connectors/clients';
import { redactSecrets } from '../lib/redact';
import { startTracing, tracingRequested } from '../lib/tracing/worker-tracing';
import type { MigrationStatus } from '../workflows/migration-api';
import { entityProgress } from './cli/entity-progress';
import { freshShop } from './demo/shop-db';
import { liveView, Snapshot } from './demo/progress';
import { runScript, spawnWorkerProcess, WorkerProcess } from './demo/processes';
import { summary, verificationReport } from './demo/report';
import { loadStackEnv } from './stack-env';

/** The demo's own task queue and databases, so it never mixes with a worker or data of yours. */
const TASK_QUEUE = 'switchyard-demo';
const SHOP_DB = 'switchyard_demo_shop';

interface Options {
  users: number;
  rate: number;
  maxMinutes: number;
}

const say = (text: string) => console.log(`demo: ${text}`);

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number');
  return n;
}

async function main(opts: Options): Promise<void> {
  const started = Date.now();
  // `npm run demo` has run scripts/setup.sh already: tsx, which runs this file, comes from it.
  say('bringing the local stack up (scripts/stack.sh up)');
  await runScript('stack.sh', 'up');
  loadStackEnv();
  // The shop's requests with the router's spans beneath them; the worker, a child, traces by the same variables.
  const tracing = tracingRequested() ? startTracing('shop-demo') : undefined;

  const temporal = await switchyard.connectTemporal();
  let worker: WorkerProcess | undefined;
  let app: ShopApp | undefined;
  let load: Load | undefined;
  let handle: MigrationHandle | undefined;
  let interrupted = false;
  // `on`, not `once`: Ctrl-C reaches this process twice (from the terminal and relayed by the tsx
  // wrapper), and a second SIGINT without a handler would end it before it cleans up.
  process.on('SIGINT', () => {
    if (!interrupted) say('interrupted: stopping');
    interrupted = true;
  });
  try {
    await terminateLeftovers(temporal);
    const migrationId = `shop-demo-${Date.now().toString(36)}`;
    say(`seeding ${opts.users} users with their orders into PostgreSQL database ${SHOP_DB}`);
    const shop = await freshShop(process.env.SWITCHYARD_CONN_PG!, process.env.SWITCHYARD_CONN_MONGO!, SHOP_DB, opts.users);
    say(`seeded ${shop.seeded.users} users, ${shop.seeded.orders} orders`);
    // Connection names the spec uses; the worker and the router resolve them from the environment.
    const env = {
      SWITCHYARD_CONN_SHOP: shop.url,
      SWITCHYARD_CONN_SHOP_MONGO: process.env.SWITCHYARD_CONN_MONGO!,
      SWITCHYARD_TASK_QUEUE: TASK_QUEUE,
    };
    Object.assign(process.env, env);
    const spec = shopSpec({ id: migrationId, source: 'SHOP', target: 'SHOP_MONGO', database: SHOP_DB });

    const workerLog = join(process.env.SWITCHYARD_STACK_DIR!, 'logs', 'demo-worker.log');
    say(`starting a worker on task queue ${TASK_QUEUE} (log: ${workerLog})`);
    worker = await spawnWorkerProcess(
      { ...env, SWITCHYARD_METRICS_PORT: 'off', SWITCHYARD_TEMPORAL_METRICS_PORT: 'off', SWITCHYARD_SHUTDOWN_GRACE: '5s' },
      workerLog,
    );
    app = await startShopApp(spec, shop.seeded.maxOrderId + 1);
    say(`shop service at ${app.url} (try: curl ${app.url}/users/42); load: ${opts.rate} requests/s`);
    load = startLoad({ baseUrl: app.url, ratePerSecond: opts.rate, durationMs: opts.maxMinutes * 60_000, seededUsers: shop.seeded.users });

    handle = await switchyard.start(temporal, spec, { autoApprove: true, actor: 'demo', taskQueue: TASK_QUEUE });
    const uiUrl = workflowUiUrl(temporal.config, migrationId);
    say(`migration ${migrationId} started; Temporal UI: ${uiUrl}`);
    const status = await follow(handle, app, load, () => interrupted || Date.now() - started > opts.maxMinutes * 60_000);
    const final = await load.stop();
    await app.router.flush();
    const backlog = await reconcileBacklog(pgPool(spec.control.connection), migrationId);
    console.log('');
    if (status.state === 'completed') for (const line of verificationReport(status)) console.log(line);
    else if (status.pendingApproval)
      say(
        `the migration stopped for a human: ${status.pendingApproval.phase} (${status.pendingApproval.reason}); latest gate: ${status.gates.latest?.reasons.join('; ') || '-'}`,
      );
    else say(`the migration did not complete (state ${status.state}, phase ${status.phase}); see the Temporal UI`);
    console.log('');
    for (const line of summary({ migrationId, seconds: (Date.now() - started) / 1000, status, load: final, router: app.router.metrics(), backlog, uiUrl }))
      console.log(line);
    if (status.state !== 'completed') process.exitCode = 1;
  } finally {
    await load?.stop();
    await app?.close();
    // A migration left running would wait for a worker that is gone.
    if (handle && (await isRunning(handle))) await handle.terminate('the demo stopped before the migration finished');
    await worker?.stop();
    await closeAllClients();
    await temporal.close();
    await tracing?.shutdown();
    say(
      `stopped the worker and the shop service; the local stack is still up (stop it with: npm run stack:down). Took ${((Date.now() - started) / 1000).toFixed(0)} s.`,
    );
  }
}

/** Shows live progress until the migration stops running (or `stop()` says so); returns its last status. */
async function follow(handle: MigrationHandle, app: ShopApp, load: Load, stop: () => boolean): Promise<MigrationStatus> {
  const view = liveView(process.stdout);
  const t0 = Date.now();
  const control = pgPool('SHOP');
  let result: MigrationStatus | undefined;
  handle.result().then(
    (r) => (result = r),
    () => undefined,
  );
  let last: MigrationStatus | undefined;
  let waitingSince: number | undefined;
  while (!result && !stop()) {
    last = (await switchyard.currentStatus(handle).catch(() => undefined)) ?? last;
    // Auto-approval answers at once; an approval still pending is one only a human may give (after a rollback).
    waitingSince = last?.pendingApproval ? (waitingSince ?? Date.now()) : undefined;
    if (waitingSince && Date.now() - waitingSince > 5000) break;
    const snap: Snapshot = {
      elapsedMs: Date.now() - t0,
      status: last,
      progress: last ? entityProgress(last) : [],
      load: load.stats(),
      router: app.router.metrics(),
      backlog: await reconcileBacklog(control, handle.workflowId).catch(() => undefined),
    };
    view.show(snap);
    await new Promise((r) => setTimeout(r, 1000));
  }
  view.release();
  return result ?? last ?? (await switchyard.currentStatus(handle));
}

async function isRunning(handle: MigrationHandle): Promise<boolean> {
  const d = await handle.describe().catch(() => undefined);
  return d?.status.name === 'RUNNING';
}

/** Migrations of an earlier demo run that was killed would otherwise wait for its worker forever. */
async function terminateLeftovers(session: Session): Promise<void> {
  for (const id of await switchyard.terminateRunning(session, TASK_QUEUE, 'a new demo run started')) say(`terminated ${id} left running by an earlier demo`);
}

const program = new Command('demo')
  .option('--users <n>', 'users to seed (each with 0-4 orders)', positive, 10_000)
  .option('--rate <n>', 'requests per second of the load generator', positive, 30)
  .option('--max-minutes <n>', 'stop after this long even if the migration has not finished', positive, 10)
  .action(async (opts: Options) => main(opts));

program.parseAsync().then(
  () => process.exit(),
  (err: unknown) => {
    console.error(`demo: ${redactSecrets(err instanceof Error ? err.message : String(err))}`);
    process.exit(1);
  },
);
