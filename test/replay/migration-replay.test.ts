import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';

const DIR = join(__dirname, 'histories');

/**
 * Deploy safety: every recorded migration history must replay against the current workflow code
 * without a non-determinism error. A change that alters commands needs patched(). Files without a
 * suffix and the -v1 children predate the patches child-progress-signal (and, for dual write,
 * migration-reconcile-drain and final-verify-after-switch); -v2 files were recorded with them.
 */
describe('recorded migration histories replay', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

  it('has the happy-path, rollback, pause, cdc and gate-breach recordings of each code version, with their children', () => {
    expect(files).toEqual(expect.arrayContaining([
      'cdc.json', 'happy-path.json', 'pause.json', 'rollback.json',
      'happy-path-v1.backfill.json', 'happy-path-v1.verify.json',
      ...['happy-path', 'pause', 'rollback', 'gate-breach'].flatMap((s) => [`${s}-v2.json`, `${s}-v2.backfill.json`, `${s}-v2.verify.json`]),
    ]));
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
