import { NativeConnection, Worker, WorkerOptions, WorkerPlugin } from '@temporalio/worker';
import type { Duration } from '@temporalio/common';
import * as activities from '../activities';
import { TemporalConfig } from '../lib/config';
import { redactActivityFailures } from './redact-failures';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  config: TemporalConfig;
  /** A prebuilt bundle (tests build it once); otherwise the workflows folder is bundled. */
  workflowBundlePath?: string;
  /** E.g. tracing (lib/tracing/worker-tracing.ts); its workflow interceptors need the workflows bundled here, not prebuilt. */
  plugins?: WorkerPlugin[];
  overrides?: Partial<WorkerOptions>;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');

/** The one place that decides what a switchyard worker runs, shared by workers/main.ts and tests. */
export function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.config.namespace,
    taskQueue: opts.config.taskQueue,
    ...(opts.workflowBundlePath ? { workflowBundle: { codePath: opts.workflowBundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
    activities,
    interceptors: { activity: [redactActivityFailures] },
    plugins: opts.plugins,
    // On SIGTERM, running activities get this long to finish; after it they are cancelled,
    // which they observe through heartbeats and resume from their last heartbeat elsewhere.
    shutdownGraceTime: (process.env.SWITCHYARD_SHUTDOWN_GRACE || '20s') as Duration,
    ...opts.overrides,
  });
}
