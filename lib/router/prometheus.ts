/**
 * The router's metrics as a prom-client registry the application mounts next to its own
 * (`Registry.merge`, or serve `registry.metrics()`): they live in the application's process, so
 * only the application can expose them. Values are read from `router.metrics()` at each scrape.
 * Names are documented in docs/router.md ("Metrics"); deploy/grafana/switchyard.json draws them.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { RouterMetrics } from './metrics';

type Snapshot = () => RouterMetrics;
type Labels = Record<string, string>;

/** name, help, extra label names, and the values (by extra labels) a snapshot gives. */
type Family = [string, string, string[], (m: RouterMetrics) => [Labels, number][]];

const COUNTERS: Family[] = [
  [
    'switchyard_router_reads_total',
    'Reads by the database that answered',
    ['side'],
    (m) => [
      [{ side: 'old' }, m.reads.old],
      [{ side: 'new' }, m.reads.new],
    ],
  ],
  ['switchyard_router_writes_total', 'Writes through the router', [], (m) => [[{}, m.writes]]],
  ['switchyard_router_secondary_failures_total', 'Writes whose second database failed (queued for reconciliation)', [], (m) => [[{}, m.secondaryFailures]]],
  ['switchyard_router_read_fallbacks_total', 'Percent-mode reads the new database failed and the old one served', [], (m) => [[{}, m.fallbacks]]],
  [
    'switchyard_router_shadow_comparisons_total',
    'Shadow-read comparisons by result (match, mismatch, error, raced: the key changed meanwhile, skipped: over the in-flight limit)',
    ['result'],
    (m) => [
      [{ result: 'match' }, m.shadow.matches],
      [{ result: 'mismatch' }, m.shadow.mismatches],
      [{ result: 'error' }, m.shadow.errors],
      [{ result: 'raced' }, m.shadow.raced],
      [{ result: 'skipped' }, m.shadow.skipped],
    ],
  ],
  [
    'switchyard_router_dropped_total',
    'Items a full buffer dropped, by buffer (reconcile_queue: shadow mismatches, write_intents: write outcomes); nothing is lost, see docs/router.md',
    ['buffer'],
    (m) => [
      [{ buffer: 'reconcile_queue' }, m.reconcileQueue.dropped],
      [{ buffer: 'write_intents' }, m.writeIntents.dropped],
    ],
  ],
  ['switchyard_router_control_poll_failures_total', 'Failed polls of the control store', [], (m) => [[{}, m.controlStore.pollFailures]]],
  ['switchyard_router_gate_flush_failures_total', 'Failed flushes of gate counts to the control store', [], (m) => [[{}, m.gateCounters.flushFailures]]],
];

const GAUGES: Family[] = [
  ['switchyard_router_routing_version', 'Routing version the router follows', [], (m) => [[{}, m.routing.version]]],
  ['switchyard_router_read_percent', 'Share of reads the routing sends to the new database', [], (m) => [[{}, m.routing.readPercent]]],
  ['switchyard_router_phase', 'Phase of the routing the router follows (1 = current)', ['phase'], (m) => [[{ phase: m.routing.phase }, 1]]],
  ['switchyard_router_control_store_reachable', '1 when the last poll reached the control store', [], (m) => [[{}, m.controlStore.reachable ? 1 : 0]]],
  ['switchyard_router_staleness_seconds', 'How old the routing state in use may be', [], (m) => [[{}, m.controlStore.stalenessMs / 1000]]],
  ['switchyard_router_lease_remaining_seconds', 'Lease left; writes stop at 0', [], (m) => [[{}, m.controlStore.leaseRemainingMs / 1000]]],
  [
    'switchyard_router_buffered',
    'Items waiting in a buffer, by buffer',
    ['buffer'],
    (m) => [
      [{ buffer: 'reconcile_queue' }, m.reconcileQueue.buffered],
      [{ buffer: 'write_intents' }, m.writeIntents.buffered],
    ],
  ],
  ['switchyard_router_shadow_in_flight', 'Shadow comparisons running', [], (m) => [[{}, m.shadow.inFlight]]],
];

/** Every metric name the router exports (for the dashboard check). */
export const ROUTER_METRIC_NAMES = [...COUNTERS, ...GAUGES].map(([name]) => name);

/**
 * A registry with the router's metrics, each labelled `migration_id` (and `labels`, e.g. an
 * instance name) besides its own labels.
 */
export function routerRegistry(router: { metrics: Snapshot }, migrationId: string, labels: Labels = {}): Registry {
  const registry = new Registry();
  const fixed = { ...labels, migration_id: migrationId };
  for (const [name, help, own, values] of COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: [...Object.keys(fixed), ...own],
      registers: [registry],
      collect() {
        this.reset();
        for (const [l, v] of values(router.metrics())) this.inc({ ...fixed, ...l }, v);
      },
    });
  }
  for (const [name, help, own, values] of GAUGES) {
    new Gauge({
      name,
      help,
      labelNames: [...Object.keys(fixed), ...own],
      registers: [registry],
      collect() {
        this.reset();
        for (const [l, v] of values(router.metrics())) this.set({ ...fixed, ...l }, v);
      },
    });
  }
  return registry;
}
