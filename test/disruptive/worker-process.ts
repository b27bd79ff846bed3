import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * A worker in its own process (backfill-worker-main.ts), as in production, so SIGKILL really
 * loses its memory. It runs under node itself with the tsx loader: killing a `tsx` wrapper would
 * leave the real worker process running.
 */
export function spawnWorker(taskQueue: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'backfill-worker-main.ts'), taskQueue], {
    env: { ...process.env, ...env, SWITCHYARD_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
}
