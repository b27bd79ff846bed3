import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { migrationSpec, startMigration, waitForStatus } from './migration-fixtures';

const ROOT = join(__dirname, '..', '..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('switchyard CLI: migration commands', () => {
  const h = useDataStack('cli');

  const env = () => ({ ...process.env, SWITCHYARD_TASK_QUEUE: h.worker.taskQueue, SWITCHYARD_ACTOR: 'cli-test' });

  /** `node scripts/switchyard.js ...` against the test worker's task queue, with `extra` environment. */
  const cliWith = (extra: Record<string, string>, ...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile('node', [join(ROOT, 'scripts', 'switchyard.js'), ...args], { cwd: ROOT, env: { ...env(), ...extra } }, (err, stdout, stderr) =>
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr }),
      );
    });
  const cli = (...args: string[]) => cliWith({}, ...args);
  const widest = (text: string) => Math.max(...text.split('\n').map((l) => l.length));

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
      migrationId: spec.id,
      phase: 'dual_write',
      state: 'waiting_approval',
      pendingApproval: { phase: 'backfill' },
      routing: { writes: 'old_then_new', reads: 'old' },
      gates: { latest: null },
      progress: [],
    });
    expect(status.transitions.map((t: { to: string }) => t.to)).toEqual(['preflight', 'dual_write']);

    const human = await cli('status', spec.id);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`migration ${spec.id}`);
    expect(widest(human.stdout)).toBeLessThanOrEqual(80);

    const listed = await cli('list', '--json');
    expect(JSON.parse(listed.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: spec.id, phase: 'dual_write', state: 'waiting_approval' })]),
    );

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

  it('exits 1 with a one-line message on an unexpected failure (Temporal unreachable)', async () => {
    const run = await cliWith({ TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'status', 'any-id');
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^switchyard: unexpected failure: cannot reach Temporal at 127\.0\.0\.1:1 \(TEMPORAL_ADDRESS\): \S/),
    ]);
  });

  it('throttles a running backfill, shows the limit in status, and status --watch draws the entity', async () => {
    const spec = await migrationSpec(h.f, uniqueName('items'), 3000, { approvals: [] });
    const entity = spec.entities[0].name;
    // A minute of copying: the migration is still in the backfill when the watch starts.
    spec.backfill = { ...spec.backfill, maxRowsPerSecond: 50 };
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    await waitForStatus(handle, (s) => s.entities[entity]?.backfill?.state === 'running');

    const throttled = await cli('throttle', spec.id, '--rows-per-second', '40');
    expect(throttled).toMatchObject({ code: 0, stdout: `throttle: ${spec.id} is now backfill (running)\n` });
    expect(JSON.parse((await cli('status', spec.id, '--json')).stdout)).toMatchObject({
      rowsPerSecond: 40,
      progress: [{ entity, backfill: { state: 'running' } }],
    });
    const human = await cli('status', spec.id);
    expect(human.stdout.split('\n')).toContain('throttle  40 rows/s');

    const frame = await watchFrame(spec.id, entity);
    expect(frame).toMatch(new RegExp(`^${entity} backfill \\[.*\\] \\d+% \\d+/3000 \\| running$`));
    expect(frame.length).toBeLessThanOrEqual(80);
    await handle.terminate('end of test');
  });

  it('fits the human status in 80 columns with entity progress and gate figures', async () => {
    const spec = await migrationSpec(h.f, uniqueName('items'), 20, { approvals: ['write_switch'] });
    const entity = spec.entities[0].name;
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'write_switch');
    const human = await cli('status', spec.id);
    expect(human.code).toBe(0);
    const lines = human.stdout.split('\n');
    expect(lines.find((l) => l.startsWith(entity))).toMatch(/completed 100% 20\/20\s+completed 100% clean$/);
    const gates = lines.findIndex((l) => l.startsWith('gates'));
    expect(lines.slice(gates, gates + 2)).toEqual([
      expect.stringMatching(/^gates {5}green at \d\d:\d\d:\d\d$/),
      '          mismatch 0.00% (0/0), errors 0.00% (0/0)',
    ]);
    expect(widest(human.stdout)).toBeLessThanOrEqual(80);
    await handle.terminate('end of test');
  });

  /** Spawns `status --watch` and resolves with the first rendered line naming `entity`; kills the watcher. */
  function watchFrame(id: string, entity: string): Promise<string> {
    const watcher = spawn('node', [join(ROOT, 'scripts', 'switchyard.js'), 'status', id, '--watch'], { cwd: ROOT, env: env() });
    let output = '';
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame naming ${entity} in 30 s: ${output}`)), 30_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const line = output.split(/\r?\n/).find((l) => l.startsWith(entity) && l.endsWith('running'));
        if (line === undefined) return;
        clearTimeout(timer);
        resolve(line);
      };
      watcher.stdout.on('data', read);
      watcher.stderr.on('data', read);
      watcher.on('exit', (code) => reject(new Error(`status --watch exited (${code}) before a frame: ${output}`)));
    }).finally(() => watcher.kill());
  }
});
