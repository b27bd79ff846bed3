import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registry } from '../../lib/metrics';
import { ROUTER_METRIC_NAMES } from '../../lib/router/prometheus';

/** Every PromQL expression of the shipped dashboard, panels and variables alike. */
function expressions(): string[] {
  const dashboard = JSON.parse(readFileSync(join(__dirname, '../../deploy/grafana/switchyard.json'), 'utf8'));
  const panels = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
  const variables = dashboard.templating.list.flatMap((v: { query?: { query?: string } }) => (v.query?.query ? [v.query.query] : []));
  return [...panels, ...variables];
}

test('every metric the Grafana dashboard queries is one the worker or the router exports', () => {
  const exported = new Set([...registry.getMetricsAsArray().map((m) => m.name), ...ROUTER_METRIC_NAMES]);
  const exprs = expressions();
  expect(exprs.length).toBeGreaterThan(10);
  for (const expr of exprs) {
    const named = expr.match(/\bswitchyard_[a-z0-9_]+\b/g) ?? [];
    expect({ expr, named: named.length > 0 }).toEqual({ expr, named: true });
    for (const name of named) expect({ expr, name, exported: exported.has(name) }).toEqual({ expr, name, exported: true });
  }
});
