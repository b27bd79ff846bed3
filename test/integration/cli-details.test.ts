import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { migrationWorkflow } from '../../workflows';
import { testClient, uniqueName } from '../support/temporal';

const ROOT = join(__dirname, '..', '..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const cli = (env: Record<string, string>, ...args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile('node', [join(ROOT, 'scripts', 'switchyard.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr }),
    );
  });

/** CLI behaviour that needs Temporal but no worker: the `--by` default, and a migration no worker serves. */
describe('switchyard CLI details', () => {
  let temporal: { client: Client; close: () => Promise<void> };
  beforeAll(async () => {
    temporal = await testClient();
  });
  afterAll(async () => {
    await temporal.close();
  });

  it('approve takes --by from SWITCHYARD_ACTOR, as every other control does', async () => {
    const run = await cli({ SWITCHYARD_ACTOR: 'ops-bot' }, 'approve', uniqueName('nosuch'));
    expect(run.stderr).not.toContain('--by');
    // It got past its options to the migration, which does not exist.
    expect(run).toMatchObject({ code: 2, stderr: expect.stringContaining('is running') });
  });

  it('status of a migration no worker polls for says so and how to start one', async () => {
    const taskQueue = uniqueName('no-worker');
    const id = uniqueName('orphan');
    const handle = await temporal.client.workflow.start(migrationWorkflow, { taskQueue, workflowId: id, args: [{} as never] });
    try {
      const run = await cli({ SWITCHYARD_TASK_QUEUE: taskQueue }, 'status', id);
      expect(run.code).toBe(2);
      expect(run.stderr).not.toContain('unexpected failure');
      expect(run.stderr).toContain(`no worker is polling task queue ${taskQueue}`);
      expect(run.stderr).toContain('npm run worker');
    } finally {
      await handle.terminate('test done');
    }
  });
});
