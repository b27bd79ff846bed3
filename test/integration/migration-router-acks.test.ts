import './router/fast-timeouts';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Pool } from 'pg';
import { awaitRouterAcks, RouterAcksResult } from '../../activities/router-acks';
import { publishRoutingState, readRoutingState, routingFor } from '../../lib/control';
import { createRouter, Router, specRoutes } from '../../lib/router';
import { approveUpdate } from '../../workflows';
import { tcpProxy, TcpProxy } from '../support/tcp-proxy';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { migrationSpec, startMigration, waitForStatus } from './migration-fixtures';

/**
 * Before building on a change of write primary, the workflow knows every router follows it:
 * each live router acknowledges the new routing version, or its lease lapses and it stops
 * writing (issue #12 item 5).
 */
describe('router acknowledgements at a change of write primary', () => {
  const h = useDataStack('acks');
  const routers: Router[] = [];
  const pools: Pool[] = [];
  const proxies: TcpProxy[] = [];

  afterAll(async () => {
    await Promise.allSettled(routers.map((r) => r.close()));
    await Promise.allSettled(pools.map((p) => p.end()));
    await Promise.allSettled(proxies.map((p) => p.close()));
  });

  /** A pool closed after the test file's databases are dropped: their connections end with an error. */
  function pool(connectionString: string, extra = {}): Pool {
    const p = new Pool({ connectionString, max: 2, ...extra });
    p.on('error', () => undefined);
    pools.push(p);
    return p;
  }

  /** A control-store pool through a proxy the test can cut. */
  async function cuttable() {
    const url = new URL(h.f.pgUrl);
    const proxy = await tcpProxy(url.hostname, Number(url.port || 5432));
    url.port = String(proxy.port);
    proxies.push(proxy);
    return { pool: pool(url.toString(), { connectionTimeoutMillis: 300, query_timeout: 1000 }), proxy };
  }

  it('the write switch waits for a router cut off from the control store to lapse, which then refuses writes', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 20, { approvals: ['write_switch'] });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'write_switch');

    const control = pool(h.f.pgUrl);
    const live = await createRouter({ migrationId: spec.id, control, entities: specRoutes(spec), pollIntervalMs: 100 });
    const cut = await cuttable();
    const stale = await createRouter({ migrationId: spec.id, control: cut.pool, entities: specRoutes(spec), pollIntervalMs: 100, leaseTtlMs: 3000 });
    routers.push(live, stale);
    cut.proxy.blackhole();

    const approved = Date.now();
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });
    const waiting = await waitForStatus(handle, (s) => s.routerAcks != null, 10_000);
    const switched = (await readRoutingState(control, spec.id))!;
    expect(switched.writes).toBe('new_then_old');
    const done = await waitForStatus(handle, (s) => s.routerAcks?.acked != null, 20_000);
    // The live router acknowledged within a poll; the cut-off one only lapsed, up to 3 s after its last renewal.
    expect(done.routerAcks).toMatchObject({ version: switched.version, acked: 1, waiting: [] });
    expect(Date.now() - approved).toBeGreaterThan(1500);
    expect(waiting.routerAcks?.version).toBe(switched.version);
    expect(live.routing().version).toBe(switched.version);
    expect(stale.routing().writes).toBe('old_then_new');
    await expect(stale.entity(table).update({ _id: 1, name: 'stale', qty: 1, note: null, version: 50 })).rejects.toThrow(/lease/);
    expect((await h.f.pg.query(`select name from ${table} where id = 1`)).rows[0].name).not.toBe('stale');
    await handle.terminate('test done');
  });

  it('reports a router that renews its lease but never acknowledges, once the bound runs out', async () => {
    const migrationId = uniqueName('acks');
    const control = pool(h.f.pgUrl);
    await publishRoutingState(control, { ...routingFor('write_switch'), migrationId, version: 7, actor: 'test', reason: 'switch' });
    await control.query(
      `insert into switchyard.router_leases (migration_id, router_id, routing_version, expires_at) values ($1, 'stuck', 6, now() + interval '1 hour')`,
      [migrationId],
    );
    const result: RouterAcksResult = await new MockActivityEnvironment().run(awaitRouterAcks, {
      control: h.f.pgConnection,
      migrationId,
      version: 7,
      boundMs: 500,
    });
    expect(result).toMatchObject({ version: 7, acked: 0, waiting: ['stuck'] });
    expect(result.waitedMs).toBeGreaterThanOrEqual(500);
  });
});
