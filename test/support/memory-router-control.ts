import type { CounterReport, ReconcileItem, RoutingState, UnfinishedIntent, WriteIntent } from '../../lib/control';
import type { RouterControl } from '../../lib/router';

/**
 * The control store as the router sees it, in memory, for model-based tests: the same rules as
 * lib/control's SQL (a lapsed lease records nothing; an unfinished intent moves to the reconcile
 * queue; stale intents move on a sweep). `now` is the store's clock, so a test can move it; wrap
 * methods to inject failures or stalls.
 */
export function memoryRouterControl(migrationId: string, now: () => number = Date.now) {
  const state: { routing?: RoutingState; streamedThroughMs?: number } = {};
  const leases = new Map<string, { version: number; expiresAt: number }>();
  const intents = new Map<string, WriteIntent & { routerId: string; at: number }>();
  const writtenKeys = new Map<string, { entity: string; key: unknown; routingVersion: number }>();
  const reconcileQueue = new Map<string, ReconcileItem>();
  const counters: CounterReport[] = [];
  const id = (...parts: unknown[]) => JSON.stringify(parts);
  const live = (routerId: string) => (leases.get(routerId)?.expiresAt ?? -Infinity) > now();
  const enqueue = (item: ReconcileItem) => reconcileQueue.set(id(item.entity, item.key, item.target), item);

  const control: RouterControl = {
    async renewAndRead(routerId, following, leaseTtlMs) {
      leases.set(routerId, { version: following, expiresAt: now() + leaseTtlMs });
      return state.routing && { ...state.routing, polledAtMs: now(), streamedThroughMs: state.streamedThroughMs ?? null };
    },
    async recordIntents(routerId, batch) {
      if (!live(routerId)) return false;
      for (const i of batch) {
        if (i.target) intents.set(i.id, { ...i, routerId, at: now() });
        if (i.newPrimary) writtenKeys.set(id(i.entity, i.key), { entity: i.entity, key: i.key, routingVersion: i.routingVersion });
      }
      return true;
    },
    async finishIntents(done: string[], unfinished: UnfinishedIntent[]) {
      for (const d of done) intents.delete(d);
      for (const u of unfinished) {
        const i = intents.get(u.id);
        if (!i) continue;
        intents.delete(u.id);
        enqueue({ migrationId, entity: i.entity, key: i.key, target: i.target!, reason: u.reason });
      }
    },
    async enqueueReconcile(item) {
      enqueue(item);
    },
    async recordCounters(report) {
      counters.push(report);
    },
    async releaseLease(routerId) {
      leases.delete(routerId);
    },
  };

  return {
    control,
    publish(routing: RoutingState) {
      if (!state.routing || routing.version > state.routing.version) state.routing = routing;
    },
    /** The CDC stream's watermark (lib/control/stream-progress.ts): every old-database commit before this store time is applied. */
    streamedThrough(ms: number) {
      state.streamedThroughMs = ms;
    },
    /** moveStaleIntents: an intent whose router lapsed, acknowledged a later version, or is older than `staleAfterMs`. */
    moveStaleIntents(staleAfterMs: number): number {
      let moved = 0;
      for (const [key, i] of intents) {
        const lease = leases.get(i.routerId);
        const finishable = lease && lease.expiresAt > now() && lease.version <= i.routingVersion;
        if (finishable && i.at >= now() - staleAfterMs) continue;
        intents.delete(key);
        enqueue({ migrationId, entity: i.entity, key: i.key, target: i.target!, reason: `write left unfinished by router ${i.routerId}` });
        moved++;
      }
      return moved;
    },
    /** readRouterAcks: live routers that follow `version` and those still behind. */
    acks(version: number) {
      const liveLeases = [...leases].filter(([r]) => live(r));
      return {
        acked: liveLeases.filter(([, l]) => l.version >= version).map(([r]) => r),
        waiting: liveLeases.filter(([, l]) => l.version < version).map(([r]) => r),
      };
    },
    leases,
    intents,
    writtenKeys,
    reconcileQueue,
    counters,
  };
}
