import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';

const DIR = join(__dirname, 'histories');

/**
 * Deploy safety: every recorded migration history must replay against the current workflow code
 * without a non-determinism error. A change that alters commands needs patched().
 */
describe('recorded migration histories replay', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

  it('has the happy-path, rollback, pause and cdc recordings', () => {
    expect(files).toEqual(expect.arrayContaining(['cdc.json', 'happy-path.json', 'pause.json', 'rollback.json']));
  });

  it('replays each without a determinism error', async () => {
    const histories = files.map((file) => {
      const recorded = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
      // fromObject, not historyFromJSON: the latter's protojson type lookup fails with this install's nested protobufjs.
      return { workflowId: recorded.workflowId as string, history: temporal.api.history.v1.History.fromObject(recorded.history) };
    });
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: process.env.SWITCHYARD_TEST_WORKFLOW_BUNDLE! } }, histories)) {
      results.push({ workflowId: r.workflowId, error: r.error ? String(r.error) : undefined });
    }
    expect(results).toEqual(histories.map((h) => ({ workflowId: h.workflowId, error: undefined })));
  });
});
