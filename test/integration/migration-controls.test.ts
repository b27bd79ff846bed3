import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { BackfillProgress } from '../../workflows/backfill';
import { MigrationStatus, pauseUpdate, resumeUpdate, throttleUpdate } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { sourceItems, targetItems, useDataStack } from './backfill-fixtures';
import { migrationSpec, startMigration, waitForStatus } from './migration-fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('migration workflow: pause, resume, throttle', () => {
  const h = useDataStack('migctl');

  it('pauses the backfill at a safe point, holds it, forwards throttling, and finishes after resume', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 4000, { approvals: [] });
    // 20 s of copying at this rate; a pause takes effect when the running slices (≤ 10 s) end.
    spec.backfill = { ...spec.backfill, maxRowsPerSecond: 200, batchSize: 100 };
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    const running = await waitForStatus(handle, (s) => s.entities[table]?.backfill?.state === 'running');
    const child = h.temporal.client.workflow.getHandle(running.entities[table].backfill!.workflowId);
    const progress = () => child.query<BackfillProgress>('backfillProgress');
    await waitForProgress(progress, (p) => p.rowsCopied > 0);
    const paused = await handle.executeUpdate(pauseUpdate, { args: [{ by: 'dave', reason: 'peak traffic' }] });
    expect(paused.state).toBe('paused');
    await waitForProgress(progress, (p) => p.status === 'paused');
    // Slices in flight finish their current batch (the safe point); after that nothing moves.
    const held = await settled(progress);
    await sleep(2000);
    expect((await progress()).rowsCopied).toBe(held.rowsCopied);
    expect(held.rowsCopied).toBeLessThan(4000);
    expect((await handle.query<MigrationStatus>('status')).phase).toBe('backfill');

    const again = await handle.executeUpdate(pauseUpdate, { args: [{ by: 'dave' }] }).catch((e: Error) => e);
    expect((again as WorkflowUpdateFailedError).cause?.message).toBe('already paused');

    const throttled = await handle.executeUpdate(throttleUpdate, { args: [{ by: 'dave', rowsPerSecond: 5000 }] });
    expect(throttled.rowsPerSecond).toBe(5000);
    await waitForProgress(progress, (p) => p.maxRowsPerSecond === 5000);
    await handle.executeUpdate(resumeUpdate, { args: [{ by: 'dave' }] });
    const done = await handle.result();
    expect(done.state).toBe('completed');
    expect(await targetItems(h.f, table)).toEqual(await sourceItems(h.f, table));
    expect(done.transitions.filter((t) => ['paused', 'resumed', 'throttle 5000 rows/s'].includes(t.to)).map((t) => [t.from, t.to, t.by]))
      .toEqual([['backfill', 'paused', 'dave'], ['backfill', 'throttle 5000 rows/s', 'dave'], ['backfill', 'resumed', 'dave']]);
  });

  it('holds a soak timer while paused', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 5, {
      approvals: ['backfill'],
      timers: { dualWriteSoak: '2s', shadowReadSoak: '1s', rampStepBake: '1s', rollbackWindow: '1s', gateInterval: '1s' },
    });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    await waitForStatus(handle, (s) => s.phase === 'dual_write');
    await handle.executeUpdate(pauseUpdate, { args: [{ by: 'erin' }] });
    await sleep(3500);
    const held = await handle.query<MigrationStatus>('status');
    expect([held.phase, held.state, held.pendingApproval]).toEqual(['dual_write', 'paused', null]);
    await handle.executeUpdate(resumeUpdate, { args: [{ by: 'erin' }] });
    const waiting = await waitForStatus(handle, (s) => s.state === 'waiting_approval');
    expect(waiting.pendingApproval?.phase).toBe('backfill');
    await handle.terminate('end of test');
  });
});

async function settled(read: () => Promise<BackfillProgress>): Promise<BackfillProgress> {
  let before = await read();
  for (let i = 0; i < 20; i++) {
    await sleep(1500);
    const now = await read();
    if (now.rowsCopied === before.rowsCopied) return now;
    before = now;
  }
  throw new Error(`backfill kept copying while paused: ${JSON.stringify(before)}`);
}

async function waitForProgress(
  read: () => Promise<BackfillProgress>, ok: (p: BackfillProgress) => boolean, timeoutMs = 30_000,
): Promise<BackfillProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await read();
    if (ok(p)) return p;
    if (Date.now() > deadline) throw new Error(`progress never matched: ${JSON.stringify(p)}`);
    await sleep(100);
  }
}
