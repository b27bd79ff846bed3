import { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { retiredName } from '../../lib/connectors/retired-name';
import type { MigrationSpec } from '../../lib/spec/schema';
import { approveUpdate, migrationWorkflow, statusQuery } from '../../workflows';
import type { MigrationInput, MigrationStatus } from '../../workflows';
import type { BackfillProgress } from '../../workflows/backfill-api';
import { uniqueName } from '../support/temporal';
import { createItems, DataFixture, DataStack, itemsSpec } from './backfill-fixtures';

/** Timers short enough for a test to walk every phase in seconds; no gate needs samples. */
export const FAST = {
  timers: { dualWriteSoak: '1s', shadowReadSoak: '1s', rampStepBake: '1s', rollbackWindow: '1s', gateInterval: '1s', retention: '1s' },
  ramp: [50, 100],
  gates: { minSamples: 0, maxMismatchRate: 0.01, maxErrorRate: 0.01, maxLagSeconds: 5 },
};

/** An items table of `rows` rows and a spec migrating it to MongoDB with short timers. */
export async function migrationSpec(f: DataFixture, table: string, rows: number, lifecycle: Partial<MigrationSpec> = {}): Promise<MigrationSpec> {
  await createItems(f.pg, table, rows);
  return { ...itemsSpec(f, table), ...FAST, ...lifecycle };
}

/** The spec reading each old table under the name decommission retired it as (from the final status). */
export function readingRetired(spec: MigrationSpec, status: MigrationStatus): MigrationSpec {
  const retired = new Map((status.decommission?.retired ?? []).map((r) => [r.name, r.retiredAs]));
  return { ...spec, entities: spec.entities.map((e) => ({ ...e, from: { ...e.from, table: e.from.table && (retired.get(e.from.table) ?? e.from.table) } })) };
}

/** The name decommission retires a migration's old PostgreSQL table under (PostgreSQL cuts names at 63 bytes). */
export const retiredTable = (spec: MigrationSpec, table: string) => retiredName(table, spec.id, 63);

export function startMigration(
  client: Client,
  taskQueue: string,
  spec: MigrationSpec,
  opts: Omit<MigrationInput, 'spec'> = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof migrationWorkflow>> {
  return client.workflow.start(migrationWorkflow, {
    taskQueue,
    workflowId: spec.id,
    args: [{ spec, actor: 'jest', ...opts }],
  });
}

/**
 * The end of a migration whose spec gates decommission on a human: after the retention period it
 * asks to drop the retired tables; the tests keep them (the old data stays readable under its
 * retired name) and return the final status.
 */
export async function keepRetired(handle: WorkflowHandle, timeoutMs = 60_000): Promise<MigrationStatus> {
  await waitForStatus(handle, (s) => s.pendingApproval?.choices?.includes('drop') === true, timeoutMs);
  await handle.executeUpdate(approveUpdate, { args: [{ by: 'jest', action: 'keep' }] });
  return handle.result();
}

/** Polls the status query until `ok` holds; fails with the last status after `timeoutMs`. */
export async function waitForStatus(handle: WorkflowHandle, ok: (s: MigrationStatus) => boolean, timeoutMs = 60_000): Promise<MigrationStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: MigrationStatus | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(statusQuery);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`status never matched; last: ${JSON.stringify(last, null, 2)}`);
}

/**
 * A migration of 4000 rows whose backfill copies at 200 rows/s (about 20 s), returned once its
 * child has copied some rows: operator commands then arrive mid-copy.
 */
export async function startSlowBackfill(h: DataStack) {
  const table = uniqueName('items');
  const spec = await migrationSpec(h.f, table, 4000, { approvals: [] });
  spec.backfill = { ...spec.backfill, maxRowsPerSecond: 200, batchSize: 100 };
  const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
  const running = await waitForStatus(handle, (s) => s.entities[table]?.backfill?.state === 'running');
  const child = h.temporal.client.workflow.getHandle(running.entities[table].backfill!.workflowId);
  const progress = () => child.query<BackfillProgress>('backfillProgress');
  await waitForProgress(progress, (p) => p.rowsCopied > 0);
  return { table, spec, handle, child, progress };
}

export async function waitForProgress(
  read: () => Promise<BackfillProgress>,
  ok: (p: BackfillProgress) => boolean,
  timeoutMs = 30_000,
): Promise<BackfillProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await read();
    if (ok(p)) return p;
    if (Date.now() > deadline) throw new Error(`progress never matched: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
