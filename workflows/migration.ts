/**
 * The migration workflow: one per migration (workflow id = spec id), a state machine over the
 * phases of docs/architecture.md that a human steers through updates and signals.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { failureMessage } from './backfill-control';
import { cdcTeardownStep, holdForLag, publishCdcStep, stopStream, streamDuring, usesCdc } from './migration-cdc';
import { installHandlers } from './migration-handlers';
import { prepareMigration } from './migration-activities';
import { drainBeforeEntry } from './migration-reconcile';
import { rollBack } from './migration-compensations';
import { runStep } from './migration-phases';
import { publishStep } from './migration-routing';
import { holdForQuarantine, QUARANTINE_GATE_PATCH } from './migration-quarantine';
import { MigrationRuntime, newRuntime } from './migration-runtime';
import { initialState, record, statusOf, steps, syncSearchAttributes } from './migration-state';
import { needsApproval, stepLabel } from './migration-steps';
import type { MigrationInput, MigrationState, MigrationStatus } from './migration-types';

export * from './migration-api';

/** A rollback or abort accepted while no forward run was going (during preparation) acts when the next one would start. */
export const EARLY_REQUEST_PATCH = 'migration-early-request';

export async function migrationWorkflow(input: MigrationInput): Promise<MigrationStatus> {
  // Before any command: a refused start leaves nothing behind.
  if (!input.carried) requireSpecId(input);
  const s = input.carried ?? initialState(input, workflowInfo().workflowId);
  const rt = newRuntime();
  installHandlers(s, rt);
  syncSearchAttributes(s);
  if (!s.plan) s.plan = await prepareMigration({ spec: input.spec });

  const shouldYield = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || (input.historyLimit !== undefined && info.historyLength >= input.historyLimit);
  };

  while (!s.terminal) {
    const outcome = await runForward(s, rt, shouldYield);
    if (outcome === 'yield') {
      // An abort accepted meanwhile waits for the workflow, which would otherwise wait for it.
      await condition(() => allHandlersFinished() || rt.request !== null);
      if (rt.request) continue;
      return continueAsNew<typeof migrationWorkflow>({ ...input, carried: s });
    }
    if (outcome === 'done') {
      if (s.cdc && usesCdc(s)) await cdcTeardownStep(s);
      s.terminal = 'completed';
      record(s, 'completed', 'workflow', 'every phase done');
      break;
    }
    await rollBack(s, outcome, rt);
  }
  await condition(allHandlersFinished);
  return statusOf(s);
}

type ForwardOutcome = 'done' | 'yield' | NonNullable<MigrationRuntime['request']>;

/** Runs steps forward until the end, a continue-as-new point, or a rollback/abort request. */
async function runForward(s: MigrationState, rt: MigrationRuntime, shouldYield: () => boolean): Promise<ForwardOutcome> {
  if (rt.request && patched(EARLY_REQUEST_PATCH)) return takeRequest(s, rt);
  rt.forward = new CancellationScope();
  try {
    return await rt.forward.run(() => forward(s, rt, shouldYield));
  } catch (err) {
    if (!(rt.request && isCancellation(err))) throw err;
    return takeRequest(s, rt);
  } finally {
    rt.forward = undefined;
    await stopStream(rt);
  }
}

function takeRequest(s: MigrationState, rt: MigrationRuntime): NonNullable<MigrationRuntime['request']> {
  const request = rt.request!;
  rt.request = null;
  // Marked here, not when the saga starts, so no handler ever sees "no request, not rolling back" in between.
  s.rollingBack = true;
  return request;
}

/**
 * The workflow id is what refuses a second run of a migration, and the spec id is what routing is
 * published under: started under another id (the Temporal UI lets anyone type one), two runs could
 * steer the same routing. The spec's own validation reports a missing or malformed id.
 */
function requireSpecId(input: MigrationInput): void {
  const { workflowId } = workflowInfo();
  const specId = input.spec?.id;
  if (typeof specId !== 'string' || specId === workflowId) return;
  throw ApplicationFailure.nonRetryable(
    `workflow id "${workflowId}" differs from spec.id "${specId}": start the migration with workflow id "${specId}"`,
    'WorkflowIdMismatch',
  );
}

async function forward(s: MigrationState, rt: MigrationRuntime, shouldYield: () => boolean): Promise<'done' | 'yield'> {
  const all = steps(s);
  const { approvals } = s.plan!.spec;
  for (let i = s.nextStep; i < all.length; i++) {
    const step = all[i];
    const resumingMidStep = s.soakLeftMs !== undefined;
    const cdc = usesCdc(s);
    if (cdc) streamDuring(s, rt, step);
    if (!resumingMidStep) {
      const { by, reason } = await approveEntry(s, i, needsApproval(all, i, approvals));
      // A paused migration does not change phase: the step boundary is a safe point to hold at.
      await condition(() => !s.paused);
      if (step.phase === 'write_switch' && patched(QUARANTINE_GATE_PATCH)) await holdForQuarantine(s);
      const held = (cdc ? await holdForLag(s, step, rt) : undefined) ?? (await drainBeforeEntry(s, step));
      const notSwitched = held ? undefined : cdc ? await publishCdcStep(s, rt, i, by, reason, step) : await publishStep(s, i, by, reason);
      if (held || notSwitched) {
        failStep(s, i, (held ?? notSwitched)!);
        i--;
        continue;
      }
      if (step.phase === 'write_switch' && s.switchVersion === undefined) s.switchVersion = s.routing!.version;
    }
    let outcome;
    try {
      outcome = await runStep(s, rt, step, shouldYield);
    } catch (err) {
      if (isCancellation(err)) throw err;
      failStep(s, i, failureMessage(err));
      i--;
      continue;
    }
    if (!outcome) return 'yield';
    s.lastLeft = outcome.left;
    s.nextStep = i + 1;
    if (shouldYield()) return 'yield';
  }
  return 'done';
}

const FINAL_VERIFY_PROMPT =
  'final verification found differences on keys nobody wrote since the switch: ' +
  'approve with action "repair" to copy them from the primary (the new database) into the old one and verify again, ' +
  'approve with action "retry" to verify again as is, or rollback (to complete) to keep the old database as it is';

/** Who lets step i start and why: the workflow itself, auto-approval, or a human approval. */
async function approveEntry(s: MigrationState, i: number, specAsks: boolean): Promise<{ by: string; reason: string }> {
  const phase = steps(s)[i].phase;
  const left = s.lastLeft ?? 'started';
  if (s.forceApproval || (specAsks && !s.autoApprove)) {
    const why = s.forceApproval ? `resume after ${s.failure ? 'failure' : 'rollback'}` : 'the spec asks for approval';
    s.pendingApproval =
      s.finalVerifyFailed && s.failure
        ? { phase, since: new Date().toISOString(), reason: FINAL_VERIFY_PROMPT, choices: ['repair', 'retry', 'rollback'] }
        : { phase, since: new Date().toISOString(), reason: why };
    syncSearchAttributes(s);
    await condition(() => s.pendingApproval === null);
    s.forceApproval = false;
    s.failure = undefined;
    const approval = s.approval!;
    s.approval = undefined;
    return { by: approval.by, reason: `approved: ${approval.note}` };
  }
  if (specAsks) record(s, `approved ${phase}`, s.actor, 'auto-approved');
  return { by: specAsks ? s.actor : 'workflow', reason: left };
}

/**
 * A step whose work failed (a child or an activity gave up) holds the migration in its current
 * routing, state failed, until a human approves a retry, rolls back or aborts.
 */
function failStep(s: MigrationState, i: number, message: string): void {
  s.failure = message;
  s.forceApproval = true;
  s.nextStep = i;
  record(s, `${stepLabel(steps(s)[i])} failed`, 'workflow', message);
}
