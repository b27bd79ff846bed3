import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadStackEnv } from '../../scripts/stack-env';

const ROOT = join(__dirname, '..', '..');

/**
 * Runs once before all test files: takes the local-stack defaults from scripts/env.sh (unless the
 * caller exported its own) and bundles the workflows once, so each test worker skips webpack.
 */
export default async function globalSetup(): Promise<void> {
  loadStackEnv();
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { info: () => undefined, warn: console.warn, error: console.error, debug: () => undefined, trace: () => undefined, log: () => undefined },
  });
  const dir = join(ROOT, 'node_modules', '.cache', 'switchyard');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `workflow-bundle-${process.pid}.js`);
  writeFileSync(path, code);
  process.env.SWITCHYARD_TEST_WORKFLOW_BUNDLE = path;
}
