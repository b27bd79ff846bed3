import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';

const DIR = join(__dirname, 'histories');

/**
 * Deploy safety: every recorded migration history must replay against the current workflow code
 * without a non-determinism error. A change that alters commands needs patched(). Files without a
 * suffix and the -v1 children predate the patches child-progress-signal (and, for dual write,
 * migration-reconcile-drain and final-verify-after-switch); -v2 files were recorded with them;
 * -v3 files add soak-counts-fired-timers (migrations) and child-progress-by-count (children);
 * -router-acks files add router-acks (the wait for routers at the write switch);
 * cdc-v3 also cdc-stale-lag and cdc-teardown-at-complete.
 * -v4 files (new scenarios) add final-verify-repair-from-primary, rollback-bounded-copy-back,
 * gate-sliding-window and gate-through-write-switch.
 * happy-path-v4-verify adds verify-chunks-fill-concurrency and verify-counts-at-end (verify children).
 * decommission-v5 adds quarantine-gate, final-verify-written-against-primary and decommission-retire.
 * cdc-cutover adds cdc-drain-before-switch (writes held while the stream drains) and cdc-reconcile-drain.
 * -v5-digests files add verify-bucket-digests (verify children compare segments by bucket digests).
 * -v6 files add children-start-controlled (children start with the pause and rate in force) and
 * verify-counts-from-pass (verify children count rows from the digest pass, not a counting activity).
 * cdc-rollback-v7 adds cdc-rollback-holds-writes (a CDC rollback off the new database holds writes first).
 */
describe('recorded migration histories replay', () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();

  it('has the recordings of each code version (happy-path, rollback, pause, cdc, gate-breach; final-repair, copy-back-stall, gates; decommission), with their children', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'cdc.json',
        'happy-path.json',
        'pause.json',
        'rollback.json',
        'happy-path-v1.backfill.json',
        'happy-path-v1.verify.json',
        ...['happy-path', 'pause', 'rollback', 'gate-breach'].flatMap((s) => [`${s}-v2.json`, `${s}-v2.backfill.json`, `${s}-v2.verify.json`]),
        ...['happy-path', 'pause', 'cdc'].flatMap((s) => [`${s}-v3.json`, `${s}-v3.backfill.json`, `${s}-v3.verify.json`]),
        ...['happy-path', 'cdc'].flatMap((s) => [`${s}-router-acks.json`, `${s}-router-acks.backfill.json`, `${s}-router-acks.verify.json`]),
        ...['final-repair', 'copy-back-stall', 'gates'].flatMap((s) => [`${s}-v4.json`, `${s}-v4.backfill.json`, `${s}-v4.verify.json`]),
        'happy-path-v4-verify.json',
        'happy-path-v4-verify.backfill.json',
        'happy-path-v4-verify.verify.json',
        ...['decommission'].flatMap((s) => [`${s}-v5.json`, `${s}-v5.backfill.json`, `${s}-v5.verify.json`]),
        'cdc-cutover.json',
        'cdc-cutover.backfill.json',
        'cdc-cutover.verify.json',
        ...['happy-path', 'final-repair'].flatMap((s) => [`${s}-v5-digests.json`, `${s}-v5-digests.backfill.json`, `${s}-v5-digests.verify.json`]),
        ...['happy-path', 'pause'].flatMap((s) => [`${s}-v6.json`, `${s}-v6.backfill.json`, `${s}-v6.verify.json`]),
        'cdc-rollback-v7.json',
        'cdc-rollback-v7.backfill.json',
        'cdc-rollback-v7.verify.json',
      ]),
    );
  });

  it('replays each without a determinism error', async () => {
    const histories = files.map((file) => load(file));
    expect(await replayErrors(histories)).toEqual(histories.map((h) => ({ workflowId: h.workflowId, error: undefined })));
  });

  it('a soak decides by its fired timers, not the workflow clock, which a Temporal restart can shift', async () => {
    // From the first fired timer on (a dual-write soak slice with more to follow), every event 60 s
    // later: a slice that seems to last a minute, as one did to a live run whose Temporal server
    // restarted while handing out a workflow task (e2e-shop), but not to its replay.
    const shifted = (file: string) => {
      const recorded = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
      const events: { eventId: string; eventTime: { seconds: string }; timerFiredEventAttributes?: unknown }[] = recorded.history.events;
      const firstFired = Number(events.find((e) => e.timerFiredEventAttributes)!.eventId);
      for (const e of events) if (Number(e.eventId) >= firstFired) e.eventTime.seconds = String(Number(e.eventTime.seconds) + 60);
      return { workflowId: recorded.workflowId as string, history: temporal.api.history.v1.History.fromObject(recorded.history) };
    };
    const [patchedRun, clockRun] = await replayErrors([shifted('pause-v3.json'), shifted('pause-v2.json')]);
    expect(patchedRun.error).toBeUndefined();
    // The code path kept for runs begun before the patch still reads the clock: its replay diverges.
    expect(clockRun.error).toMatch(/[Nn]ondeterminism/);
  });
});

function load(file: string): { workflowId: string; history: temporal.api.history.v1.History } {
  const recorded = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
  // fromObject, not historyFromJSON: the latter's protojson type lookup fails with this install's nested protobufjs.
  return { workflowId: recorded.workflowId as string, history: temporal.api.history.v1.History.fromObject(recorded.history) };
}

async function replayErrors(histories: { workflowId: string; history: temporal.api.history.v1.History }[]) {
  const results = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: process.env.SWITCHYARD_TEST_WORKFLOW_BUNDLE! } }, histories)) {
    results.push({ workflowId: r.workflowId, error: r.error ? String(r.error) : undefined });
  }
  return results;
}
