/**
 * Backfill and verify children report their progress to the migration workflow that started
 * them, so its `status` query (the CLI, the Temporal UI) shows live per-entity numbers without
 * querying each child. Every report is a signal, i.e. events in both histories: a child reports
 * after its first step, then once per `every` finished units (slices, chunks: one round of its
 * concurrency, about 10 s of copying), and when it finishes.
 */
import { getExternalWorkflowHandle, isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import type { ReportClock } from './child-api';
import { childProgressSignal } from './migration-api';
import type { ChildStatus, MigrationState, ProgressReport } from './migration-types';

export const CHILD_PROGRESS_PATCH = 'child-progress-signal';

/**
 * Reports are throttled by finished units, not by the workflow clock: whether to send is a
 * command, and the clock is not always the same on replay (SOAK_TIMER_CLOCK_PATCH in
 * migration-timers.ts). Runs begun before this patch keep the clock rule, one per REPORT_INTERVAL_MS.
 */
export const REPORT_BY_COUNT_PATCH = 'child-progress-by-count';

export const REPORT_INTERVAL_MS = 10_000;

/**
 * Sends `report()` to the parent when one is due (`final` sends regardless). A child without a
 * parent (started on its own) reports to nobody. Never fails the child: a parent that is gone
 * has no status to show it in.
 */
export async function reportProgress(clock: ReportClock, report: () => ProgressReport, final = false, every = 1): Promise<void> {
  const parent = workflowInfo().parent;
  if (!parent) return;
  if (!final && !due(clock, every)) return;
  if (!patched(CHILD_PROGRESS_PATCH)) return;
  clock.reportedAtMs = Date.now();
  clock.sinceReport = 0;
  try {
    // No run id: the report goes to whichever run of the migration is current.
    await getExternalWorkflowHandle(parent.workflowId).signal(childProgressSignal, report());
  } catch (err) {
    if (isCancellation(err)) throw err;
  }
}

function due(clock: ReportClock, every: number): boolean {
  if (clock.reportedAtMs === undefined) return true;
  if (!patched(REPORT_BY_COUNT_PATCH)) return Date.now() - clock.reportedAtMs >= REPORT_INTERVAL_MS;
  clock.sinceReport = (clock.sinceReport ?? 0) + 1;
  return clock.sinceReport >= every;
}

/**
 * Parent side: keeps the report in the entity's status while that child is the one running there;
 * a late report from a child the migration no longer waits for is dropped, and so is a malformed
 * one (anyone can send a signal from the UI; a throwing handler would fail the workflow task).
 */
export function recordProgress(s: MigrationState, r: ProgressReport): void {
  const status: ChildStatus<ProgressReport['progress']> | undefined = r?.progress ? s.entities[r.progress.entity]?.[r.kind] : undefined;
  if (status?.workflowId === r.workflowId && status.state === 'running') status.progress = r.progress;
}
