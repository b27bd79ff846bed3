import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Runs one of the repository's bash scripts with the terminal attached; rejects on a non-zero exit. */
export function runScript(script: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'scripts', script), ...args], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/${script} ${args.join(' ')} exited with ${code}`))));
  });
}

export interface WorkerProcess {
  pid: number;
  /** SIGTERM (graceful shutdown) and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * `workers/main.ts` in its own process, as `npm run worker` runs it, logging to `logPath`. It runs
 * under node with the tsx loader (not the tsx wrapper), so the pid is the worker itself.
 */
export function spawnWorkerProcess(env: Record<string, string>, logPath: string): Promise<WorkerProcess> {
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'workers', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      if (!chunk.toString().includes('switchyard worker polling')) return;
      child.stdout!.off('data', onData);
      resolve({ pid: child.pid!, stop: () => stopChild(child, exited) });
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the worker exited with ${code} before polling; see ${logPath}`)));
  });
}

/** A worker mid-activity may take long to drain; past `graceMs` it is killed (its activities are retried elsewhere). */
async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
