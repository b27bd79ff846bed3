import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { migrationSpec, waitForStatus } from './migration-fixtures';

const ROOT = join(__dirname, '..', '..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('switchyard CLI: migration commands', () => {
  const h = useDataStack('cli');

  /** `node scripts/switchyard.js ...` against the test worker's task queue. */
  const cli = (...args: string[]): Promise<Run> => new Promise((resolve) => {
    execFile('node', [join(ROOT, 'scripts', 'switchyard.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, SWITCHYARD_TASK_QUEUE: h.worker.taskQueue, SWITCHYARD_ACTOR: 'cli-test' },
    }, (err, stdout, stderr) => resolve({ code: err ? (err.code as number) : 0, stdout, stderr }));
  });


  it('starts, refuses a second start, steers, reports and aborts with the documented exit codes', async () => {
    const spec = await migrationSpec(h.f, uniqueName('items'), 10, { approvals: ['backfill', 'write_switch'] });
    const file = join(tmpdir(), `${spec.id}.json`);
    writeFileSync(file, JSON.stringify(spec));

    const started = await cli('start', file);
    expect(started).toMatchObject({ code: 0 });
    expect(started.stdout).toContain(`workflow id: ${spec.id}`);
    expect(started.stdout).toMatch(new RegExp(`Temporal UI: http://\\S+/namespaces/default/workflows/${spec.id}`));

    const again = await cli('start', file);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`migration ${spec.id} is already running`);

    const handle = h.temporal.client.workflow.getHandle(spec.id);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'backfill');

    const wrong = await cli('approve', spec.id, '--phase', 'verify', '--by', 'alice');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('rejected: verify is not pending approval; the pending approval is for backfill');

    const json = await cli('status', spec.id, '--json');
    expect(json.code).toBe(0);
    const status = JSON.parse(json.stdout);
    expect(status).toMatchObject({
      migrationId: spec.id, phase: 'dual_write', state: 'waiting_approval', pendingApproval: { phase: 'backfill' },
      routing: { writes: 'old_then_new', reads: 'old' }, gates: { latest: null }, progress: [],
    });
    expect(status.transitions.map((t: { to: string }) => t.to)).toEqual(['preflight', 'dual_write']);

    const human = await cli('status', spec.id);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`migration ${spec.id}`);
    expect(Math.max(...human.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);

    const listed = await cli('list', '--json');
    expect(JSON.parse(listed.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ id: spec.id, phase: 'dual_write', state: 'waiting_approval' })]));

    const notPaused = await cli('resume', spec.id);
    expect(notPaused).toMatchObject({ code: 2, stderr: 'switchyard: rejected: not paused\n' });
    expect((await cli('throttle', spec.id, '--rows-per-second', 'fast')).code).toBe(2);
    expect((await cli('pause', spec.id, '--reason', 'lunch')).code).toBe(0);
    // Approving while paused is allowed: the next phase starts once resumed.
    expect((await cli('approve', spec.id, '--by', 'alice', '--note', 'go')).code).toBe(0);
    expect((await cli('resume', spec.id)).code).toBe(0);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'write_switch');

    expect((await cli('rollback', spec.id, '--to', 'decommission', '--reason', 'x')).code).toBe(2);
    const rolled = await cli('rollback', spec.id, '--to', 'verify', '--reason', 'mismatch seen', '--json');
    expect(rolled.code).toBe(0);
    expect(JSON.parse(rolled.stdout)).toMatchObject({ phase: 'verify', state: 'waiting_approval' });

    const aborted = await cli('abort', spec.id, '--reason', 'end of test');
    expect(aborted).toMatchObject({ code: 0 });
    expect(aborted.stdout).toContain('is now preflight (aborted)');
    const closed = JSON.parse((await cli('status', spec.id, '--json')).stdout);
    expect(closed.state).toBe('aborted');
  });

  it('exits 2 with the reason for an invalid spec and an unknown migration', async () => {
    const file = join(tmpdir(), `${uniqueName('bad')}.json`);
    writeFileSync(file, JSON.stringify({ id: 'Bad Id' }));
    const bad = await cli('start', file);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a valid spec');
    const missing = await cli('status', uniqueName('nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no migration .* is running/);
  });
});
