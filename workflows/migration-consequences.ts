/**
 * What each operator action would do, in words, computed from the workflow's own state so the
 * console's confirmation dialog and `switchyard <action> --dry-run` print the same sentence. Pure:
 * unit-tested without Temporal.
 */
import { Routing, routingFor } from '../lib/control/routing';
import { oldTablesKept } from './migration-decommission';
import { steps } from './migration-state';
import { rollbackTarget, Step, stepLabel } from './migration-steps';
import type { ConsequenceArgs, MigrationState } from './migration-types';

function readsIn(r: Routing): string {
  switch (r.reads) {
    case 'old':
      return 'every read goes to the old database';
    case 'old_shadow':
      return 'every read goes to the old database and is compared with the new one in the shadow';
    case 'percent':
      return `reads go to the new database for ${r.readPercent} % of keys and to the old one for the rest`;
    case 'new':
      return 'every read goes to the new database';
  }
}

function writesIn(r: Routing): string {
  switch (r.writes) {
    case 'old':
      return 'writes go to the old database only';
    case 'old_then_new':
      return 'writes go to the old database first, then the new one';
    case 'new_then_old':
      return 'writes go to the new database first, then the old one';
    case 'new':
      return 'writes go to the new database only';
    case 'held':
      return 'writes are held while the CDC stream drains into the new database';
  }
}

const routingOf = (s: MigrationState, step: Step) => routingFor(step.phase, step.percent, s.plan?.spec.sync);
const routingWords = (r: Routing) => `${readsIn(r)}; ${writesIn(r)}`;

/** The databases by their connection names (never URLs): "old = pg, new = mongo". */
function names(s: MigrationState): string {
  const spec = s.plan?.spec;
  return spec ? ` (old: ${spec.source.connection}, new: ${spec.target.connection})` : '';
}

/** Keys written while the new database was primary are copied back before reads return to the old one. */
function copyBackWords(s: MigrationState, from: number, to: number): string {
  const all = steps(s);
  const switchAt = all.findIndex((x) => x.phase === 'write_switch');
  if (s.switchVersion === undefined || from < switchAt || to >= switchAt) return '';
  return `; keys written since the write switch (routing version ${s.switchVersion} on) are copied back into the old database first`;
}

function approveWords(s: MigrationState, a: ConsequenceArgs): string {
  switch (a.approveAction) {
    case 'repair':
      return 'copies the keys the final verification found different from the primary (the new database) into the old one, then verifies again';
    case 'retry':
      return 'runs the final verification again as it is';
    case 'wait':
      return "the rollback's copy-back tries again; routing stays where it is until it finishes";
    case 'flip':
      return "routing moves back now; the keys the copy-back has not copied stay queued for the old database's reconcile queue";
    case 'drop':
      return 'drops the retired old tables named in --confirm, children first, without CASCADE; a rollback cannot restore them after this';
    case 'keep':
      return 'the migration ends; the retired old tables stay as they are, to be dropped by hand';
  }
  const next = steps(s)[s.nextStep];
  if (!next) return 'the migration goes on';
  return `${stepLabel(next)} starts: ${routingWords(routingOf(s, next))}${names(s)}`;
}

function rollbackWords(s: MigrationState, a: ConsequenceArgs, abort: boolean): string {
  const all = steps(s);
  const target = abort ? { step: 0 } : rollbackTarget(all, s.step, a.to, oldTablesKept(s));
  if ('error' in target) return target.error;
  const undone = all
    .slice(target.step + 1, s.step + 1)
    .reverse()
    .map(stepLabel);
  const lands = routingWords(routingOf(s, all[target.step]));
  const undo = undone.length ? `; undoes ${undone.join(', ')}` : '';
  const after = abort
    ? '; the migration then ends as aborted and cannot be resumed (the new database keeps what was copied)'
    : `; the migration then waits in ${stepLabel(all[target.step])} for a human to approve going forward again`;
  return `${lands}${names(s)}${copyBackWords(s, s.step, target.step)}${undo}${after}`;
}

function throttleWords(s: MigrationState, rowsPerSecond: number | undefined): string {
  const entities = s.plan?.spec.entities.length ?? 0;
  const now = s.rowsPerSecond === null ? "the spec's rate" : s.rowsPerSecond === 0 ? 'no limit' : `${s.rowsPerSecond} rows/s`;
  const limit = rowsPerSecond ? `at most ${rowsPerSecond} rows/s for each of the ${entities} entities` : 'without a rate limit';
  return `backfill and verification copy and compare ${limit} (now: ${now}); routing does not change`;
}

/** The consequence of an action the workflow would accept; the caller checks acceptance first. */
export function consequenceOf(s: MigrationState, a: ConsequenceArgs): string {
  const here = currentRouting(s);
  switch (a.action) {
    case 'approve':
      return approveWords(s, a);
    case 'pause':
      return `timers and data copying hold at the next safe point and no phase changes until resumed; routing stays as it is: ${here}`;
    case 'resume':
      return `timers and data copying go on from ${stepLabel(steps(s)[s.step])}; routing stays as it is: ${here}`;
    case 'throttle':
      return throttleWords(s, a.rowsPerSecond);
    case 'rollback':
      return rollbackWords(s, a, false);
    case 'abort':
      return rollbackWords(s, a, true);
  }
}

function currentRouting(s: MigrationState): string {
  const step = steps(s)[s.step];
  return step ? routingWords(routingOf(s, step)) : 'nothing is routed yet';
}
