/**
 * A real worker process for the kill test: `tsx backfill-worker-main.ts <taskQueue>`. Prints
 * "ready" once polling, so the test knows when to start killing it.
 */
import { NativeConnection } from '@temporalio/worker';
import { temporalConfig } from '../../lib/config';
import { createWorker } from '../../workers/create-worker';

void (async () => {
  const config = { ...temporalConfig(), taskQueue: process.argv[2] };
  const connection = await NativeConnection.connect({ address: config.address });
  const worker = await createWorker({ connection, config, workflowBundlePath: process.env.SWITCHYARD_TEST_WORKFLOW_BUNDLE });
  const running = worker.run();
  console.log('ready');
  await running;
})();
