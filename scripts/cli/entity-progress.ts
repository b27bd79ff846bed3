import type { BackfillProgress, BackfillResult } from '../../workflows/backfill-api';
import type { ChildStatus, MigrationStatus } from '../../workflows/migration-api';
import type { VerifyProgress, VerifyResult } from '../../workflows/verify-api';

export interface PhaseProgress {
  state: ChildStatus['state'];
  done: number;
  total: number;
  clean?: boolean;
  /** Verification: keys still changing through every recheck, compared neither way. */
  unconfirmed?: number;
}

export interface EntityProgress {
  entity: string;
  backfill?: PhaseProgress;
  verify?: PhaseProgress;
}

/**
 * Per-entity rows done and total, from the migration's status alone: a finished child's result,
 * else the latest progress report the child sent its parent (one per round of finished slices or chunks).
 */
export function entityProgress(status: MigrationStatus): EntityProgress[] {
  return Object.entries(status.entities).map(([entity, e]) => ({
    entity,
    backfill: e.backfill && backfillProgress(e.backfill),
    verify: e.verify && verifyProgress(e.verify),
  }));
}

function backfillProgress(c: ChildStatus<BackfillProgress>): PhaseProgress {
  const r = c.result as BackfillResult | undefined;
  if (r) return { state: c.state, done: r.rowsCopied, total: r.rowsCopied };
  return { state: c.state, done: c.progress?.rowsCopied ?? 0, total: c.progress?.rowsTotal ?? 0 };
}

function verifyProgress(c: ChildStatus<VerifyProgress>): PhaseProgress {
  const r = c.result as VerifyResult | undefined;
  if (r) return { state: c.state, done: r.rowsCompared, total: r.rowsCompared, clean: r.clean, ...(r.unconfirmed ? { unconfirmed: r.unconfirmed } : {}) };
  return { state: c.state, done: c.progress?.rowsCompared ?? 0, total: c.progress?.rowsTotal ?? 0 };
}
