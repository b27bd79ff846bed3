/**
 * Operator controls. Each is an update with a validator (the CLI gets a reason when a command is
 * rejected, samples-typescript/safe-message-handlers); approval is also a signal so the Temporal
 * UI can send it. Queries read the state; they never change it.
 */
import { condition, log, setHandler } from '@temporalio/workflow';
import { pauseData, resumeData, setRowsPerSecond } from './child-api';
import { oldTablesKept } from './migration-decommission';
import { MigrationRuntime, interrupt, signalChildren } from './migration-runtime';
import { currentStep, record, runState, statusOf, steps } from './migration-state';
import { rollbackTarget, stepLabel } from './migration-steps';
import {
  abortUpdate,
  approveSignal,
  approveUpdate,
  childProgressSignal,
  consequenceQuery,
  pauseUpdate,
  resumeUpdate,
  rollbackUpdate,
  statusQuery,
  throttleUpdate,
} from './migration-api';
import type { ApproveArgs, Consequence, ConsequenceArgs, ControlAction, MigrationState, RollbackArgs } from './migration-types';
import { consequenceOf } from './migration-consequences';
import { recordProgress } from './progress-report';

/** Why this command cannot apply now, or undefined when it can. Validators throw it; the signal logs it. */
function approvalProblem(s: MigrationState, a: ApproveArgs): string | undefined {
  if (!a?.by) return "approve needs the approver's name (by)";
  if (!s.pendingApproval) return `nothing is waiting for approval (${stepLabel(currentStep(s))} is ${runState(s)})`;
  if (a.phase && a.phase !== s.pendingApproval.phase) {
    return `${a.phase} is not pending approval; the pending approval is for ${s.pendingApproval.phase}`;
  }
  const stalled = s.copyBack?.state === 'stalled';
  if (s.rollingBack && !stalled) return 'a rollback is in progress';
  if (stalled && !a.action) return "the rollback's copy-back is stalled: approve with action wait or flip";
  if (a.action && !s.pendingApproval.choices?.includes(a.action)) {
    return `${a.action} is not offered here${s.pendingApproval.choices ? ` (choices: ${s.pendingApproval.choices.join(', ')})` : ''}`;
  }
  if (s.pendingApproval.choices?.includes('drop') && !a.action) return 'answer with approve --action drop or keep (or rollback)';
  // Keeping the retired tables changes nothing, so only going on names what it accepts.
  const { confirm } = s.pendingApproval;
  if (confirm !== undefined && a.action !== 'keep' && a.confirm !== confirm) {
    return `this approval names what it accepts: approve${a.action ? ` --action ${a.action}` : ''} --confirm ${confirm}`;
  }
  return undefined;
}

function approve(s: MigrationState, a: ApproveArgs): void {
  if (a.action === 'wait' || a.action === 'flip') {
    // The stalled copy-back takes the answer and clears the pending choice itself.
    s.copyBack!.choice = a.action;
    record(s, a.action === 'wait' ? 'copy-back: try again' : 'copy-back: move routing now', a.by, a.note || a.action);
    return;
  }
  const { phase, confirm } = s.pendingApproval!;
  s.pendingApproval = null;
  s.approval = { by: a.by, note: a.note || 'approved', ...(a.action ? { action: a.action } : {}) };
  // A question that names what it accepts (the quarantine, a drop) is recorded by the step that asked it.
  if (confirm !== undefined) return;
  s.finalRepair = a.action === 'repair';
  record(s, a.action === 'repair' ? 'repair final verification from the primary' : `approved ${phase}`, a.by, s.approval.note);
}

/** Where a rollback requested now lands; decommission is undoable until something is dropped. */
const targetOf = (s: MigrationState, to: RollbackArgs['to']) => rollbackTarget(steps(s), s.step, to, oldTablesKept(s));

function liveProblem(s: MigrationState, by: string | undefined): string | undefined {
  if (!by) return "the operator's name (by) is required";
  if (s.terminal) return `the migration is ${s.terminal}`;
  if (s.rollingBack) return 'a rollback is in progress';
  return undefined;
}

/** An abort may interrupt a rollback's copy-back: it stops copying, queues the keys and rolls on to the old database. */
function copyBackRunning(s: MigrationState): boolean {
  return s.rollingBack && (s.copyBack?.state === 'copying' || s.copyBack?.state === 'stalled');
}

function reject(problem: string | undefined): void {
  if (problem) throw new Error(problem);
}

const pauseProblem = (s: MigrationState, by: string | undefined) => liveProblem(s, by) ?? (s.paused ? 'already paused' : undefined);
const resumeProblem = (s: MigrationState, by: string | undefined) => liveProblem(s, by) ?? (s.paused ? undefined : 'not paused');

function throttleProblem(s: MigrationState, by: string | undefined, rowsPerSecond: number | undefined): string | undefined {
  const whole = Number.isInteger(rowsPerSecond) && rowsPerSecond! >= 0;
  return liveProblem(s, by) ?? (whole ? undefined : 'rowsPerSecond must be a whole number ≥ 0 (0 lifts the limit)');
}

function rollbackProblem(s: MigrationState, to: RollbackArgs['to']): string | undefined {
  const target = targetOf(s, to);
  return 'error' in target ? target.error : undefined;
}

function abortProblem(s: MigrationState, by: string | undefined): string | undefined {
  return (
    (copyBackRunning(s) ? undefined : liveProblem(s, by)) ??
    (by ? undefined : "the operator's name (by) is required") ??
    (currentStep(s)?.phase === 'decommission' && !oldTablesKept(s) ? 'decommission cannot be aborted: the old tables are dropped or being dropped' : undefined)
  );
}

/** Whether the action's update would be accepted now (by whoever asks, with a reason), and what it would do. */
function consequence(s: MigrationState, a: ConsequenceArgs): Consequence {
  const by = 'the operator';
  const problems: Record<ControlAction, () => string | undefined> = {
    approve: () => approvalProblem(s, { by, action: a.approveAction }),
    pause: () => pauseProblem(s, by),
    resume: () => resumeProblem(s, by),
    throttle: () => throttleProblem(s, by, a.rowsPerSecond),
    rollback: () => liveProblem(s, by) ?? rollbackProblem(s, a.to),
    abort: () => abortProblem(s, by),
  };
  const problem = problems[a?.action]?.() ?? (a?.action in problems ? undefined : `unknown action ${String(a?.action)}`);
  return problem ? { accepted: false, words: problem } : { accepted: true, words: consequenceOf(s, a) };
}

export function installHandlers(s: MigrationState, rt: MigrationRuntime): void {
  const status = () => statusOf(s);
  setHandler(statusQuery, status);
  setHandler(consequenceQuery, (a) => consequence(s, a));
  setHandler(childProgressSignal, (r) => recordProgress(s, r));

  setHandler(approveUpdate, (a) => (approve(s, a), status()), { validator: (a) => reject(approvalProblem(s, a)) });
  setHandler(approveSignal, (a) => {
    const problem = approvalProblem(s, a);
    if (problem) log.warn(`approval signal ignored: ${problem}`, { migrationId: s.migrationId });
    else approve(s, a);
  });

  setHandler(
    pauseUpdate,
    async (a) => {
      s.paused = true;
      record(s, 'paused', a.by, a.reason || 'paused by operator');
      await signalChildren(rt, pauseData.name);
      return status();
    },
    { validator: (a) => reject(pauseProblem(s, a?.by)) },
  );

  setHandler(
    resumeUpdate,
    async (a) => {
      s.paused = false;
      record(s, 'resumed', a.by, a.reason || 'resumed by operator');
      await signalChildren(rt, resumeData.name);
      return status();
    },
    { validator: (a) => reject(resumeProblem(s, a?.by)) },
  );

  setHandler(
    throttleUpdate,
    async (a) => {
      s.rowsPerSecond = a.rowsPerSecond;
      record(s, `throttle ${s.rowsPerSecond || 'unlimited'} rows/s`, a.by, a.reason || 'throttled by operator');
      await signalChildren(rt, setRowsPerSecond.name, s.rowsPerSecond);
      return status();
    },
    { validator: (a) => reject(throttleProblem(s, a?.by, a?.rowsPerSecond)) },
  );

  // Rollback and abort answer once the compensations have run, with the state they landed in.
  setHandler(
    rollbackUpdate,
    async (a) => {
      const target = targetOf(s, a.to) as { step: number };
      interrupt(rt, { kind: 'rollback', target: target.step, by: a.by, reason: a.reason });
      await condition(() => rt.request === null && !s.rollingBack);
      return status();
    },
    {
      validator: (a) => {
        reject(liveProblem(s, a?.by) ?? (a.reason ? undefined : 'a rollback needs a reason'));
        reject(rollbackProblem(s, a.to));
      },
    },
  );

  setHandler(
    abortUpdate,
    async (a) => {
      interrupt(rt, { kind: 'abort', target: 0, by: a.by, reason: a.reason ?? '' });
      await condition(() => s.terminal === 'aborted');
      return status();
    },
    {
      validator: (a) => reject(abortProblem(s, a?.by) ?? (a.reason ? undefined : 'abort needs a reason')),
    },
  );
}
