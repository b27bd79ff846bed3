/**
 * Records the histories CI replays (test/replay/histories/*.json) by running each scenario of
 * test/replay/scenarios.ts against the local stack with an in-process worker.
 *   npx tsx scripts/record-histories.ts [--as SUFFIX] [scenario ...]
 * writes <scenario><SUFFIX>.json for the migration and <scenario><SUFFIX>.<kind>.json for the last
 * backfill and verify child it ran (children have their own patches to prove).
 * Re-record after a deliberate, patched() workflow change only, under a new suffix (e.g. -v4):
 * the old files stay, proving that histories recorded by older code still replay.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { createDataFixture } from '../test/integration/backfill-fixtures';
import { SCENARIOS } from '../test/replay/scenarios';
import { startTestWorker, testClient } from '../test/support/temporal';
import { loadStackEnv } from './stack-env';

const DIR = join(__dirname, '..', 'test', 'replay', 'histories');

function parseArgs(argv: string[]): { suffix: string; names: string[] } {
  const at = argv.indexOf('--as');
  const suffix = at >= 0 ? (argv[at + 1] ?? '') : '';
  const names = argv.filter((_, i) => at < 0 || (i !== at && i !== at + 1));
  return { suffix, names: names.length ? names : Object.keys(SCENARIOS) };
}

/** The workflow id is part of what replay checks (child ids derive from it), so it is kept with the history. */
async function save(handle: WorkflowHandle, file: string): Promise<void> {
  const history = await handle.fetchHistory();
  const path = join(DIR, file);
  writeFileSync(path, `${JSON.stringify({ workflowId: handle.workflowId, history }, null, 1)}\n`);
  console.log(path);
}

async function main(): Promise<void> {
  loadStackEnv();
  const { suffix, names } = parseArgs(process.argv.slice(2));
  const unknown = names.filter((n) => !SCENARIOS[n]);
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const f = await createDataFixture('replay');
  const worker = await startTestWorker();
  const temporal = await testClient();
  try {
    for (const name of names) {
      const handle = await SCENARIOS[name](temporal.client, worker.taskQueue, f);
      await save(handle, `${name}${suffix}.json`);
      const status = await handle.result();
      for (const entity of Object.values(status.entities)) {
        for (const kind of ['backfill', 'verify'] as const) {
          const child = entity[kind];
          if (child) await save(temporal.client.workflow.getHandle(child.workflowId), `${name}${suffix}.${kind}.json`);
        }
      }
    }
  } finally {
    await worker.stop();
    await temporal.close();
    await f.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
