import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { EntityConnector, Key } from '../lib/connectors/types';
import {
  completeReconcile,
  failReconcile,
  moveStaleIntents,
  readReconcileBatch,
  reconcileQueueDepth,
  ReconcileItem,
  routingFor,
  writePrimary,
} from '../lib/control';
import { log } from '../lib/log';
import { metrics } from '../lib/metrics';
import { redactSecrets } from '../lib/redact';
import type { Phase } from '../lib/spec/lifecycle';
import type { MigrationSpec } from '../lib/spec/schema';
import { controlPool } from './control-pool';
import { copyKeys, CopyKeysResult } from './copy-keys';
import { openSides, versionFieldOf } from './entity-sides';

export interface DrainReconcileInput {
  migrationId: string;
  spec: MigrationSpec;
  /** The migration's phase, for the log line (absent from inputs scheduled before it was added). */
  phase?: Phase;
}

export interface DrainReconcileResult {
  /** Queue entries worked off (one queued again meanwhile is worked off again, and counted again). */
  drained: number;
  /** Records written to the side that missed them (fresher ones there are left alone). */
  copied: number;
  /** Keys removed from the missing side because the side of truth no longer has them. */
  deleted: number;
  /** Records the side of truth holds but cannot decode: quarantined, the other side's copy kept (absent from results of older workers). */
  quarantined?: number;
  /** Entries still queued afterwards: queued while the drain ran. */
  remaining: number;
}

type Target = ReconcileItem['target'];

const BATCH = 500;
const TARGETS: Target[] = ['new', 'old'];
/**
 * A write intent this old is taken as abandoned even if its router's lease is live: no write
 * takes a minute between its two calls (the secondary times out within seconds), so its router
 * lost the outcome. Moving a live one too early only costs one extra, version-guarded copy.
 */
export const INTENT_STALE_AFTER_MS = 60_000;

/**
 * Works off the keys the routers queued when a secondary write failed: each is copied from the
 * side that took the write to the side that missed it, under the version guard. Entries leave
 * the queue only once copied (and only if not queued again meanwhile), so a retry after any
 * failure redoes at most one batch, which the version guard makes harmless. First, write intents
 * no router will finish (router dead, lease lapsed, or older than INTENT_STALE_AFTER_MS) join
 * the queue: their key's second write may never have happened.
 */
export async function drainReconcileQueue(input: DrainReconcileInput): Promise<DrainReconcileResult> {
  const ctx = Context.current();
  const pool = controlPool(input.spec.control.connection);
  // The queue itself is the cursor; the heartbeat only carries a retried attempt's counts on.
  const totals: Omit<DrainReconcileResult, 'remaining'> = ctx.info.heartbeatDetails ?? { drained: 0, copied: 0, deleted: 0, quarantined: 0 };
  const abandoned = await moveStaleIntents(pool, input.migrationId, INTENT_STALE_AFTER_MS);
  if (abandoned > 0) log.warn({ migrationId: input.migrationId, phase: input.phase, abandoned }, 'unfinished write intents queued for reconciliation');
  // Absent from inputs scheduled before phases were passed: their drains keep the bound read from the target.
  const primary = input.phase ? writePrimary(routingFor(input.phase, 0, input.spec.sync).writes) : undefined;
  for (const { name: entity } of input.spec.entities) {
    const ref = { migrationId: input.migrationId, spec: input.spec, entity };
    const { source: old, target: fresh } = openSides(ref);
    for (const target of TARGETS) {
      // `target` names the database that missed the write; the other one has it.
      const queue: SideQueue = {
        pool,
        migrationId: input.migrationId,
        entity,
        target,
        version: versionFieldOf(ref),
        toPrimary: primary !== undefined && primary === target,
        ...(target === 'new' ? { from: old, to: fresh } : { from: fresh, to: old }),
      };
      for (;;) {
        const done = await drainBatch(queue);
        if (done.drained === 0) break;
        totals.drained += done.drained;
        totals.copied += done.copied;
        totals.deleted += done.deleted;
        totals.quarantined = (totals.quarantined ?? 0) + done.quarantined;
        ctx.heartbeat(totals);
      }
    }
  }
  const remaining = await publishDepth(pool, input);
  if (totals.drained > 0) log.info({ migrationId: input.migrationId, phase: input.phase, ...totals, remaining }, 'drained the reconcile queue');
  return { ...totals, remaining };
}

interface SideQueue {
  pool: Pool;
  migrationId: string;
  entity: string;
  target: Target;
  from: EntityConnector;
  to: EntityConnector;
  /** The entity's version field (target shape), for copyKeys' guarded deletes. */
  version?: string;
  /** `target` takes the writes first in the migration's phase (copyKeys bounds deletes by `from`'s tombstones). */
  toPrimary: boolean;
}

/** One batch; a side that is down fails it retryably, its entries staying queued with one more attempt counted. */
async function drainBatch(q: SideQueue): Promise<CopyKeysResult & { drained: number }> {
  const batch = await readReconcileBatch(q.pool, q.migrationId, q.entity, q.target, BATCH);
  if (batch.length === 0) return { drained: 0, copied: 0, deleted: 0, quarantined: 0 };
  let done: CopyKeysResult;
  try {
    done = await copyKeys(
      q.from,
      q.to,
      batch.map((e) => e.key as Key),
      q.version,
      { toPrimary: q.toPrimary },
    );
  } catch (err) {
    await failReconcile(q.pool, q.migrationId, q.entity, q.target, batch);
    const message = redactSecrets(err instanceof Error ? err.message : String(err));
    throw ApplicationFailure.retryable(
      `reconcile queue: ${batch.length} keys of ${q.entity} not copied to the ${q.target} database: ${message}`,
      'ReconcileCopyFailed',
    );
  }
  await completeReconcile(q.pool, q.migrationId, q.entity, q.target, batch);
  return { drained: batch.length, ...done };
}

/** Sets the depth gauge for every entity and target (zero included) and returns the total. */
async function publishDepth(pool: Pool, input: DrainReconcileInput): Promise<number> {
  const rows = await reconcileQueueDepth(pool, input.migrationId);
  let total = 0;
  for (const { name: entity } of input.spec.entities) {
    for (const target of TARGETS) {
      const depth = rows.find((r) => r.entity === entity && r.target === target)?.depth ?? 0;
      metrics.reconcileQueueDepth.set({ migration_id: input.migrationId, entity, target }, depth);
      total += depth;
    }
  }
  return total;
}
