import { inSpan } from '../tracing/spans';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Pool } from 'pg';
import type { RoutingState } from '../control';
import { parseKey } from '../connectors/keys';
import type { Key } from '../connectors/types';
import { behindNew } from './behind-new';
import { controlOutbox } from './control-outbox';
import { gateCounters } from './counters';
import { routedRead } from './reads';
import { pgRouterControl, RouterControl } from './router-control';
import { followRouting } from './routing-follower';
import { shadowComparer } from './shadow-reads';
import { EntityRoute, RouterRecord, routerTuningSchema, RouterTuning, Side } from './types';
import { routerMetrics } from './metrics';
import { writeIntents, IntentHandle } from './write-intents';
import { routedWrite } from './writes';

export interface RouterOptions extends RouterTuning {
  migrationId: string;
  /** Pool of the control-store database (the spec's control connection), or another RouterControl (an in-memory one in model tests). */
  control: Pool | RouterControl;
  /** Per entity, both databases' access: specRoutes(spec) or the application's own functions. */
  entities: Record<string, EntityRoute>;
  /** Names this process in the control store's counters; unique per router by default. */
  instanceId?: string;
}

/** What the application calls instead of its database: the same four operations, routed. */
export interface RoutedEntity {
  get(key: Key): Promise<RouterRecord | undefined>;
  insert(record: RouterRecord): Promise<void>;
  update(record: RouterRecord): Promise<void>;
  delete(key: Key): Promise<void>;
}

/**
 * A router for one migration. It resolves once the routing state has been read (no state yet
 * means the migration has not started: old only). It rejects when the control store cannot be
 * read within `initialWaitMs`: a router that has never seen the state cannot know which database
 * is primary, and guessing "old" after the write switch would leave the new one without writes.
 * Reads never wait on the control store again. Writes do, once each (shared with concurrent
 * writes): from dual writes on, a write is recorded there before its first database call, and
 * fails if it cannot be (write-intents.ts); and writes stop while the router's lease has lapsed.
 */
export async function createRouter(options: RouterOptions) {
  const { migrationId, entities } = options;
  const control = 'renewAndRead' in options.control ? options.control : pgRouterControl(options.control, migrationId);
  const tuning = routerTuningSchema.parse(options);
  const instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const intents = writeIntents(control, instanceId, { capacity: tuning.outboxCapacity, timeoutMs: tuning.intentTimeoutMs });
  const follower = await followRouting(control, migrationId, { ...tuning, routerId: instanceId, following: intents.following });
  const gates = gateCounters(control, migrationId, instanceId);
  const pending = controlOutbox(control, migrationId, tuning.outboxCapacity);
  const metrics = routerMetrics();
  const { counts } = metrics;
  // A difference still there after a secondary write's time limit is not a write in flight: that
  // write has landed, or it failed and marked the key behind (which then drops the comparison).
  const shadow = shadowComparer({ maxInFlight: tuning.maxShadowInFlight, sampleSize: tuning.mismatchSampleSize, recheckDelayMs: tuning.secondaryTimeoutMs });
  const behind = behindNew(tuning.outboxCapacity);

  /** Hooks for one request, bound to the routing version it runs under (and, for a write, to its intent). */
  const hooksFor = (entity: string, state: RoutingState, intent?: IntentHandle) => ({
    onCall(side: Side, ok: boolean) {
      if (side !== 'new') return;
      gates.add(state.version, 'operations');
      if (!ok) gates.add(state.version, 'errors');
    },
    onServed: (side: Side) => counts.reads[side]++,
    onFallback: () => counts.fallbacks++,
    behindNew: (key: Key) => behind.has(entity, key),
    sampled: () => Math.random() < tuning.shadowSampleRate,
    shadow(key: Key, served: { side: Side; record: RouterRecord | undefined }, read: (side: Side) => Promise<RouterRecord | undefined>) {
      shadow.compare(
        entity,
        key,
        served,
        read,
        (outcome, sample) => {
          // A key whose write missed the new database meanwhile is the reconcile queue's, not a finding.
          if (outcome === 'error' || behind.has(entity, key)) return;
          gates.add(state.version, 'comparisons');
          if (!sample) return;
          gates.add(state.version, 'mismatches');
          // The old database is authoritative in every mode that shadow-reads, so the new one is repaired from it.
          pending.queueReconcile(entity, key, 'new', `shadow mismatch: ${sample.fields.join(', ')}`);
          behind.mark(entity, key);
        },
        entities[entity].storedByNew,
      );
    },
    onSecondaryWritten(side: Side, key: Key) {
      if (side === 'new') behind.clear(entity, key);
    },
    onSecondaryFailure(side: Side, key: Key, reason: string) {
      counts.secondaryFailures++;
      if (side === 'new') behind.mark(entity, key);
      intent?.unfinished(`secondary write failed: ${reason}`);
    },
  });

  const flush = async () => {
    await Promise.all([gates.flush(), pending.flush(), intents.flush()]);
  };
  const timer = setInterval(() => void flush(), tuning.flushIntervalMs);
  timer.unref();

  function entity(name: string): RoutedEntity {
    const route = entities[name];
    if (!route) throw new Error(`router for ${migrationId} has no entity ${JSON.stringify(name)} (it has ${Object.keys(entities).join(', ')})`);
    const write = async (key: Key, apply: Parameters<typeof routedWrite>[3]) => {
      const state = follower.current();
      follower.requireLease();
      counts.writes++;
      const intent = await inSpan('switchyard.router.intent', { 'switchyard.entity': name }, () => intents.begin(name, key, state));
      try {
        await routedWrite(state.writes, key, route, apply, hooksFor(name, state, intent), tuning.secondaryTimeoutMs);
        intent.done();
      } catch (err) {
        // A failed primary call may still have landed (a lost answer): the secondary is reconciled from it.
        intent.unfinished(`primary write failed: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      } finally {
        intent.end();
      }
    };
    // Keys come from the application: checked before anything uses them.
    const checked = (key: Key) => {
      try {
        return parseKey(key);
      } catch (err) {
        throw new Error(`${name}: ${(err as Error).message}`);
      }
    };
    // One span per application call; its database calls (primary, secondary, reads) are its children.
    const traced = <T>(op: string, work: () => Promise<T>) => {
      const { version, writes, reads } = follower.current();
      const attributes = {
        'switchyard.migration_id': migrationId,
        'switchyard.entity': name,
        'switchyard.routing_version': version,
        'switchyard.writes': writes,
        'switchyard.reads': reads,
      };
      return inSpan(`switchyard.router.${op}`, attributes, work);
    };
    return {
      get: (key) =>
        traced('get', async () => {
          const valid = checked(key);
          const state = follower.current();
          return routedRead(state, valid, route, hooksFor(name, state), tuning.percentReadTimeoutMs);
        }),
      insert: (record) => traced('insert', () => write(route.keyOf(record), (access, role) => access.insert(record, { role }))),
      update: (record) => traced('update', () => write(route.keyOf(record), (access, role) => access.update(record, { role }))),
      delete: (key) =>
        traced('delete', async () => {
          const valid = checked(key);
          const deleted = {};
          return write(valid, (access, role) => access.delete(valid, { role, deleted }));
        }),
    };
  }

  return {
    entity,
    routing: () => follower.current(),
    metrics: () => metrics.snapshot(follower, shadow.stats(), { reconcileQueue: pending.stats(), writeIntents: intents.stats() }, gates),
    flush,
    /**
     * Stops polling and flushing, sends what is pending once more (what still cannot be sent is
     * reported in metrics) and gives the lease up, so the workflow stops waiting for this router
     * and reconciles any write it leaves unfinished. Writes after close are refused.
     */
    async close() {
      follower.stop();
      clearInterval(timer);
      await flush();
      await control.releaseLease(instanceId).catch(() => undefined);
    },
  };
}

export type Router = Awaited<ReturnType<typeof createRouter>>;
