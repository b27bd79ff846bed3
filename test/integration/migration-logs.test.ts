import { pgPool } from '../../lib/connectors/clients';
import { enqueueReconcile, ensureControlSchema } from '../../lib/control';
import { log } from '../../lib/log';
import { PHASES } from '../../lib/spec/lifecycle';
import { abortUpdate, rollbackUpdate } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { migrationSpec, startMigration, waitForStatus } from './migration-fixtures';

interface LogLine {
  migrationId?: string;
  phase?: string;
  msg: string;
}

describe('migration workflow: structured logs', () => {
  const h = useDataStack('miglog');

  it('every activity log line of a migration carries its id and phase: routing, gates, queue drains and copy-back', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 10, { approvals: ['complete'] });
    // A failed secondary write waiting in the queue, so the dual-write soak's drain has something to log.
    // Routers never create the control schema (their role cannot): the worker would have, so the test does.
    await ensureControlSchema(pgPool(h.f.pgConnection));
    await enqueueReconcile(pgPool(h.f.pgConnection), { migrationId: spec.id, entity: table, key: [1], target: 'new', reason: 'test' });
    const info = jest.spyOn(log, 'info');
    try {
      const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
      await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'complete');
      await handle.executeUpdate(rollbackUpdate, { args: [{ by: 'ops', reason: 'copy back' }] });
      await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });

      const lines = info.mock.calls.map(([fields, msg]) => ({ ...(fields as object), msg: String(msg) }) as LogLine).filter((l) => l.migrationId === spec.id);
      expect(lines.filter((l) => !(PHASES as readonly unknown[]).includes(l.phase))).toEqual([]);
      const phasesOf = (match: (msg: string) => boolean) => [...new Set(lines.filter((l) => match(l.msg)).map((l) => l.phase))];
      expect(phasesOf((m) => m === 'drained the reconcile queue')).toEqual(['dual_write']);
      expect(phasesOf((m) => m.startsWith('gate '))).toEqual(['shadow_read', 'read_ramp', 'write_switch']);
      expect(phasesOf((m) => m.startsWith('copied keys written since the write switch'))).toEqual(['write_switch']);
      expect(phasesOf((m) => m.startsWith('routing v'))).toEqual(expect.arrayContaining(['preflight', 'write_switch', 'read_ramp']));
    } finally {
      info.mockRestore();
    }
  });
});
