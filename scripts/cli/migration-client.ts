import { userInfo } from 'node:os';
import {
  Client, WorkflowExecutionAlreadyStartedError, WorkflowHandle, WorkflowNotFoundError, WorkflowUpdateFailedError,
} from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TemporalConfig } from '../../lib/config';
import type { MigrationSpec } from '../../lib/spec/schema';
import type { migrationWorkflow } from '../../workflows/migration';
import {
  MIGRATION_ID, MIGRATION_PHASE, MIGRATION_STATE, MIGRATION_WORKFLOW, MigrationStatus, statusQuery,
} from '../../workflows/migration-api';
import { UsageError } from './errors';
import { temporalClient } from './temporal';

export type MigrationHandle = WorkflowHandle<typeof migrationWorkflow>;

export interface Session {
  client: Client;
  config: TemporalConfig;
}

/** The operator's name when a command does not say (`--by`). */
export function defaultActor(): string {
  return process.env.SWITCHYARD_ACTOR || userInfo().username;
}

/**
 * Runs `fn` with a Temporal client and turns the errors an operator can act on into exit code 2
 * with the reason: an unknown id, a rejected update, a migration that is already running.
 */
export async function withTemporal<T>(fn: (session: Session) => Promise<T>): Promise<T> {
  const { client, config, close } = await temporalClient();
  try {
    return await fn({ client, config });
  } catch (err) {
    throw asUsageError(err) ?? err;
  } finally {
    await close();
  }
}

/** Starts the migration workflow for a spec (workflow id = spec id). */
export function startMigrationWorkflow(
  client: Client, taskQueue: string, spec: MigrationSpec, opts: { autoApprove: boolean; actor: string },
): Promise<MigrationHandle> {
  return client.workflow.start<typeof migrationWorkflow>(MIGRATION_WORKFLOW, {
    taskQueue,
    workflowId: spec.id,
    args: [{ spec, ...opts }],
    // Listed by `switchyard list` and the UI at once, before the first workflow task runs.
    typedSearchAttributes: [
      { key: MIGRATION_ID, value: spec.id },
      { key: MIGRATION_PHASE, value: 'preflight' },
      { key: MIGRATION_STATE, value: 'running' },
    ],
  });
}

function asUsageError(err: unknown): UsageError | undefined {
  if (err instanceof WorkflowNotFoundError) return new UsageError(`no migration ${err.workflowId ?? ''} is running (check the id with \`switchyard list\`)`);
  if (err instanceof WorkflowUpdateFailedError) return new UsageError(`rejected: ${err.cause?.message ?? err.message}`);
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return new UsageError(`migration ${err.workflowId} is already running; see \`switchyard status ${err.workflowId}\`, or wait for it to finish`);
  }
  return undefined;
}

/**
 * The status of a migration, running or closed: a running one answers the query; a completed one
 * returned its final status as its result.
 */
export async function fetchStatus(client: Client, id: string): Promise<MigrationStatus & { workflowStatus: string }> {
  const handle: MigrationHandle = client.workflow.getHandle(id);
  const described = await handle.describe();
  const workflowStatus = described.status.name;
  if (workflowStatus === 'COMPLETED') return { ...(await handle.result()), workflowStatus };
  // A query needs a worker to answer it; without one it fails only after the server's timeout, as
  // "Failed to query Workflow", which does not say what to do.
  if (!(await hasWorker(client, described.taskQueue))) {
    throw new UsageError(`no worker is polling task queue ${described.taskQueue}, so migration ${id} cannot answer or make progress; start one with \`npm run worker\` (SWITCHYARD_TASK_QUEUE=${described.taskQueue}, see docs/operations.md)`);
  }
  return { ...(await handle.query(statusQuery)), workflowStatus };
}

/** Whether a worker polled the task queue for workflow tasks recently (the server keeps pollers for a few minutes). */
async function hasWorker(client: Client, taskQueue: string): Promise<boolean> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (pollers?.length ?? 0) > 0;
}
