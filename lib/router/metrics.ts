import type { GateCounters } from './counters';
import type { OutboxStats } from './outbox';
import type { RoutingFollower } from './routing-follower';
import type { ShadowStats } from './shadow-reads';
import type { Side } from './types';

/** A plain snapshot the application can export (Prometheus, logs, a status endpoint). */
export interface RouterMetrics {
  routing: { version: number; phase: string; writes: string; reads: string; readPercent: number };
  /** Whether the last poll reached the control store, how old the routing state in use may be, and the lease left (writes stop at 0). */
  controlStore: { reachable: boolean; stalenessMs: number; pollFailures: number; lastError?: string; leaseRemainingMs: number };
  /** Reads by the side that answered. */
  reads: Record<Side, number>;
  writes: number;
  secondaryFailures: number;
  /** Percent-mode reads the new database failed and the old one served. */
  fallbacks: number;
  shadow: ShadowStats;
  /** Shadow-read mismatches on their way to the reconcile queue. */
  reconcileQueue: OutboxStats;
  /**
   * Write outcomes on their way to the control store. A dropped or unsent one loses nothing: its
   * intent stays recorded and the workflow reconciles the key once the intent is stale.
   */
  writeIntents: OutboxStats;
  /** Gate counts not yet accepted by the control store (routing versions with pending figures). */
  gateCounters: { unflushedVersions: number; flushFailures: number };
}

/** The router's own tallies, plus the assembly of a snapshot from its parts. */
export function routerMetrics() {
  const counts = { reads: { old: 0, new: 0 }, writes: 0, secondaryFailures: 0, fallbacks: 0 };
  return {
    counts,
    snapshot(
      follower: RoutingFollower,
      shadow: ShadowStats,
      outboxes: Pick<RouterMetrics, 'reconcileQueue' | 'writeIntents'>,
      gates: GateCounters,
    ): RouterMetrics {
      const { version, phase, writes, reads, readPercent } = follower.current();
      return {
        routing: { version, phase, writes, reads, readPercent },
        controlStore: follower.health(),
        reads: { ...counts.reads },
        writes: counts.writes,
        secondaryFailures: counts.secondaryFailures,
        fallbacks: counts.fallbacks,
        shadow,
        ...outboxes,
        gateCounters: { unflushedVersions: gates.unflushedVersions(), flushFailures: gates.flushFailures() },
      };
    },
  };
}
