import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { preflightWorkflow } from '../../workflows';
import { RunningWorker, startTestWorker, testClient, uniqueName } from '../support/temporal';

/** Workflow failure → activity failure → the activity's ApplicationFailure. */
function rootCause(err: unknown): ApplicationFailure | undefined {
  return (err as WorkflowFailedError).cause?.cause as ApplicationFailure | undefined;
}

describe('preflight workflow against the real stack', () => {
  let worker: RunningWorker;
  let temporal: Awaited<ReturnType<typeof testClient>>;

  beforeAll(async () => {
    // A connection whose server is down (nothing listens on port 1) and whose URL carries a
    // password that must not show up in any error or in history.
    process.env.SWITCHYARD_CONN_DOWN = 'postgresql://app:do-not-leak-7731@127.0.0.1:1/shop';
    worker = await startTestWorker();
    temporal = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
  });

  it('reports version and read/write access of PostgreSQL and FerretDB', async () => {
    const result = await temporal.client.workflow.execute(preflightWorkflow, {
      taskQueue: worker.taskQueue,
      workflowId: uniqueName('preflight'),
      args: [{ connections: ['PG', 'MONGO'] }],
    });
    const [pg, mongo] = result.connections;
    expect(pg).toMatchObject({ name: 'PG', kind: 'postgres', ok: true, product: 'PostgreSQL', canRead: true, canWrite: true });
    expect(pg.serverVersion).toMatch(/^\d+\.\d+/);
    expect(pg.address).not.toContain(process.env.SWITCHYARD_LOCAL_PG_PASSWORD);
    expect(mongo).toMatchObject({ name: 'MONGO', kind: 'mongodb', ok: true, canRead: true, canWrite: true });
    expect(mongo.serverVersion).toMatch(/^\d+\.\d+/);
  });

  it('fails with a non-retryable error naming the connection that is down, never its password', async () => {
    const workflowId = uniqueName('preflight-down');
    const err = await temporal.client.workflow
      .execute(preflightWorkflow, { taskQueue: worker.taskQueue, workflowId, args: [{ connections: ['PG', 'DOWN'] }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const appFailure = rootCause(err);
    expect(appFailure?.message).toMatch(/^connection DOWN \(postgresql:\/\/app:\*\*\*@127\.0\.0\.1:1\/shop\): .*ECONNREFUSED/);
    expect(appFailure).toMatchObject({ type: 'ConnectionCheckFailed', nonRetryable: true });

    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const text = JSON.stringify(history);
    expect(text).toContain('ConnectionCheckFailed');
    expect(text).not.toContain('do-not-leak-7731');
    // Non-retryable: one attempt, not a retry loop against a dead server.
    const failed = history.events?.find((e) => e.activityTaskFailedEventAttributes);
    expect(failed).toBeDefined();
  });

  it('names the environment variable when a connection is not configured', async () => {
    const err = await temporal.client.workflow
      .execute(preflightWorkflow, { taskQueue: worker.taskQueue, workflowId: uniqueName('preflight-missing'), args: [{ connections: ['NOPE'] }] })
      .catch((e: unknown) => e);
    expect(rootCause(err)?.message).toContain('connection NOPE is not configured: set SWITCHYARD_CONN_NOPE');
  });
});
