import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pauseUpdate, resumeUpdate } from '../../workflows/migration-api';
import type { TcpProxy } from '../support/tcp-proxy';
import type { AppPool, WorkerPool } from './processes';
import type { Fault, FaultKind } from './schedule';
import type { TemporalHandle } from './temporal-handle';

const ROOT = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FaultTargets {
  migrationId: string;
  workers: WorkerPool;
  apps: AppPool;
  newDb: TcpProxy;
  control: TcpProxy;
  temporal: TemporalHandle;
}

/** Runs a control update, retrying while Temporal or the worker is away. */
async function update(t: FaultTargets, def: typeof pauseUpdate, reason: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const handle = (await t.temporal.client()).workflow.getHandle(t.migrationId);
      await handle.executeUpdate(def, { args: [{ by: 'torture', reason }] });
      return;
    } catch {
      await sleep(500);
    }
  }
}

/**
 * Injects one fault and returns once it is over (servers back, processes replaced); false when it
 * could not happen (an armed instance made no dual write in time).
 */
export async function inject(fault: Fault, t: FaultTargets, seedPick: number): Promise<boolean> {
  const injectors: Record<Exclude<FaultKind, 'rollback'>, () => Promise<void | boolean>> = {
    async worker_kill() {
      t.workers.kill();
      await sleep(fault.holdMs);
      await t.workers.start();
    },
    worker_restart: () => t.workers.restart(),
    async app_kill_mid_write() {
      const before = t.apps.killedMidWrite();
      t.apps.armKill(seedPick);
      const deadline = Date.now() + fault.holdMs + 5000;
      while (t.apps.killedMidWrite() === before && Date.now() < deadline) await sleep(50);
      return t.apps.killedMidWrite() > before;
    },
    async new_db_outage() {
      t.newDb.blackhole();
      await sleep(fault.holdMs);
      t.newDb.refuse();
      await sleep(fault.holdMs);
      t.newDb.restore();
    },
    async control_outage() {
      t.control.blackhole();
      await sleep(fault.holdMs);
      t.control.restore();
    },
    async temporal_restart() {
      const stack = (...args: string[]) => execFileSync('bash', [join(ROOT, 'scripts', 'stack.sh'), ...args], { stdio: 'pipe', timeout: 120_000 });
      stack('down', 'temporal');
      stack('up', 'temporal');
      t.temporal.reopen();
      await t.workers.ensure();
    },
    async pause_resume() {
      await update(t, pauseUpdate, 'torture pause');
      await sleep(fault.holdMs);
      await update(t, resumeUpdate, 'torture resume');
    },
  };
  if (fault.kind === 'rollback') return false;
  return (await injectors[fault.kind]()) !== false;
}
