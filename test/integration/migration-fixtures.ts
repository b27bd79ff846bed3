import { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { MigrationSpec } from '../../lib/spec/schema';
import { migrationWorkflow, statusQuery } from '../../workflows';
import type { MigrationInput, MigrationStatus } from '../../workflows';
import { createItems, DataFixture, itemsSpec } from './backfill-fixtures';

/** Timers short enough for a test to walk every phase in seconds; no gate needs samples. */
export const FAST = {
  timers: { dualWriteSoak: '1s', shadowReadSoak: '1s', rampStepBake: '1s', rollbackWindow: '1s', gateInterval: '1s' },
  ramp: [50, 100],
  gates: { minSamples: 0, maxMismatchRate: 0.01, maxErrorRate: 0.01, maxLagSeconds: 5 },
};

/** An items table of `rows` rows and a spec migrating it to MongoDB with short timers. */
export async function migrationSpec(
  f: DataFixture, table: string, rows: number, lifecycle: Partial<MigrationSpec> = {},
): Promise<MigrationSpec> {
  await createItems(f.pg, table, rows);
  return { ...itemsSpec(f, table), ...FAST, ...lifecycle };
}

export function startMigration(
  client: Client, taskQueue: string, spec: MigrationSpec, opts: Omit<MigrationInput, 'spec'> = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof migrationWorkflow>> {
  return client.workflow.start(migrationWorkflow, {
    taskQueue,
    workflowId: spec.id,
    args: [{ spec, actor: 'jest', ...opts }],
  });
}

/** Polls the status query until `ok` holds; fails with the last status after `timeoutMs`. */
export async function waitForStatus(
  handle: WorkflowHandle, ok: (s: MigrationStatus) => boolean, timeoutMs = 60_000,
): Promise<MigrationStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: MigrationStatus | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(statusQuery);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`status never matched; last: ${JSON.stringify(last, null, 2)}`);
}
