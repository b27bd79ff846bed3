import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { BackfillProgress } from '../../workflows/backfill-api';
import type { VerifyProgress } from '../../workflows/verify-api';
import { MigrationStatus, pauseUpdate, resumeUpdate, throttleUpdate } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { sourceItems, targetItems, useDataStack } from './backfill-fixtures';
import { migrationSpec, retiredTable, startMigration, startSlowBackfill, waitForProgress, waitForStatus } from './migration-fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('migration workflow: pause, resume, throttle', () => {
  const h = useDataStack('migctl');

  it('pauses the backfill at a safe point, holds it, lifts the throttle for it and for the verify child started later, and finishes after resume', async () => {
    // A pause takes effect when the running slices (≤ 10 s) end.
    const { table, spec, handle, progress } = await startSlowBackfill(h);
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

    // 0 lifts the spec's 200 rows/s, for the running child and for children started after it.
    const throttled = await handle.executeUpdate(throttleUpdate, { args: [{ by: 'dave', rowsPerSecond: 0 }] });
    expect(throttled.rowsPerSecond).toBe(0);
    await waitForProgress(progress, (p) => p.maxRowsPerSecond === null);
    await handle.executeUpdate(resumeUpdate, { args: [{ by: 'dave' }] });
    const done = await handle.result();
    expect(done.state).toBe('completed');
    expect(await targetItems(h.f, table)).toEqual(await sourceItems(h.f, retiredTable(spec, table)));
    const verify = h.temporal.client.workflow.getHandle(done.entities[table].verify!.workflowId);
    expect((await verify.query<VerifyProgress>('verifyProgress')).maxRowsPerSecond).toBeNull();
    expect(done.transitions.filter((t) => ['paused', 'resumed', 'throttle unlimited rows/s'].includes(t.to)).map((t) => [t.from, t.to, t.by])).toEqual([
      ['backfill', 'paused', 'dave'],
      ['backfill', 'throttle unlimited rows/s', 'dave'],
      ['backfill', 'resumed', 'dave'],
    ]);
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
