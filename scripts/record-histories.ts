/**
 * Records the histories CI replays (test/replay/histories/*.json) by running each scenario of
 * test/replay/scenarios.ts against the local stack with an in-process worker.
 *   npx tsx scripts/record-histories.ts [scenario ...]
 * Re-record after a deliberate, patched() workflow change only; the old files must keep replaying.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDataFixture } from '../test/integration/backfill-fixtures';
import { SCENARIOS } from '../test/replay/scenarios';
import { startTestWorker, testClient } from '../test/support/temporal';

const DIR = join(__dirname, '..', 'test', 'replay', 'histories');

async function main(): Promise<void> {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SCENARIOS);
  const unknown = names.filter((n) => !SCENARIOS[n]);
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const f = await createDataFixture('replay');
  const worker = await startTestWorker();
  const temporal = await testClient();
  try {
    for (const name of names) {
      const handle = await SCENARIOS[name](temporal.client, worker.taskQueue, f);
      const path = join(DIR, `${name}.json`);
      // The workflow id is part of what replay checks (child ids derive from it), so it is kept with the history.
      const history = await handle.fetchHistory();
      writeFileSync(path, `${JSON.stringify({ workflowId: handle.workflowId, history }, null, 1)}\n`);
      console.log(`${name}: ${path}`);
    }
  } finally {
    await worker.stop();
    await temporal.close();
    await f.close();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
