import { ChildProcess, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { MigrationStatus } from '../../workflows';
import { createDataFixture, DataFixture, sourceItems, targetItems } from '../integration/backfill-fixtures';
import { migrationSpec, retiredTable, startMigration, waitForStatus } from '../integration/migration-fixtures';
import { testClient, uniqueName } from '../support/temporal';
import { spawnWorker } from './worker-process';

const ROOT = join(__dirname, '..', '..');
const stack = (...args: string[]) => execFileSync('bash', [join(ROOT, 'scripts', 'stack.sh'), ...args], { stdio: 'pipe', timeout: 120_000 });

describe('migration survives its worker and its server', () => {
  let f: DataFixture;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    f = await createDataFixture('migdis');
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await f?.close();
  });

  it('finishes after its worker is killed mid-backfill', async () => {
    const temporal = await testClient();
    try {
      const table = uniqueName('items');
      const spec = await migrationSpec(f, table, 2000, { approvals: [] });
      spec.backfill = { ...spec.backfill, maxRowsPerSecond: 250, concurrency: 1 };
      const taskQueue = uniqueName('tq-migkill');
      workers.push(await spawnWorker(taskQueue, f.env));
      const handle = await startMigration(temporal.client, taskQueue, spec, { autoApprove: true });
      const coll = f.mongo.collection(table);
      while ((await coll.countDocuments()) < 500) await new Promise((r) => setTimeout(r, 100));
      workers[0].kill('SIGKILL');
      expect(await coll.countDocuments()).toBeLessThan(2000);
      workers.push(await spawnWorker(taskQueue, f.env));
      const status = await handle.result();
      expect(status.state).toBe('completed');
      expect(await targetItems(f, table)).toEqual(await sourceItems(f, retiredTable(spec, table)));
    } finally {
      await temporal.close();
    }
  });

  it('continues after the Temporal server restarts mid-migration', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(f, table, 50, {
      approvals: [],
      timers: { dualWriteSoak: '8s', shadowReadSoak: '1s', rampStepBake: '1s', rollbackWindow: '1s', gateInterval: '1s', retention: '1s' },
    });
    const taskQueue = uniqueName('tq-migrestart');
    let temporal = await testClient();
    const handle = await startMigration(temporal.client, taskQueue, spec, { autoApprove: true });
    workers.push(await spawnWorker(taskQueue, f.env));
    await waitForStatus(handle, (s) => s.phase === 'dual_write');
    await temporal.close();

    stack('down', 'temporal');
    stack('up', 'temporal');

    temporal = await testClient();
    try {
      // The worker reconnects on its own; one that gave up while the server was away is replaced.
      const last = workers[workers.length - 1];
      if (last.exitCode !== null || last.signalCode !== null) workers.push(await spawnWorker(taskQueue, f.env));
      const status = (await temporal.client.workflow.getHandle(spec.id).result()) as MigrationStatus;
      expect(status.state).toBe('completed');
      expect(status.transitions.map((t) => t.to)).toContain('decommission');
      expect(await targetItems(f, table)).toEqual(await sourceItems(f, retiredTable(spec, table)));
    } finally {
      await temporal.close();
    }
  });
});
