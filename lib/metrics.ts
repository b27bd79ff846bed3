import { Counter, Gauge, Registry } from 'prom-client';
import { RoutingFigure, routingFigures } from './metrics-routing';

/**
 * switchyard's own Prometheus metrics, served by the worker (workers/metrics.ts). Activities
 * update them; Temporal's runtime metrics are exported separately by the Core runtime.
 */
export const registry = new Registry();

const labels = ['migration_id'] as const;

/** A gauge's collect: replaced by what the control stores hold, kept as it was when one cannot be read. */
function fromRouting<T extends string>(set: (gauge: Gauge<T>, figure: RoutingFigure) => void) {
  return async function collect(this: Gauge<T>): Promise<void> {
    const figures = await routingFigures();
    if (!figures) return;
    this.reset();
    for (const f of figures) set(this, f);
  };
}

export const metrics = {
  /** 1 for the phase a migration's routing is in (lib/metrics-routing.ts: read from the control store at each scrape). */
  phase: new Gauge({
    name: 'switchyard_migration_phase',
    help: 'Current phase of a migration (1 = current)',
    labelNames: [...labels, 'phase'],
    registers: [registry],
    collect: fromRouting((g, r) => g.set({ migration_id: r.migrationId, phase: r.phase }, 1)),
  }),
  readPercent: new Gauge({
    name: 'switchyard_read_percent',
    help: 'Share of reads routed to the new database',
    labelNames: labels,
    registers: [registry],
    collect: fromRouting((g, r) => g.set({ migration_id: r.migrationId }, r.readPercent)),
  }),
  routingVersion: new Gauge({
    name: 'switchyard_routing_version',
    help: 'Published routing-state version',
    labelNames: labels,
    registers: [registry],
    collect: fromRouting((g, r) => g.set({ migration_id: r.migrationId }, r.version)),
  }),
  mismatchRate: new Gauge({
    name: 'switchyard_gate_mismatch_rate',
    help: 'Shadow-read mismatch rate at the latest gate check',
    labelNames: labels,
    registers: [registry],
  }),
  errorRate: new Gauge({
    name: 'switchyard_gate_error_rate',
    help: 'New-database error rate at the latest gate check',
    labelNames: labels,
    registers: [registry],
  }),
  lagSeconds: new Gauge({ name: 'switchyard_gate_lag_seconds', help: 'CDC lag at the latest gate check', labelNames: labels, registers: [registry] }),
  lagBytes: new Gauge({ name: 'switchyard_cdc_lag_bytes', help: 'WAL bytes the CDC stream has not yet applied', labelNames: labels, registers: [registry] }),
  gateChecks: new Counter({ name: 'switchyard_gate_checks_total', help: 'Gate checks by verdict', labelNames: [...labels, 'verdict'], registers: [registry] }),
  rowsCopied: new Counter({ name: 'switchyard_rows_copied_total', help: 'Rows written by backfill', labelNames: [...labels, 'entity'], registers: [registry] }),
  rangesDone: new Counter({
    name: 'switchyard_ranges_completed_total',
    help: 'Key ranges finished by backfill or verify',
    labelNames: [...labels, 'entity', 'kind'],
    registers: [registry],
  }),
  reconcileQueueDepth: new Gauge({
    name: 'switchyard_reconcile_queue_depth',
    help: 'Keys left in the reconcile queue after the latest drain, by the database that missed them',
    labelNames: [...labels, 'entity', 'target'],
    registers: [registry],
  }),
  throttled: new Counter({
    name: 'switchyard_throttled_requests_total',
    help: 'Requests a database refused for throughput (DynamoDB throttling, unprocessed items) and retried after a backoff',
    labelNames: ['engine', 'table'],
    registers: [registry],
  }),
  rowsCopiedBack: new Counter({
    name: 'switchyard_rows_copied_back_total',
    help: 'Rows copied back to the old database on rollback past the write switch',
    labelNames: [...labels, 'entity'],
    registers: [registry],
  }),
};
