import { createRouterFixture, RouterFixture, user, waitFor } from './router-fixture';
import { routerRegistry } from '../../../lib/router';

let f: RouterFixture;

beforeAll(async () => {
  f = await createRouterFixture('routerprom');
});

afterAll(async () => {
  await f.close();
});

/** The value of one series in Prometheus text format, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('the router registry exports what the router did, labelled with the migration, at scrape time', async () => {
  const version = await f.publish('shadow_read');
  const router = await f.router({ shadowSampleRate: 1 });
  const registry = routerRegistry(router, f.migrationId);
  const users = router.entity('users');
  await users.insert(user(1));
  await users.insert(user(2));
  await users.get([1]);
  await users.get([2]);
  await waitFor(() => router.metrics().shadow.matches === 2);

  const text = await registry.metrics();
  const id = `migration_id="${f.migrationId}"`;
  expect(sample(text, `switchyard_router_routing_version{${id}}`)).toBe(version);
  expect(sample(text, `switchyard_router_phase{${id},phase="shadow_read",writes="old_then_new",reads="old_shadow"}`)).toBe(1);
  expect(sample(text, `switchyard_router_writes_total{${id}}`)).toBe(2);
  expect(sample(text, `switchyard_router_reads_total{${id},side="old"}`)).toBe(2);
  expect(sample(text, `switchyard_router_reads_total{${id},side="new"}`)).toBe(0);
  expect(sample(text, `switchyard_router_shadow_comparisons_total{${id},outcome="matches"}`)).toBe(2);
  expect(sample(text, `switchyard_router_shadow_comparisons_total{${id},outcome="mismatches"}`)).toBe(0);
  expect(sample(text, `switchyard_router_control_store_reachable{${id}}`)).toBe(1);
  expect(sample(text, `switchyard_router_lease_remaining_seconds{${id}}`)).toBeGreaterThan(0);

  // A second scrape reports the running totals again, not twice them.
  await users.get([1]);
  const again = await registry.metrics();
  expect(sample(again, `switchyard_router_reads_total{${id},side="old"}`)).toBe(3);
  expect(sample(again, `switchyard_router_writes_total{${id}}`)).toBe(2);
});
