import type { WorkflowHandle } from '@temporalio/client';
import { Pool } from 'pg';
import type { Key } from '../../lib/connectors/types';
import { createRouter, readsNew, Router, specRoutes } from '../../lib/router';
import type { MigrationSpec } from '../../lib/spec';
import { approveUpdate, pauseUpdate, resumeUpdate } from '../../workflows';
import type { DataStack } from './backfill-fixtures';
import { startMigration, waitForStatus } from './migration-fixtures';
import { waitFor } from './router/router-fixture';

/**
 * What readsThroughRouter needs of a spec: the ramp stops at 50 % and asks before it starts, so
 * the test reads while the routing is shadow reads, then at 50 % (held by a pause there; the bake
 * is long enough to pause within it).
 */
export function holdForReads(spec: MigrationSpec): void {
  spec.approvals = [...new Set([...spec.approvals, 'read_ramp' as const])];
  spec.ramp = [50, 100];
  spec.timers.rampStepBake = '5s';
}

/**
 * Starts the migration (its spec asks before the backfill) and, once it waits there, a router on
 * the spec-generated access that compares every read with the other database. Close both.
 */
export async function startWithRouter(h: DataStack, spec: MigrationSpec) {
  const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
  await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'backfill');
  const control = new Pool({ connectionString: h.f.pgUrl, max: 2 });
  const router = await createRouter({
    migrationId: spec.id,
    control,
    entities: specRoutes(spec),
    pollIntervalMs: 100,
    flushIntervalMs: 200,
    shadowSampleRate: 1,
  });
  return { handle, router, control };
}

/**
 * Reads `keys` through the spec-generated access, every read compared with the other database
 * (the router runs with shadowSampleRate 1): with shadow reads the old database answers them all;
 * at 50 % the new database answers exactly the keys readsNew names. No comparison differs.
 */
export async function readsThroughRouter(handle: WorkflowHandle, router: Router, entity: string, keys: Key[]): Promise<void> {
  const items = router.entity(entity);
  const compared = () => router.metrics().shadow.matches + router.metrics().shadow.mismatches;
  const readAll = async () => {
    for (const key of keys) expect(await items.get(key)).toBeDefined();
  };

  await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'read_ramp');
  await waitFor(() => router.metrics().routing.reads === 'old_shadow');
  const before = router.metrics();
  await readAll();
  await waitFor(() => compared() === before.shadow.matches + before.shadow.mismatches + keys.length);
  expect(router.metrics().reads).toEqual({ old: before.reads.old + keys.length, new: before.reads.new });

  await handle.executeUpdate(approveUpdate, { args: [{ by: 'jest' }] });
  await waitFor(() => router.metrics().routing.readPercent === 50, 10_000);
  // The workflow records the step once its publish returns: an update handled in between still sees shadow_read.
  await waitForStatus(handle, (s) => s.phase === 'read_ramp');
  const held = await handle.executeUpdate(pauseUpdate, { args: [{ by: 'jest', reason: 'percentage reads' }] });
  // On failure, the transitions say what moved the ramp (a gate breach rolls back by itself).
  const at = (s: typeof held) => ({ phase: s.phase, rampPercent: s.rampPercent, ...(s.phase === 'read_ramp' ? {} : { last: s.transitions.slice(-3) }) });
  expect(at(held)).toEqual({ phase: 'read_ramp', rampPercent: 50 });
  const atRamp = router.metrics();
  await readAll();
  const toNew = keys.filter((k) => readsNew(k, 50)).length;
  expect(toNew).toBeGreaterThan(0);
  expect(toNew).toBeLessThan(keys.length);
  expect(router.metrics().reads).toEqual({ old: atRamp.reads.old + keys.length - toNew, new: atRamp.reads.new + toNew });
  await waitFor(() => compared() === atRamp.shadow.matches + atRamp.shadow.mismatches + keys.length);
  expect(router.metrics().shadow).toMatchObject({ mismatches: 0, errors: 0 });
  await handle.executeUpdate(resumeUpdate, { args: [{ by: 'jest' }] });
}
