import type { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { verifyWorkflow } from '../../workflows';
import { createDataFixture, createItems, DataFixture, itemsSpec } from '../integration/backfill-fixtures';
import { testClient, uniqueName } from '../support/temporal';
import { spawnWorker } from './worker-process';

/** temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT */
const HEARTBEAT_TIMEOUT = 4;

describe('a worker killed inside a single-call activity', () => {
  let f: DataFixture;
  let locker: Client;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    f = await createDataFixture('vcountkill');
    locker = new Client({ connectionString: f.pgUrl });
    await locker.connect();
    temporal = await testClient();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await locker?.end();
    await temporal?.close();
    await f?.close();
  });

  it('is retried on another worker once its heartbeats stop, not after the 10-minute run limit', async () => {
    await createItems(f.pg, 'counted', 300);
    const spec = itemsSpec(f, 'counted');
    // Planning counts the source (the target scans whole, so one segment), and waits on this lock: the kill lands while planSegments is in flight.
    await locker.query('begin');
    await locker.query('lock table counted in access exclusive mode');
    const taskQueue = uniqueName('tq-vcount');
    const worker = await spawnWorker(taskQueue, f.env);
    children.push(worker);
    const handle = await temporal.client.workflow.start(verifyWorkflow, {
      taskQueue,
      workflowId: uniqueName('verify-count-kill'),
      args: [{ migrationId: spec.id, spec, entity: 'counted', options: { maxReconcileRounds: 0, recheckDelaySeconds: 1 } }],
    });
    const waitingOnLock = async () =>
      Number((await f.pg.query(`select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%counted%'`)).rows[0].n);
    while ((await waitingOnLock()) === 0) await new Promise((r) => setTimeout(r, 100));
    worker.kill('SIGKILL');
    children.push(await spawnWorker(taskQueue, f.env));
    await locker.query('commit');

    const report = await handle.result();
    expect(report.countsBefore).toEqual({ source: 300, target: 0 });
    expect(report.found.totals.missing).toBe(300);
    // A retried attempt is recorded once, on completion: its attempt number and the failure before it.
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'planSegments');
    const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId));
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(2);
    expect(started?.activityTaskStartedEventAttributes?.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(HEARTBEAT_TIMEOUT);
  }, 90_000);
});
