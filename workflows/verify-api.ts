/**
 * The verify child workflow's public surface: its name, options, input, progress query and result,
 * and the data-control signals it answers. Clients and the migration workflow import this module,
 * not workflows/verify.ts.
 */
import { defineQuery } from '@temporalio/workflow';
import type { ReconcileResult } from '../activities/reconcile';
import type { SideCounts } from '../activities/verify';
import type { RowDiff } from '../activities/verify-diff';
import type { KeyRange } from '../lib/connectors/types';
import type { MigrationSpec } from '../lib/spec/schema';
import type { RangeCounts } from './backfill-progress';
import type { DataControl, ReportClock } from './child-api';
import type { Mismatches } from './verify-diffs';

export { pauseData, resumeData, setRowsPerSecond } from './child-api';
export type { Mismatches, MismatchTotals } from './verify-diffs';
export type { RowDiff, DiffKind } from '../activities/verify-diff';

export const VERIFY_WORKFLOW = 'verifyWorkflow';

export interface VerifyOptions {
  /**
   * Segments of about this many rows, each summarized in one scan per side (default 100,000, fewer
   * when throttled: workflows/verify-digests.ts); runs begun before bucket digests hash ranges of
   * this many rows and re-read a differing one on both sides (default 500).
   */
  rowsPerRange?: number;
  /** Buckets per segment, a power of two (default 4096): a differing bucket lists about rowsPerRange/digestBuckets keys per side. */
  digestBuckets?: number;
  /** Ranges per compare activity (default 100). */
  rangesPerActivity?: number;
  /** Wait this long before rechecking suspects, so in-flight writes land (default gates.maxLagSeconds, at least 1 s). */
  recheckDelaySeconds?: number;
  /** Reconcile rounds before giving up (default 3); 0 only reports. */
  maxReconcileRounds?: number;
  /** Keys listed in the result per round (all are counted; default 1000). */
  maxListed?: number;
  /**
   * Final verification after the write switch: the routing version at which the new database
   * became primary. Keys the routers wrote since then are not counted (activities/verify-written.ts).
   */
  writtenSince?: number;
  /** With writtenSince: keys written since the switch are checked against the primary instead of left out (activities/verify-written.ts). */
  writtenAgainstPrimary?: boolean;
  /** Reconcile from the new database (the primary after the switch) into the old one: the repair a human chose. */
  repairFromPrimary?: boolean;
}

export interface VerifyInput {
  migrationId: string;
  spec: MigrationSpec;
  entity: string;
  options?: VerifyOptions;
  /** The operator's controls when the parent started this child (absent in runs started before CHILD_START_CONTROL_PATCH). */
  control?: DataControl;
  /** Set only by continueAsNew. */
  carried?: VerifyState;
}

export interface ChunkState {
  index: number;
  ranges: KeyRange[];
  status: 'pending' | 'running' | 'done' | 'failed';
  error?: string;
  /** Rows of each side its latest comparison saw (VERIFY_PASS_COUNTS_PATCH). */
  rows?: SideCounts;
}

export type ReconcileOutcome = 'not_needed' | 'clean' | 'limit_reached' | 'disabled' | 'failed';

export interface VerifyState extends ReportClock {
  phase: 'counting' | 'planning' | 'comparing' | 'rechecking' | 'reconciling' | 'done';
  /** 0 is the first full pass; each reconcile round re-compares the chunks that differed. */
  round: number;
  countsBefore?: SideCounts;
  chunks: ChunkState[];
  rowsTotal: number;
  rowsCompared: number;
  rowsReread: number;
  suspects: RowDiff[];
  suspectCount: number;
  /** Chunks with differences in the current round: the next round compares only these. */
  differingChunks: number[];
  found?: Mismatches;
  remaining?: Mismatches;
  /** Suspects that live traffic closed before the recheck. */
  transient: number;
  /** Suspects whose source record changed before the recheck: neither confirmed nor cleared (RecheckResult). */
  unconfirmed?: number;
  /** Suspects of the first pass, listed or not: found.totals.all + transient + unconfirmed. */
  suspectsFound?: number;
  /** Differences on keys written after the write switch (writtenSince), not counted. */
  writtenSinceSwitch?: number;
  reconciled: ReconcileResult[];
  control: DataControl;
  runs: number;
  /** Chunks fill `concurrency` and share the rate among those left (VERIFY_SPREAD_PATCH); undefined in runs begun before it. */
  spread?: boolean;
  /** Segments compared by bucket digests (VERIFY_DIGESTS_PATCH); undefined in runs begun before it. */
  digests?: boolean;
  /** Counts taken from the comparison, not by counting each side (VERIFY_PASS_COUNTS_PATCH); undefined in runs begun before it. */
  passCounts?: boolean;
}

export interface VerifyProgress {
  migrationId: string;
  entity: string;
  phase: VerifyState['phase'];
  round: number;
  rowsCompared: number;
  rowsTotal: number;
  rowsReread: number;
  chunks: RangeCounts;
  suspects: number;
  paused: boolean;
  /** The entity's rate limit now; null when unlimited. */
  maxRowsPerSecond: number | null;
}

export interface VerifyResult {
  migrationId: string;
  entity: string;
  /** Source and target agree (after reconciliation, if any ran). */
  clean: boolean;
  /**
   * Rows of each side as the first pass compared them, each segment at its own moment, so
   * `countsBefore.source` = `rowsCompared` (runs begun before counts came from the comparison:
   * counted when verification started; also counted, at the end, when a chunk failed).
   */
  countsBefore: SideCounts;
  /** Rows of each side as the latest comparison of each segment saw them: after reconcile rounds, the repaired ones recounted. */
  countsAfter: SideCounts;
  rowsCompared: number;
  /** Rows read a second time to pinpoint differences (both sides, all rounds). */
  rowsReread: number;
  /** Differences confirmed by the first pass. */
  found: Mismatches;
  /** Differences still there at the end. */
  remaining: Mismatches;
  /**
   * How the first pass's suspects (differences seen when a range was compared) ended: confirmed
   * (`found`), closed by live writes before the recheck (`transient`), or still moving, their
   * source changed in between (`unconfirmed`; the next verification compares them again).
   * `suspects` = found.totals.all + transient + unconfirmed (in a final verification, plus the
   * suspects left out as written since the switch). Under live writes `rowsCompared` is
   * what the digests saw, each segment at its own moment.
   */
  suspects: number;
  transient: number;
  unconfirmed: number;
  /** Final verification only: differing keys left out because the routers wrote them after the write switch. */
  writtenSinceSwitch: number;
  /** Chunks that kept failing: not verified, so the result is not clean. */
  failures: { from?: KeyRange['from']; to?: KeyRange['to']; error: string }[];
  reconcile: { outcome: ReconcileOutcome; rounds: number; results: ReconcileResult[]; error?: string };
  runs: number;
}

export const verifyProgress = defineQuery<VerifyProgress>('verifyProgress');
