/**
 * Routing hooks against a real redis-server: a rollback clears the cache keys its pattern names
 * (and nothing else), entering a phase runs its hook, outcomes show in status; a hook that cannot
 * run holds the migration in the phase it entered and asks a human, and never blocks a rollback.
 */
import { rollbackUpdate, approveUpdate } from '../../workflows';
import { startRedis } from '../support/redis-server';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { migrationSpec, startMigration, waitForStatus } from './migration-fixtures';

describe('routing hooks', () => {
  const h = useDataStack('hooks');
  let redis: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => {
    redis = await startRedis();
    // The in-process worker resolves hook connections from its environment, like any worker.
    process.env.SWITCHYARD_CONN_CACHE = redis.url;
  });
  afterAll(async () => {
    delete process.env.SWITCHYARD_CONN_CACHE;
    await redis?.stop();
  });

  it('clears the cache on rollback and runs the enter hook, recording both in status', async () => {
    const table = uniqueName('items');
    await redis.client.mset(...Array.from({ length: 50 }, (_, i) => [`${table}:user:${i}`, 'cached']).flat(), `${table}:ramp:x`, '1', `${table}:other`, 'kept');
    const spec = await migrationSpec(h.f, table, 50, {
      approvals: ['write_switch'],
      hooks: [
        { on: 'rollback', redis: { connection: 'CACHE', pattern: `${table}:user:*` } },
        { on: { enter: 'read_ramp' }, redis: { connection: 'CACHE', pattern: `${table}:ramp:*` } },
      ],
    });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    const waiting = await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'write_switch');
    expect(waiting.hooks).toMatchObject([{ trigger: 'enter', from: 'shadow_read', to: 'read_ramp 50%', state: 'ok', detail: '1 keys deleted' }]);
    expect(await redis.client.exists(`${table}:user:0`)).toBe(1);

    const after = await handle.executeUpdate(rollbackUpdate, { args: [{ by: 'carol', to: 'verify', reason: 'stale cache test' }] });
    expect(after.phase).toBe('verify');
    expect(after.hooks.at(-1)).toMatchObject({ trigger: 'rollback', from: 'read_ramp 100%', to: 'verify', state: 'ok', detail: '50 keys deleted' });
    expect(await redis.client.keys(`${table}:*`)).toEqual([`${table}:other`]);
    await handle.terminate('test done');
  });

  it('holds the phase a failing hook entered and asks a human; a rollback still goes through', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 20, {
      approvals: [],
      hooks: [
        { on: { enter: 'shadow_read' }, redis: { connection: 'NO_SUCH_CACHE', pattern: '*' } },
        { on: 'rollback', redis: { connection: 'NO_SUCH_CACHE', pattern: '*' } },
      ],
    });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    const held = await waitForStatus(handle, (s) => s.pendingApproval !== null);
    expect(held.phase).toBe('shadow_read');
    expect(held.pendingApproval?.reason).toMatch(
      /^routing hook redis NO_SUCH_CACHE \* \(enter shadow_read\) failed: .*SWITCHYARD_CONN_NO_SUCH_CACHE.*approve to run it again, or roll back$/,
    );
    // Approving runs it again: it fails again and holds again.
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'dan', note: 'try again' }] });
    const again = await waitForStatus(handle, (s) => s.pendingApproval !== null && s.hooks.length === 2);
    expect(again.phase).toBe('shadow_read');

    const rolled = await handle.executeUpdate(rollbackUpdate, { args: [{ by: 'dan', reason: 'no cache to clear' }] });
    expect(rolled.phase).toBe('verify');
    expect(rolled.hooks.at(-1)).toMatchObject({ trigger: 'rollback', state: 'failed' });
    await handle.terminate('test done');
  });
});
