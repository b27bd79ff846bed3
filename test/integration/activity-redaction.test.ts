import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import * as activities from '../../activities';
import { preflightWorkflow } from '../../workflows';
import { RunningWorker, startTestWorker, testClient, uniqueName } from '../support/temporal';

const URL_WITH_PASSWORD = 'postgresql://user:secret@host/db';

/** What a driver error quoting its connection URL looks like, with the URL in its stack as well. */
class DriverError extends Error {
  override name = 'DriverError';
  constructor() {
    super(`connect ECONNREFUSED while opening ${URL_WITH_PASSWORD}`);
    this.stack = `${this.name}: ${this.message}\n    at connect (${URL_WITH_PASSWORD}:1:1)`;
  }
}

describe('activity failures reach workflow history redacted', () => {
  let worker: RunningWorker;
  let temporal: Awaited<ReturnType<typeof testClient>>;

  beforeAll(async () => {
    // The production worker (createWorker) with one activity swapped for one that fails the way a driver can.
    worker = await startTestWorker(undefined, {
      activities: {
        ...activities,
        checkConnections: async () => {
          throw ApplicationFailure.create({
            message: `cannot reach ${URL_WITH_PASSWORD}`,
            type: 'ConnectionCheckFailed',
            nonRetryable: true,
            cause: new DriverError(),
          });
        },
      },
    });
    temporal = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
  });

  it('an error whose message, stack and cause carry a URL password leaves no trace of it, keeping its type and nonRetryable flag', async () => {
    const handle = await temporal.client.workflow.start(preflightWorkflow, {
      taskQueue: worker.taskQueue,
      workflowId: uniqueName('redact'),
      args: [{ connections: ['PG'] }],
    });
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activity = (err as WorkflowFailedError).cause as ActivityFailure;
    expect(activity.retryState).toBe('NON_RETRYABLE_FAILURE');
    const failure = activity.cause as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'ConnectionCheckFailed', nonRetryable: true, message: 'cannot reach postgresql://user:***@host/db' });
    expect(failure.stack).toContain('postgresql://user:***@host/db');
    expect(failure.cause?.message).toBe('connect ECONNREFUSED while opening postgresql://user:***@host/db');
    expect(failure.cause?.stack).toContain('at connect (postgresql://user:***@host/db:1:1)');

    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).toContain('connect ECONNREFUSED while opening postgresql://user:***@host/db');
    expect(history).not.toContain('secret');
  });
});
