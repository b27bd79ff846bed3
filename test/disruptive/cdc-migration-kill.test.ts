import type { ChildProcess } from 'node:child_process';
import { cdcTeardown } from '../../activities/cdc';
import type { MigrationSpec } from '../../lib/spec/schema';
import { approveUpdate } from '../../workflows';
import { createDataFixture, DataFixture } from '../integration/backfill-fixtures';
import { cdcMigrationSpec, cdcSlotExists, sourceUsers, targetUsers } from '../integration/cdc-migration-fixtures';
import { createUsersAndOrders, writeLoad } from '../integration/cdc-fixtures';
import { retiredTable, startMigration, waitForStatus } from '../integration/migration-fixtures';
import { testClient, uniqueName } from '../support/temporal';
import { spawnWorker } from './worker-process';

describe('a CDC migration survives its worker being killed mid-stream', () => {
  let f: DataFixture;
  let spec: MigrationSpec | undefined;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    f = await createDataFixture('cdcmigkill');
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    if (spec) await cdcTeardown({ migrationId: spec.id, spec }).catch(() => undefined);
    await f?.close();
  });

  it('converges exactly to the source with writes during the backfill and the stream', async () => {
    const temporal = await testClient();
    try {
      await createUsersAndOrders(f, 'users', 'orders');
      await f.pg.query(`insert into users select g, 'user ' || g, repeat('b', g % 3000), 1 from generate_series(7, 2000) g`);
      await f.pg.query(`insert into orders select g, 1 + g % 2000, g from generate_series(13, 5000) g`);
      spec = cdcMigrationSpec(f, 'users', 'orders', ['write_switch']);
      spec.id = uniqueName('cdc-kill');
      const taskQueue = uniqueName('tq-cdckill');
      workers.push(await spawnWorker(taskQueue, f.env));
      let stopped = false;
      const writes = writeLoad(f.pg, () => stopped, { pauseMs: 5 });
      const handle = await startMigration(temporal.client, taskQueue, spec);

      // Mid-stream: the stream has reported lag at least once.
      await waitForStatus(handle, (s) => s.cdc?.lag !== undefined, 180_000);
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 2000));
      workers[0].kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 1000));
      workers.push(await spawnWorker(taskQueue, f.env));

      const waiting = await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'write_switch', 180_000);
      expect(waiting.cdc!.lag!.seconds).toBeLessThanOrEqual(spec.gates.maxLagSeconds);
      stopped = true;
      expect(await writes).toBeGreaterThan(100);
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });
      expect((await handle.result()).state).toBe('completed');

      const [source, target] = await Promise.all([sourceUsers(f, retiredTable(spec, 'users'), retiredTable(spec, 'orders')), targetUsers(f, 'users')]);
      expect(target.length).toBe(source.length);
      expect(target).toEqual(source);
      expect(await cdcSlotExists(f, spec)).toBe(false);
    } finally {
      await temporal.close();
    }
  }, 420_000);
});
