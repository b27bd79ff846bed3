import { NativeConnection } from '@temporalio/worker';
import { temporalConfig } from '../lib/config';
import { closeAllClients } from '../lib/connectors/clients';
import { log } from '../lib/log';
import { startWorkerTracing, tracingRequested } from '../lib/tracing/worker-tracing';
import { createWorker } from './create-worker';
import { installRuntimeMetrics, serveMetrics } from './metrics';

/**
 * `npm run worker`: polls the switchyard task queue. The Temporal runtime turns SIGINT and
 * SIGTERM into a graceful shutdown: no new tasks are taken, in-flight activities finish (or are
 * cancelled after the grace time), then the process exits.
 */
async function main(): Promise<void> {
  const config = temporalConfig();
  await installRuntimeMetrics();
  const metricsServer = await serveMetrics();
  const tracing = tracingRequested() ? startWorkerTracing() : undefined;
  const connection = await NativeConnection.connect({ address: config.address });
  const worker = await createWorker({ connection, config, plugins: tracing && [tracing.plugin] });
  log.info(
    { server: config.address, namespace: config.namespace, taskQueue: config.taskQueue, pid: process.pid },
    `switchyard worker polling ${config.address} namespace=${config.namespace} taskQueue=${config.taskQueue}`,
  );
  try {
    await worker.run();
  } finally {
    await closeAllClients();
    await connection.close();
    await tracing?.shutdown();
    metricsServer?.close();
    log.info({ pid: process.pid }, 'switchyard worker stopped');
  }
}

main().catch((err) => {
  log.error({ err }, 'switchyard worker failed');
  process.exit(1);
});
