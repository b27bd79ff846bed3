import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const ROOT = join(__dirname, '..', '..');

/**
 * Runs once before all test files: takes the local-stack defaults from scripts/env.sh (unless the
 * caller exported its own) and bundles the workflows once, so each test worker skips webpack.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.SWITCHYARD_ROOT) {
    const out = execFileSync('bash', ['-c', 'source scripts/env.sh && env -0'], { cwd: ROOT });
    for (const entry of out.toString().split('\0')) {
      const i = entry.indexOf('=');
      if (i > 0 && (entry.startsWith('SWITCHYARD_') || entry.startsWith('TEMPORAL_') || entry.startsWith('PATH='))) {
        process.env[entry.slice(0, i)] = entry.slice(i + 1);
      }
    }
  }
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
