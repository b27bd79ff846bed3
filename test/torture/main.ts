/**
 * `npm run torture -- --seed S --schedules N [--cdc] [--keep] [--out results.json] [--timeout SECONDS]`: runs the schedules
 * S, S+1, … S+N-1 one after another (each replays the same plan from its seed), prints the table
 * and exits non-zero if the oracle found a violation. Needs the local stack (its Temporal server
 * is restarted by the temporal_restart fault: use a private stack, see docs/RELIABILITY.md).
 */
import { writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadStackEnv } from '../../scripts/stack-env';
import { report } from './report';
import { runSchedule, ScheduleResult } from './run-schedule';

async function bundle(): Promise<void> {
  if (process.env.SWITCHYARD_TEST_WORKFLOW_BUNDLE) return;
  const quiet = () => undefined;
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { info: quiet, warn: quiet, error: console.error, debug: quiet, trace: quiet, log: quiet },
  });
  const dir = join(__dirname, '..', '..', 'node_modules', '.cache', 'switchyard');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `torture-bundle-${process.pid}.js`);
  writeFileSync(path, code);
  process.env.SWITCHYARD_TEST_WORKFLOW_BUNDLE = path;
}

async function main() {
  const { values: opts } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      schedules: { type: 'string', default: '1' },
      /** Comma-separated seeds instead of --seed/--schedules. */
      seeds: { type: 'string' },
      /** Keep each schedule's databases. */
      keep: { type: 'boolean', default: false },
      /** Write the results as JSON. */
      out: { type: 'string' },
      /** CDC schedules: sync "cdc", a writer that bypasses the router and its faults (schedule.ts, CDC_FAULT_KINDS). */
      cdc: { type: 'boolean', default: false },
      /** Seconds a schedule may take to complete before liveness:did_not_complete (a loaded machine needs more than the default 120). */
      timeout: { type: 'string' },
    },
  });
  loadStackEnv();
  await bundle();
  const seeds: number[] = opts.seeds
    ? String(opts.seeds).split(',').map(Number)
    : Array.from({ length: Number(opts.schedules) }, (_, i) => Number(opts.seed) + i);
  const results: ScheduleResult[] = [];
  for (const seed of seeds) {
    const r = await runSchedule(seed, { keep: !!opts.keep, cdc: !!opts.cdc, ...(opts.timeout ? { timeoutMs: Number(opts.timeout) * 1000 } : {}) });
    results.push(r);
    console.log(
      `seed ${seed}: ${r.schedule.target}/${r.schedule.sync} ${r.ending} in ${Math.round(r.ms / 1000)} s, ${r.violations.length} violations ${JSON.stringify(r.injected)}`,
    );
    for (const v of r.violations.slice(0, 5)) console.log(`  ${v.kind} key ${v.key}: ${v.detail}`);
    if (r.violations.length) console.log(`  logs: ${r.dir}`);
    if (opts.out) writeFileSync(opts.out, JSON.stringify(results, null, 1));
  }
  console.log(`\n${report(results, `npm run torture -- ${process.argv.slice(2).join(' ')}`)}`);
  process.exit(results.some((r) => r.violations.length) ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
