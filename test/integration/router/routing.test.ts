import { Pool } from 'pg';
import { readRoutingState } from '../../../lib/control';
import { tcpProxy, TcpProxy } from '../../support/tcp-proxy';
import { createRouterFixture, RouterFixture, user, waitFor } from './router-fixture';

/** Following the routing state: propagation time, and life without the control store. */
let f: RouterFixture;

beforeAll(async () => {
  f = await createRouterFixture('rt_routing');
});

afterAll(async () => {
  await f.close();
});

test('a routing change is in effect in every router within 1 second (default 250 ms polling)', async () => {
  await f.publish('preflight');
  const routers = await Promise.all([f.router({ pollIntervalMs: 250 }), f.router({ pollIntervalMs: 250 }), f.router({ pollIntervalMs: 250 })]);
  const delays: number[] = [];
  const phases = ['dual_write', 'backfill', 'verify', 'shadow_read', 'read_ramp', 'write_switch', 'complete'] as const;
  for (const phase of phases) {
    // A random moment within the poll cycle, so the figures cover the whole range of waits.
    await new Promise((r) => setTimeout(r, Math.random() * 250));
    const version = await f.publish(phase, 5);
    // Measured from the commit of the publish to the last of the routers switching.
    delays.push(await waitFor(() => routers.every((r) => r.routing().version === version), 2000));
  }
  console.log(
    `routing propagation over ${phases.length} changes x 3 routers: max ${Math.max(...delays)} ms, mean ${Math.round(delays.reduce((a, b) => a + b) / delays.length)} ms`,
  );
  expect(Math.max(...delays)).toBeLessThan(1000);
  expect(routers[0].routing()).toMatchObject({ phase: 'complete', writes: 'new', reads: 'new' });
});

describe('control store unreachable', () => {
  let proxy: TcpProxy;
  let control: Pool;

  beforeAll(async () => {
    const url = new URL(f.fx.pgUrl);
    proxy = await tcpProxy(url.hostname, Number(url.port || 5432));
    url.port = String(proxy.port);
    control = new Pool({ connectionString: url.toString(), connectionTimeoutMillis: 3000, max: 2 });
    control.on('error', () => undefined);
  });

  afterAll(async () => {
    await proxy.close();
    await control.end();
  });

  test('keeps the last known state, says so in metrics, serves reads without waiting on it and fails writes it cannot record', async () => {
    const version = await f.publish('dual_write');
    const router = await f.router({ control, secondaryTimeoutMs: 1000 });
    expect(router.routing().version).toBe(version);
    await router.entity('users').insert(user(1));

    proxy.blackhole();
    await waitFor(() => !router.metrics().controlStore.reachable, 5000);
    // Published while this router cannot see it.
    await f.publish('preflight');
    // Polls now hang for the pool's 3 s connect timeout; reads must not wait for any of it, and a
    // write waits only for its intent's 1 s time limit: no write without a record of it.
    const started = Date.now();
    await expect(router.entity('users').update(user(1, 2, 'during-outage@x.io'))).rejects.toThrow(/control store did not record it/);
    expect(await router.entity('users').get([1])).toMatchObject({ email: 'u1@x.io' });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(router.routing().version).toBe(version);

    await waitFor(() => router.metrics().controlStore.stalenessMs > 4000, 6000);
    const m = router.metrics();
    expect(m.controlStore.pollFailures).toBeGreaterThan(0);
    expect(m.controlStore.lastError).not.toContain(new URL(f.fx.pgUrl).password || '\u0000');

    proxy.restore();
    await waitFor(() => router.routing().phase === 'preflight', 5000);
    expect(router.metrics().controlStore.reachable).toBe(true);
    expect((await readRoutingState(f.control, f.migrationId))?.phase).toBe('preflight');
  });

  test('refuses to start when it cannot read the routing state even once', async () => {
    proxy.blackhole();
    try {
      const started = Date.now();
      const failure = f.router({ control, initialWaitMs: 400 });
      await expect(failure).rejects.toThrow(/cannot read the routing state from the control store within 400 ms/);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      proxy.restore();
    }
  });
});
