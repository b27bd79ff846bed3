import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker, WorkerOptions } from '@temporalio/worker';
import { temporalConfig, TemporalConfig } from '../../lib/config';
import { closeAllClients } from '../../lib/connectors/clients';
import { createWorker } from '../../workers/create-worker';

let runtimeInstalled = false;

/** A unique name per test, so test files never see each other's workflows or data. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

export async function testClient(): Promise<{ client: Client; config: TemporalConfig; close: () => Promise<void> }> {
  const config = temporalConfig();
  const connection = await Connection.connect({ address: config.address });
  return { client: new Client({ connection, namespace: config.namespace }), config, close: () => connection.close() };
}

export interface RunningWorker {
  worker: Worker;
  taskQueue: string;
  stop: () => Promise<void>;
}

/** The Temporal runtime of in-process workers: errors only, and no signal handlers of its own (jest owns the process). */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  runtimeInstalled = true;
}

/** An in-process worker on its own task queue, with the prebuilt workflow bundle; `overrides` e.g. swap an activity. */
export async function startTestWorker(taskQueue = uniqueName('tq'), overrides: Partial<WorkerOptions> = {}): Promise<RunningWorker> {
  installTestRuntime();
  const config = { ...temporalConfig(), taskQueue };
  const connection = await NativeConnection.connect({ address: config.address });
  const worker = await createWorker({
    connection,
    config,
    workflowBundlePath: process.env.SWITCHYARD_TEST_WORKFLOW_BUNDLE,
    overrides: { shutdownGraceTime: '2s', ...overrides },
  });
  const running = worker.run();
  return {
    worker,
    taskQueue,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await closeAllClients();
    },
  };
}
