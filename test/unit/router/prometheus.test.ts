import { routerRegistry } from '../../../lib/router/prometheus';
import type { RouterMetrics } from '../../../lib/router/metrics';

const snapshot = (writes: number): RouterMetrics => ({
  routing: { version: 7, phase: 'read_ramp', writes: 'old_then_new', reads: 'percent', readPercent: 25 },
  controlStore: { reachable: true, stalenessMs: 1500, pollFailures: 2, leaseRemainingMs: 20_000 },
  reads: { old: 30, new: 10 },
  writes,
  secondaryFailures: 1,
  fallbacks: 3,
  shadow: { matches: 40, mismatches: 2, errors: 0, skipped: 5, raced: 1, inFlight: 0, samples: [] },
  reconcileQueue: { buffered: 4, sent: 9, dropped: 0, sendFailures: 0 },
  writeIntents: { buffered: 0, sent: 50, dropped: 6, sendFailures: 1 },
  gateCounters: { unflushedVersions: 0, flushFailures: 0 },
});

test('the registry reads the router snapshot at each scrape, labelled with the migration', async () => {
  let writes = 50;
  const registry = routerRegistry({ metrics: () => snapshot(writes) }, 'users-to-mongo', { instance: 'app-1' });
  const text = await registry.metrics();
  expect(text).toContain('# TYPE switchyard_router_reads_total counter');
  expect(text).toContain('switchyard_router_reads_total{instance="app-1",migration_id="users-to-mongo",side="new"} 10');
  expect(text).toContain('switchyard_router_shadow_comparisons_total{instance="app-1",migration_id="users-to-mongo",result="mismatch"} 2');
  expect(text).toContain('switchyard_router_dropped_total{instance="app-1",migration_id="users-to-mongo",buffer="write_intents"} 6');
  expect(text).toContain('switchyard_router_phase{instance="app-1",migration_id="users-to-mongo",phase="read_ramp"} 1');
  expect(text).toContain('switchyard_router_staleness_seconds{instance="app-1",migration_id="users-to-mongo"} 1.5');
  writes = 51;
  expect(await registry.metrics()).toContain('switchyard_router_writes_total{instance="app-1",migration_id="users-to-mongo"} 51');
});
