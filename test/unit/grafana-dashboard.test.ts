import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registry as workerRegistry } from '../../lib/metrics';
import { routerRegistry } from '../../lib/router';
import type { RouterMetrics } from '../../lib/router';

const dashboard = JSON.parse(readFileSync(join(__dirname, '../../deploy/grafana/switchyard.json'), 'utf8'));

/** Every PromQL expression of the dashboard: panel targets and template-variable queries. */
function expressions(): string[] {
  const targets = dashboard.panels.flatMap((p: { targets?: Array<{ expr: string }> }) => (p.targets ?? []).map((t) => t.expr));
  const variables = dashboard.templating.list.map((v: { query?: { query?: string } }) => v.query?.query).filter(Boolean);
  return [...targets, ...variables];
}

const idle: RouterMetrics = {
  routing: { version: 1, phase: 'dual_write', writes: 'old_then_new', reads: 'old', readPercent: 0 },
  controlStore: { reachable: true, stalenessMs: 0, pollFailures: 0, leaseRemainingMs: 1000 },
  reads: { old: 0, new: 0 },
  writes: 0,
  secondaryFailures: 0,
  fallbacks: 0,
  shadow: { matches: 0, mismatches: 0, errors: 0, skipped: 0, raced: 0, inFlight: 0, samples: [] },
  reconcileQueue: { buffered: 0, sent: 0, dropped: 0, sendFailures: 0 },
  writeIntents: { buffered: 0, sent: 0, dropped: 0, sendFailures: 0 },
  gateCounters: { unflushedVersions: 0, flushFailures: 0 },
};

test('every metric the Grafana dashboard queries is one the workers or the router export', async () => {
  const exported = new Set([
    ...(await workerRegistry.getMetricsAsJSON()).map((m) => m.name),
    ...(await routerRegistry({ metrics: () => idle }, 'm').getMetricsAsJSON()).map((m) => m.name),
  ]);
  const queried = new Set(expressions().flatMap((e) => e.match(/\bswitchyard_[a-z0-9_]+/g) ?? []));
  expect(queried.size).toBeGreaterThan(20);
  expect([...queried].filter((name) => !exported.has(name))).toEqual([]);
});

test('every panel queries Prometheus through the dashboard datasource variable and has a place on the grid', () => {
  for (const p of dashboard.panels) {
    expect({ title: p.title, datasource: p.datasource.uid, targets: p.targets.length > 0 }).toEqual({
      title: p.title,
      datasource: '${datasource}',
      targets: true,
    });
    expect(p.gridPos).toEqual({ x: expect.any(Number), y: expect.any(Number), w: expect.any(Number), h: expect.any(Number) });
  }
  expect(new Set(dashboard.panels.map((p: { id: number }) => p.id)).size).toBe(dashboard.panels.length);
});
