/**
 * The migration workflow seen from a client: start it, read its status, list migrations, steer
 * them. Names of workflows, queries, updates and search attributes come from the workflow's
 * contract (workflows/migration-api.ts), never from strings repeated here.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { MigrationSpec } from '../spec/schema';
import {
  abortUpdate,
  approveUpdate,
  consequenceQuery,
  MIGRATION_ID,
  MIGRATION_PHASE,
  MIGRATION_STATE,
  MIGRATION_WORKFLOW,
  pauseUpdate,
  resumeUpdate,
  rollbackUpdate,
  statusQuery,
  throttleUpdate,
} from '../../workflows/migration-api';
import type {
  ApproveArgs,
  Consequence,
  ConsequenceArgs,
  ControlArgs,
  MigrationInput,
  MigrationStatus,
  RollbackArgs,
  ThrottleArgs,
} from '../../workflows/migration-api';
import type { Session } from './connect';
import { RequestRefused } from './errors';

export type MigrationHandle = WorkflowHandle<(input: MigrationInput) => Promise<MigrationStatus>>;

export interface StartOptions {
  autoApprove: boolean;
  actor: string;
  /** Defaults to the session's task queue (SWITCHYARD_TASK_QUEUE). */
  taskQueue?: string;
}

/** Starts the migration workflow for a spec (workflow id = spec id). */
export function start({ client, config }: Session, spec: MigrationSpec, opts: StartOptions): Promise<MigrationHandle> {
  return client.workflow.start<(input: MigrationInput) => Promise<MigrationStatus>>(MIGRATION_WORKFLOW, {
    taskQueue: opts.taskQueue ?? config.taskQueue,
    workflowId: spec.id,
    args: [{ spec, autoApprove: opts.autoApprove, actor: opts.actor }],
    // Listed by `switchyard list` and the UI at once, before the first workflow task runs.
    typedSearchAttributes: [
      { key: MIGRATION_ID, value: spec.id },
      { key: MIGRATION_PHASE, value: 'preflight' },
      { key: MIGRATION_STATE, value: 'running' },
    ],
  });
}

export function handle({ client }: Session, id: string): MigrationHandle {
  return client.workflow.getHandle(id);
}

/** The status a running migration answers with its query. */
export function currentStatus(migration: MigrationHandle): Promise<MigrationStatus> {
  return migration.query(statusQuery);
}

/**
 * The status of a migration, running or closed: a running one answers the query; a completed one
 * returned its final status as its result.
 */
export async function status(session: Session, id: string): Promise<MigrationStatus & { workflowStatus: string }> {
  const migration = handle(session, id);
  const described = await migration.describe();
  const workflowStatus = described.status.name;
  if (workflowStatus === 'COMPLETED') return { ...(await migration.result()), workflowStatus };
  // A query needs a worker to answer it; without one it fails only after the server's timeout, as
  // "Failed to query Workflow", which does not say what to do.
  if (!(await hasWorker(session, described.taskQueue))) {
    throw new RequestRefused(
      `no worker is polling task queue ${described.taskQueue}, so migration ${id} cannot answer or make progress; start one with \`npm run worker\` (SWITCHYARD_TASK_QUEUE=${described.taskQueue}, see docs/operations.md)`,
    );
  }
  return { ...(await currentStatus(migration)), workflowStatus };
}

/** Whether a worker polled the task queue for workflow tasks recently (the server keeps pollers for a few minutes). */
async function hasWorker({ client }: Session, taskQueue: string): Promise<boolean> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (pollers?.length ?? 0) > 0;
}

export interface MigrationListing {
  id: string;
  phase: string;
  state: string;
  started: string;
  /** The workflow execution's status: RUNNING, COMPLETED, TERMINATED, ... */
  execution: string;
}

/** Migrations with their phase and state from the search attributes; running ones unless `all`. */
export async function list({ client }: Session, opts: { all?: boolean } = {}): Promise<MigrationListing[]> {
  const query = `WorkflowType = '${MIGRATION_WORKFLOW}'${opts.all ? '' : ` AND ExecutionStatus = 'Running'`}`;
  const rows: MigrationListing[] = [];
  for await (const wf of client.workflow.list({ query })) {
    const attributes = wf.typedSearchAttributes;
    rows.push({
      id: wf.workflowId,
      phase: attributes.get(MIGRATION_PHASE) ?? '-',
      state: attributes.get(MIGRATION_STATE) ?? wf.status.name.toLowerCase(),
      started: wf.startTime.toISOString(),
      execution: wf.status.name,
    });
  }
  return rows;
}

/** What an action would do now, in the workflow's words, or why it would be refused (nothing changes). */
export const consequence = (s: Session, id: string, args: ConsequenceArgs): Promise<Consequence> => handle(s, id).query(consequenceQuery, args);

/** Each steering command is one validated update: one the workflow cannot apply now comes back refused with the reason. */
export const approve = (s: Session, id: string, args: ApproveArgs) => handle(s, id).executeUpdate(approveUpdate, { args: [args] });
export const pause = (s: Session, id: string, args: ControlArgs) => handle(s, id).executeUpdate(pauseUpdate, { args: [args] });
export const resume = (s: Session, id: string, args: ControlArgs) => handle(s, id).executeUpdate(resumeUpdate, { args: [args] });
export const throttle = (s: Session, id: string, args: ThrottleArgs) => handle(s, id).executeUpdate(throttleUpdate, { args: [args] });
export const rollback = (s: Session, id: string, args: RollbackArgs) => handle(s, id).executeUpdate(rollbackUpdate, { args: [args] });
export const abort = (s: Session, id: string, args: ControlArgs) => handle(s, id).executeUpdate(abortUpdate, { args: [args] });

/** Terminates every running workflow on a task queue (a killed demo's leftovers); returns their ids. */
export async function terminateRunning({ client }: Session, taskQueue: string, reason: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
    await client.workflow
      .getHandle(wf.workflowId, wf.runId)
      .terminate(reason)
      .catch(() => undefined);
    ids.push(wf.workflowId);
  }
  return ids;
}
