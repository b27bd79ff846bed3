import type { ChildProcess } from 'node:child_process';
import { cdcTeardown } from '../../activities/cdc';
import { closeAllClients } from '../../lib/connectors/clients';
import type { MigrationSpec } from '../../lib/spec/schema';
import { approveUpdate } from '../../workflows';
import { createDataFixture, DataFixture } from '../integration/backfill-fixtures';
import { createAccounts, mysqlAccounts, mysqlCdcSpec, mysqlWriteLoad, pgAccounts } from '../integration/cdc-mysql-fixtures';
import { FAST, startMigration, waitForStatus } from '../integration/migration-fixtures';
import { createMysqlFixture, MysqlFixture } from '../integration/mysql-fixture';
import { waitFor } from '../integration/router/router-fixture';
import { testClient, uniqueName } from '../support/temporal';
import { spawnWorker } from './worker-process';

/** Ids of the burst inserted mid-stream, far above the write load's. */
const BURST = 10_000_000;

/** The MySQL → PostgreSQL twin of cdc-migration-kill.test.ts: the binlog stream's position lives in the control store. */
describe('a binlog CDC migration survives its worker being killed mid-stream', () => {
  let my: MysqlFixture;
  let f: DataFixture;
  let spec: MigrationSpec | undefined;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    my = await createMysqlFixture('cdcmykill');
    f = await createDataFixture('cdcmykill');
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    if (spec) await cdcTeardown({ migrationId: spec.id, spec }).catch(() => undefined);
    await closeAllClients();
    await my?.close();
    await f?.close();
  });

  it('converges exactly to the source with writes during the backfill and the stream', async () => {
    const temporal = await testClient();
    try {
      await createAccounts(my, f, 'accounts', 3000);
      spec = mysqlCdcSpec(my, f, uniqueName('cdc-my-kill'), 'accounts', { ...FAST, approvals: ['write_switch'], backfill: { batchSize: 100, concurrency: 2 } });
      const taskQueue = uniqueName('tq-cdcmykill');
      const env = { ...f.env, ...my.env };
      workers.push(await spawnWorker(taskQueue, env));
      let stopped = false;
      const writes = mysqlWriteLoad(my, 'accounts', () => stopped, 5);
      const handle = await startMigration(temporal.client, taskQueue, spec);

      // Mid-stream, mid-apply: the stream has reported lag, then is killed while it writes one
      // 20,000-row transaction (rows nothing touches again: a batch whose position were saved
      // before its apply would leave them missing for good).
      await waitForStatus(handle, (s) => s.cdc?.lag !== undefined, 180_000);
      await my.sql.query(`insert into accounts select seq, 'burst', null, 1 from seq_${BURST}_to_${BURST + 19_999}`);
      await waitFor(async () => Number((await f.pg.query(`select count(*) as n from accounts where id >= $1`, [BURST])).rows[0].n) > 0, 120_000);
      workers[0].kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 1000));
      workers.push(await spawnWorker(taskQueue, env));

      const waiting = await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'write_switch', 180_000);
      expect(waiting.cdc!.lag!.seconds).toBeLessThanOrEqual(spec.gates.maxLagSeconds);
      stopped = true;
      expect(await writes).toBeGreaterThan(100);
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });
      const status = await handle.result();
      expect(status.state).toBe('completed');

      const retired = status.decommission?.retired?.find((r) => r.name === 'accounts')?.retiredAs ?? 'accounts';
      const [source, target] = await Promise.all([mysqlAccounts(my, retired), pgAccounts(f, 'accounts')]);
      expect(target.length).toBe(source.length);
      expect(target).toEqual(source);
    } finally {
      await temporal.close();
    }
  }, 420_000);
});
