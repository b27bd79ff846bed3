import type { Pool } from 'pg';
import {
  CounterReport,
  enqueueReconcile,
  finishWriteIntents,
  PolledRouting,
  recordCounters,
  recordWriteIntents,
  ReconcileItem,
  releaseLease,
  renewLeaseAndReadRouting,
  UnfinishedIntent,
  WriteIntent,
} from '../control';

/**
 * Everything a router asks of the control store, as one port: the router's protocol (routing,
 * leases, intents, reconcile keys, counters) runs unchanged against the PostgreSQL store below or
 * an in-memory one (the model-based test).
 */
export interface RouterControl {
  /** Renews this router's lease, acknowledging `following`, and reads the routing state (with the CDC stream's clock, if the store keeps one); one round trip. */
  renewAndRead(routerId: string, following: number, leaseTtlMs: number): Promise<PolledRouting | undefined>;
  /** Records write intents and written keys before the writes; false when the lease has lapsed (nothing recorded). */
  recordIntents(routerId: string, intents: WriteIntent[]): Promise<boolean>;
  /** Forgets finished intents and moves unfinished ones to the reconcile queue. */
  finishIntents(done: string[], unfinished: UnfinishedIntent[]): Promise<void>;
  enqueueReconcile(item: ReconcileItem): Promise<void>;
  recordCounters(report: CounterReport): Promise<void>;
  releaseLease(routerId: string): Promise<void>;
}

export function pgRouterControl(pool: Pool, migrationId: string): RouterControl {
  return {
    renewAndRead: (routerId, following, ttlMs) => renewLeaseAndReadRouting(pool, { migrationId, routerId, following, ttlMs }),
    recordIntents: (routerId, intents) => recordWriteIntents(pool, migrationId, routerId, intents),
    finishIntents: (done, unfinished) => finishWriteIntents(pool, done, unfinished),
    enqueueReconcile: (item) => enqueueReconcile(pool, item),
    recordCounters: (report) => recordCounters(pool, report),
    releaseLease: (routerId) => releaseLease(pool, migrationId, routerId),
  };
}
