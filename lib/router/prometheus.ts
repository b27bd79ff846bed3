import { Counter, Gauge, Registry } from 'prom-client';
import type { RouterMetrics } from './metrics';

type Labels = Record<string, string>;
type Samples = Array<[Labels, number]>;

/**
 * The router's metrics as a prom-client registry the application serves on its own /metrics
 * (they live in the application's process, not the worker's). Values are read from
 * `router.metrics()` at scrape time, so nothing is counted twice; every series carries
 * `migration_id`. Names are listed in docs/router.md and used by deploy/grafana/switchyard.json.
 *
 *   const registry = routerRegistry(router, spec.id);
 *   app.get('/metrics', async (_req, res) => res.type(registry.contentType).send(await registry.metrics()));
 *
 * Pass an existing registry to add them to the application's other metrics.
 */
export function routerRegistry(router: { metrics(): RouterMetrics }, migrationId: string, registry = new Registry()): Registry {
  const id = { migration_id: migrationId };
  // A snapshot is a few object copies: each metric takes its own at scrape time.
  const current = () => router.metrics();
  const gauge = (name: string, help: string, labelNames: string[], read: (m: RouterMetrics) => Samples) =>
    new Gauge({
      name,
      help,
      labelNames: ['migration_id', ...labelNames],
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of read(current())) this.set({ ...id, ...labels }, value);
      },
    });
  // The router keeps running totals; a counter is set to them (reset, then increased by the total).
  const counter = (name: string, help: string, labelNames: string[], read: (m: RouterMetrics) => Samples) =>
    new Counter({
      name,
      help,
      labelNames: ['migration_id', ...labelNames],
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of read(current())) this.inc({ ...id, ...labels }, value);
      },
    });
  const one = (value: number): Samples => [[{}, value]];

  gauge('switchyard_router_routing_version', 'Routing-state version this router follows', [], (m) => one(m.routing.version));
  gauge('switchyard_router_phase', 'Phase of the routing state this router follows (1 = current)', ['phase', 'writes', 'reads'], (m) => [
    [{ phase: m.routing.phase, writes: m.routing.writes, reads: m.routing.reads }, 1],
  ]);
  gauge('switchyard_router_read_percent', 'Share of keys read from the new database in the read ramp', [], (m) => one(m.routing.readPercent));
  gauge('switchyard_router_control_store_reachable', '1 when the last poll of the control store succeeded', [], (m) => one(m.controlStore.reachable ? 1 : 0));
  gauge('switchyard_router_routing_staleness_seconds', 'Seconds since the routing state was last read from the control store', [], (m) =>
    one(m.controlStore.stalenessMs / 1000),
  );
  gauge('switchyard_router_lease_remaining_seconds', 'Seconds left on the routing lease; writes stop at 0', [], (m) =>
    one(m.controlStore.leaseRemainingMs / 1000),
  );
  counter('switchyard_router_control_poll_failures_total', 'Polls of the control store that failed', [], (m) => one(m.controlStore.pollFailures));
  counter('switchyard_router_reads_total', 'Reads by the database that answered', ['side'], (m) => [
    [{ side: 'old' }, m.reads.old],
    [{ side: 'new' }, m.reads.new],
  ]);
  counter('switchyard_router_writes_total', 'Writes routed', [], (m) => one(m.writes));
  counter('switchyard_router_secondary_failures_total', 'Secondary writes that failed (the key is reconciled later)', [], (m) => one(m.secondaryFailures));
  counter('switchyard_router_percent_read_fallbacks_total', 'Ramp reads the new database failed and the old one served', [], (m) => one(m.fallbacks));
  counter('switchyard_router_shadow_comparisons_total', 'Shadow-read comparisons by outcome', ['outcome'], (m) =>
    (['matches', 'mismatches', 'errors', 'skipped', 'raced'] as const).map((o) => [{ outcome: o }, m.shadow[o]]),
  );
  for (const [outbox, what] of [
    ['reconcileQueue', 'reconcile-queue entries (shadow mismatches)'],
    ['writeIntents', 'write outcomes'],
  ] as const) {
    const base = `switchyard_router_${outbox === 'reconcileQueue' ? 'reconcile_queue' : 'write_intents'}`;
    gauge(`${base}_buffered`, `Buffered ${what} not yet sent to the control store`, [], (m) => one(m[outbox].buffered));
    counter(`${base}_sent_total`, `${what} sent to the control store`, [], (m) => one(m[outbox].sent));
    counter(`${base}_dropped_total`, `${what} dropped because the buffer was full`, [], (m) => one(m[outbox].dropped));
    counter(`${base}_send_failures_total`, `Failed sends of ${what}`, [], (m) => one(m[outbox].sendFailures));
  }
  gauge('switchyard_router_gate_unflushed_versions', 'Routing versions whose gate counts the control store has not accepted yet', [], (m) =>
    one(m.gateCounters.unflushedVersions),
  );
  counter('switchyard_router_gate_flush_failures_total', 'Failed sends of gate counts', [], (m) => one(m.gateCounters.flushFailures));

  return registry;
}
