import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { Client } from 'pg';
import type { ConnectionReport } from '../../lib/connectors/probe';
import { preflightWorkflow } from '../../workflows';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { RunningWorker, startTestWorker, testClient, uniqueName } from '../support/temporal';

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');

/** Workflow failure → activity failure → the activity's ApplicationFailure. */
function rootCause(err: unknown): ApplicationFailure | undefined {
  return (err as WorkflowFailedError).cause?.cause as ApplicationFailure | undefined;
}

describe('preflight workflow against the real stack', () => {
  let worker: RunningWorker;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let fx: DataFixture;
  let role: string;

  beforeAll(async () => {
    // Connections whose server is down (nothing listens on port 1) and whose URL carries a
    // password that must not show up in any error or in history.
    process.env.SWITCHYARD_CONN_DOWN = 'postgresql://app:do-not-leak-7731@127.0.0.1:1/shop';
    process.env.SWITCHYARD_CONN_MONGODOWN = 'mongodb://app:do-not-leak-4417@127.0.0.1:1/shop';
    fx = await createDataFixture('preflight');

    // A role that may connect and read the schema but not create in it (a typical app role).
    role = uniqueName('preflight_ro').toLowerCase();
    await fx.pg.query(`create role ${role} login password 'ro-secret-5521'`);
    await fx.pg.query('revoke create on schema public from public');
    await fx.pg.query(`grant usage on schema public to ${role}`);
    const readOnly = new URL(fx.pgUrl);
    readOnly.username = role;
    readOnly.password = 'ro-secret-5521';
    process.env.SWITCHYARD_CONN_READONLY = readOnly.toString();

    // MongoDB probed in this file's own database, so no other test's probe can be seen there.
    const mongo = new URL(process.env.SWITCHYARD_CONN_MONGO as string);
    mongo.pathname = `/${fx.mongoDatabase}`;
    process.env.SWITCHYARD_CONN_MONGO_OWN = mongo.toString();

    worker = await startTestWorker();
    temporal = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await fx?.close();
    const admin = new Client({ connectionString: process.env.SWITCHYARD_CONN_PG });
    await admin.connect();
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  it('reports version and read/write access of PostgreSQL and FerretDB, leaving no probe collection behind', async () => {
    const result = await temporal.client.workflow.execute(preflightWorkflow, {
      taskQueue: worker.taskQueue,
      workflowId: uniqueName('preflight'),
      args: [{ connections: ['PG', 'MONGO_OWN'] }],
    });
    const [pg, mongo] = result.connections;
    expect(pg).toMatchObject({ name: 'PG', kind: 'postgres', ok: true, product: 'PostgreSQL', schema: 'public', canRead: true, canWrite: true });
    expect(pg.serverVersion).toMatch(/^\d+\.\d+/);
    expect(pg.address).not.toContain(process.env.SWITCHYARD_LOCAL_PG_PASSWORD);
    expect(mongo).toMatchObject({ name: 'MONGO_OWN', kind: 'mongodb', ok: true, database: fx.mongoDatabase, canRead: true, canWrite: true });
    expect(mongo.serverVersion).toMatch(/^\d+\.\d+/);
    expect(await fx.mongo.listCollections({}, { nameOnly: true }).toArray()).toEqual([]);
  });

  it('a role without CREATE on its schema fails preflight: it can read but not write, and the message says why', async () => {
    const err = await temporal.client.workflow
      .execute(preflightWorkflow, { taskQueue: worker.taskQueue, workflowId: uniqueName('preflight-ro'), args: [{ connections: ['READONLY'] }] })
      .catch((e: unknown) => e);
    const appFailure = rootCause(err);
    expect(appFailure?.message).toBe(
      `connection READONLY (postgresql://${role}:***@127.0.0.1:${new URL(fx.pgUrl).port}/${fx.mongoDatabase}): cannot write: permission denied for schema public`,
    );
    const [reports] = appFailure?.details as [ConnectionReport[]];
    expect(reports).toEqual([expect.objectContaining({ name: 'READONLY', ok: false, user: role, schema: 'public', canRead: true, canWrite: false })]);
    expect(JSON.stringify(appFailure?.details)).not.toContain('ro-secret-5521');
  });

  it('fails at once with a non-retryable error naming the PostgreSQL connection that is down, never its password', async () => {
    const workflowId = uniqueName('preflight-down');
    const err = await temporal.client.workflow
      .execute(preflightWorkflow, { taskQueue: worker.taskQueue, workflowId, args: [{ connections: ['PG', 'DOWN'] }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(ActivityFailure);
    expect(((err as WorkflowFailedError).cause as ActivityFailure).retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
    const appFailure = rootCause(err);
    expect(appFailure?.message).toMatch(/^connection DOWN \(postgresql:\/\/app:\*\*\*@127\.0\.0\.1:1\/shop\): .*ECONNREFUSED/);
    expect(appFailure).toMatchObject({ type: 'ConnectionCheckFailed', nonRetryable: true });

    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    expect(JSON.stringify(history)).not.toContain('do-not-leak-7731');
    // One attempt, not a retry loop against a dead server (the workflow allows 3 for other errors).
    const started = history.events?.filter((e) => e.activityTaskStartedEventAttributes) ?? [];
    expect(started.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1]);
  });

  it('fails with an error naming the MongoDB connection that is down, never its password', async () => {
    const workflowId = uniqueName('preflight-mongo-down');
    const err = await temporal.client.workflow
      .execute(preflightWorkflow, { taskQueue: worker.taskQueue, workflowId, args: [{ connections: ['MONGODOWN'] }] })
      .catch((e: unknown) => e);
    const appFailure = rootCause(err);
    expect(appFailure?.message).toMatch(/^connection MONGODOWN \(mongodb:\/\/app:\*\*\*@127\.0\.0\.1:1\/shop\): .*ECONNREFUSED/);
    expect(appFailure).toMatchObject({ type: 'ConnectionCheckFailed', nonRetryable: true });
    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    expect(JSON.stringify(history)).not.toContain('do-not-leak-4417');
  });

  it('names the environment variable when a connection is not configured', async () => {
    const err = await temporal.client.workflow
      .execute(preflightWorkflow, { taskQueue: worker.taskQueue, workflowId: uniqueName('preflight-missing'), args: [{ connections: ['NOPE'] }] })
      .catch((e: unknown) => e);
    expect(rootCause(err)?.message).toContain('connection NOPE is not configured: set SWITCHYARD_CONN_NOPE');
  });

  it('CLI: prints one line per connection checked by the worker, and exits 2 naming a connection that is down, never its password', async () => {
    const env = { ...process.env, SWITCHYARD_TASK_QUEUE: worker.taskQueue };
    const ok = await run('node', ['scripts/switchyard.js', 'preflight', 'PG', 'MONGO_OWN'], { cwd: ROOT, env });
    expect(ok.stdout).toMatch(/^PG: ok {2}PostgreSQL \S+ .* read=true write=true {2}\d+ms$/m);
    expect(ok.stdout).toMatch(/^MONGO_OWN: ok .* read=true write=true/m);
    expect(ok.stdout).toMatch(/^history: http:\/\/\S+\/workflows\/preflight-\d+$/m);
    const down = await run('node', ['scripts/switchyard.js', 'preflight', 'DOWN'], { cwd: ROOT, env }).catch((e) => e);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^switchyard: connection DOWN \(postgresql:\/\/app:\*\*\*@127\.0\.0\.1:1\/shop\): /);
    expect(down.stderr).not.toContain('do-not-leak-7731');
  });
});
