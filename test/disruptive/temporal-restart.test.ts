import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { preflightWorkflow } from '../../workflows';
import { startTestWorker, testClient, uniqueName } from '../support/temporal';

const stack = (...args: string[]) => execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'stack.sh'), ...args], { stdio: 'pipe', timeout: 120_000 });

/** Runs alone (test.sh runs test/disruptive in band): it stops the Temporal server. */
describe('local stack persistence', () => {
  it('keeps a workflow started before a Temporal server restart, and then completes it', async () => {
    const taskQueue = uniqueName('tq-restart');
    const workflowId = uniqueName('restart');
    let temporal = await testClient();
    // No worker polls this queue yet, so the workflow is open when the server goes down.
    await temporal.client.workflow.start(preflightWorkflow, { taskQueue, workflowId, args: [{ connections: ['PG'] }] });
    await temporal.close();

    stack('down', 'temporal');
    expect(stack('status', 'temporal').toString()).toMatch(/temporal\s+stopped/);
    stack('up', 'temporal');

    temporal = await testClient();
    try {
      const described = await temporal.client.workflow.getHandle(workflowId).describe();
      expect(described.status.name).toBe('RUNNING');
      const worker = await startTestWorker(taskQueue);
      try {
        const result = await temporal.client.workflow.getHandle<typeof preflightWorkflow>(workflowId).result();
        expect(result.connections[0]).toMatchObject({ name: 'PG', ok: true });
      } finally {
        await worker.stop();
      }
    } finally {
      await temporal.close();
    }
  });
});
