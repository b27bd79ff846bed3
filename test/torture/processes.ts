import { ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';

const alive = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;

/** Every child of this harness, so that none outlives it (an orphaned worker would keep polling). */
const children = new Set<ChildProcess>();
process.once('exit', () => children.forEach((c) => alive(c) && c.kill('SIGKILL')));
const track = (c: ChildProcess) => {
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when the process has exited, or after `ms`. */
export function exited(p: ChildProcess, ms: number): Promise<boolean> {
  if (!alive(p)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * One worker process (test/disruptive's worker main, on the prebuilt bundle), under node with the
 * tsx loader so SIGKILL hits the worker itself; its log goes to the schedule's directory.
 */
function spawnWorker(taskQueue: string, env: Record<string, string>, log: string): Promise<ChildProcess> {
  const out = openSync(log, 'a');
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'disruptive', 'backfill-worker-main.ts'), taskQueue], {
      env: { ...process.env, ...env, SWITCHYARD_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', out],
    }),
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
}

/** The schedule's worker processes. */
export function workerPool(taskQueue: string, env: Record<string, string>, dir: string) {
  const workers: ChildProcess[] = [];
  const start = async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        workers.push(await spawnWorker(taskQueue, env, join(dir, 'workers.log')));
        return;
      } catch (err) {
        // Temporal may still be coming back from a restart.
        if (attempt >= 20) throw err;
        await sleep(1000);
      }
    }
  };
  return {
    start,
    /** SIGKILL every live worker: its memory, running activities and sticky cache are gone. */
    kill: () => workers.filter(alive).forEach((w) => w.kill('SIGKILL')),
    /** A graceful stop (SIGTERM), then the same code again. */
    async restart() {
      const live = workers.filter(alive);
      live.forEach((w) => w.kill('SIGTERM'));
      for (const w of live) if (!(await exited(w, 10_000))) w.kill('SIGKILL');
      await start();
    },
    /** A worker is polling (one that gave up while Temporal was away is replaced). */
    async ensure() {
      if (!workers.some(alive)) await start();
    },
    stop: () => workers.filter(alive).forEach((w) => w.kill('SIGKILL')),
  };
}

export interface AppOptions {
  specFile: string;
  keys: number;
  coldKeys: number;
  keyField: string;
  seed: number;
  logDir: string;
  env: Record<string, string>;
}

/**
 * The workload's application instances (app-main.ts). A dead instance is replaced by a new one
 * under a new writer id (its values and versions stay unique), as an orchestrator would restart it.
 */
export function appPool(count: number, o: AppOptions) {
  const apps = new Map<number, ChildProcess>();
  const logs: string[] = [];
  let nextWriter = 1;
  let stopping = false;
  let killedMidWrite = 0;

  const launch = (): Promise<void> => {
    const writer = nextWriter++;
    const log = join(o.logDir, `instance-${writer}.jsonl`);
    logs.push(log);
    const child = track(
      spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'app-main.ts')], {
        env: {
          ...process.env,
          ...o.env,
          SWITCHYARD_LOG_LEVEL: 'error',
          TORTURE_SPEC_FILE: o.specFile,
          TORTURE_WRITER: String(writer),
          TORTURE_KEYS: String(o.keys),
          TORTURE_COLD_KEYS: String(o.coldKeys),
          TORTURE_KEY_FIELD: o.keyField,
          TORTURE_SEED: String(o.seed),
          TORTURE_LOG: log,
        },
        stdio: ['ignore', 'ignore', openSync(join(o.logDir, `instance-${writer}.err`), 'a'), 'ipc'],
      }),
    );
    apps.set(writer, child);
    child.on('exit', (_code, signal) => {
      apps.delete(writer);
      if (signal === 'SIGKILL') killedMidWrite++;
      if (!stopping) setTimeout(() => void launch(), 200);
    });
    return new Promise((resolve) => {
      child.on('message', (m) => m === 'ready' && resolve());
      child.on('exit', () => resolve());
    });
  };

  const ask = (child: ChildProcess, msg: string, reply: string, ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      child.on('message', (m) => m === reply && done());
      child.once('exit', done);
      try {
        child.send(msg);
      } catch {
        done();
      }
    });

  return {
    logs,
    start: () => Promise.all(Array.from({ length: count }, launch)),
    killedMidWrite: () => killedMidWrite,
    /** Arms one instance to SIGKILL itself between its next request's first and second database write. */
    armKill(pick: number) {
      const live = [...apps.values()];
      if (live.length) live[pick % live.length].send('arm-kill');
    },
    /** Every instance finishes its requests in flight and holds (for a consistent look at the databases). */
    quiesce: () => Promise.all([...apps.values()].map((c) => ask(c, 'quiesce', 'quiesced', 15_000))),
    resume: () => [...apps.values()].forEach((c) => c.send('resume')),
    async stop() {
      stopping = true;
      await Promise.all(
        [...apps.values()].map(async (c) => {
          await ask(c, 'stop', 'stopped', 15_000);
          if (!(await exited(c, 2000))) c.kill('SIGKILL');
        }),
      );
    },
  };
}
export type AppPool = ReturnType<typeof appPool>;
export type WorkerPool = ReturnType<typeof workerPool>;
