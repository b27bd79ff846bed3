import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { decodePendingActivityState } from '@temporalio/client';
import { preflightWorkflow } from '../../workflows';
import { tcpProxy, TcpProxy } from '../support/tcp-proxy';
import { startTestWorker, testClient, uniqueName } from '../support/temporal';

/**
 * `npm run worker` (workers/main.ts) as its own process: the start line, and SIGTERM while an
 * activity runs. A TCP proxy in front of PostgreSQL holds the activity's connection, so the
 * activity is provably in flight when the signal arrives and finishes only when released.
 */
const ROOT = join(__dirname, '..', '..');
const GRACE_MS = 30_000;

interface LogLine {
  msg: string;
  [field: string]: unknown;
}

/** The worker process; `next(match)` resolves with the first JSON log line from now on that matches. */
function spawnWorker(env: Record<string, string>) {
  // node with the tsx loader (what `tsx workers/main.ts` runs), so the signal reaches the worker itself.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'workers', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    for (const w of waiters.filter((w) => w.match(line))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const next = (match: (l: LogLine) => boolean) =>
    Promise.race([
      new Promise<LogLine>((resolve) => waiters.push({ match, resolve })),
      exited.then(({ code }) => Promise.reject(new Error(`worker exited (${code}) before the expected log line`))),
    ]);
  return { child, exited, next };
}

describe('workers/main.ts as a process', () => {
  let proxy: TcpProxy;
  let worker: ReturnType<typeof spawnWorker> | undefined;
  let temporal: Awaited<ReturnType<typeof testClient>>;

  beforeAll(async () => {
    const pg = new URL(process.env.SWITCHYARD_CONN_PG as string);
    proxy = await tcpProxy(pg.hostname, Number(pg.port));
    temporal = await testClient();
  });
  afterAll(async () => {
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await proxy?.close();
    await temporal?.close();
  });

  it('names server, namespace and task queue at start; on SIGTERM lets the running activity finish and exits 0', async () => {
    const taskQueue = uniqueName('worker-main');
    const pg = new URL(process.env.SWITCHYARD_CONN_PG as string);
    pg.port = String(proxy.port);
    worker = spawnWorker({
      SWITCHYARD_TASK_QUEUE: taskQueue,
      SWITCHYARD_CONN_HELD: pg.toString(),
      SWITCHYARD_SHUTDOWN_GRACE: `${GRACE_MS}ms`,
      // The held connection must outlast the shutdown, not time out on its own.
      SWITCHYARD_CONNECT_TIMEOUT_MS: String(2 * GRACE_MS),
      SWITCHYARD_METRICS_PORT: 'off',
      SWITCHYARD_TEMPORAL_METRICS_PORT: 'off',
      SWITCHYARD_LOG_LEVEL: 'info',
    });
    const { config } = temporal;
    const start = await worker.next((l) => l.msg.startsWith('switchyard worker polling'));
    expect(start).toMatchObject({ server: config.address, namespace: config.namespace, taskQueue, pid: worker.child.pid });
    expect(start.msg).toBe(`switchyard worker polling ${config.address} namespace=${config.namespace} taskQueue=${taskQueue}`);

    proxy.hold();
    const handle = await temporal.client.workflow.start(preflightWorkflow, {
      taskQueue,
      workflowId: uniqueName('worker-main'),
      args: [{ connections: ['HELD'] }],
    });
    await waitFor(async () => decodePendingActivityState((await handle.describe()).raw.pendingActivities?.[0]?.state) === 'STARTED');

    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    await worker.next((l) => l.msg === 'Worker state changed' && l.state === 'STOPPING');
    proxy.release();
    const exit = await worker.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(GRACE_MS);

    // Whatever workflow work is left (recording the result) a second worker does.
    const second = await startTestWorker(taskQueue);
    try {
      const result = await handle.result();
      expect(result.connections).toEqual([expect.objectContaining({ name: 'HELD', ok: true, canRead: true, canWrite: true })]);
    } finally {
      await second.stop();
    }
    // The activity ran once, in the worker that was told to stop, and completed there.
    const events = (await handle.fetchHistory()).events ?? [];
    const started = events.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!);
    const completed = events.filter((e) => e.activityTaskCompletedEventAttributes).map((e) => e.activityTaskCompletedEventAttributes!);
    const firstWorker = expect.stringMatching(new RegExp(`^${worker.child.pid}@`));
    expect(started).toEqual([expect.objectContaining({ attempt: 1, identity: firstWorker })]);
    expect(completed).toEqual([expect.objectContaining({ identity: firstWorker })]);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
