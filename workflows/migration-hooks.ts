/**
 * Routing hooks (lib/spec/hooks.ts) run when a step change enters or leaves a phase and when a
 * rollback lands. Each run is an activity retried with backoff; its outcome is kept in the state
 * (status, console) and its event in history. A hook that keeps failing on the way forward holds
 * the migration in the phase just entered and asks a human (approve runs it again, or roll back);
 * during a rollback a failure is recorded and the rollback goes on, so no hook ever blocks it.
 */
import { condition, patched, proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { Hook, HookEvent } from '../lib/spec/hooks';
import type { Phase } from '../lib/spec/lifecycle';
import { failureMessage } from './backfill-control';
import { syncSearchAttributes } from './migration-state';
import { Step, stepLabel } from './migration-steps';
import type { HookOutcome, MigrationState } from './migration-types';

export const HOOKS_PATCH = 'routing-hooks';
const KEPT_OUTCOMES = 20;

const { runHook } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

const hooksOf = (s: MigrationState): Hook[] => s.plan?.spec.hooks ?? [];

function actionOf(h: Hook): string {
  return [h.redis && `redis ${h.redis.connection} ${h.redis.pattern}`, h.webhook && `webhook ${h.webhook.connection}`].filter(Boolean).join(' + ');
}

/** Hooks of a step change: leaving the old phase, entering the new one (ramp steps stay in one phase). */
export async function runStepHooks(s: MigrationState, from: Step | undefined, to: Step, by: string, reason: string): Promise<void> {
  if (from?.phase === to.phase) return;
  const fired = hooksOf(s).filter(
    (h) => h.on !== 'rollback' && (('leave' in h.on && h.on.leave === from?.phase) || ('enter' in h.on && h.on.enter === to.phase)),
  );
  // Only specs with hooks reach patched(): histories of runs without hooks replay as they were.
  if (!fired.length || !patched(HOOKS_PATCH)) return;
  for (const hook of fired) {
    const trigger = hook.on !== 'rollback' && 'enter' in hook.on ? 'enter' : 'leave';
    await runOne(s, hook, { ...event(s, from, to, by, reason), trigger }, s.rollingBack ? undefined : to.phase);
  }
}

/** Hooks of a rollback (or abort) that has landed: recorded, never holding it. */
export async function runRollbackHooks(s: MigrationState, from: Step | undefined, to: Step, by: string, reason: string): Promise<void> {
  const fired = hooksOf(s).filter((h) => h.on === 'rollback');
  if (!fired.length || !patched(HOOKS_PATCH)) return;
  for (const hook of fired) await runOne(s, hook, { ...event(s, from, to, by, reason), trigger: 'rollback' });
}

function event(s: MigrationState, from: Step | undefined, to: Step, by: string, reason: string): Omit<HookEvent, 'trigger'> {
  return { migrationId: s.migrationId, from: stepLabel(from), to: stepLabel(to), routingVersion: s.routing?.version ?? 0, by, reason };
}

/** `holdAt`: the phase a failure holds in, asking a human; without it a failure is only recorded. */
async function runOne(s: MigrationState, hook: Hook, e: HookEvent, holdAt?: Phase): Promise<void> {
  for (;;) {
    const outcome: Omit<HookOutcome, 'state' | 'detail'> = { trigger: e.trigger, from: e.from, to: e.to, action: actionOf(hook), at: new Date().toISOString() };
    try {
      const r = await runHook({ hook, event: e });
      const detail = [r.deleted !== undefined && `${r.deleted} keys deleted`, r.status !== undefined && `HTTP ${r.status}`].filter(Boolean).join(', ');
      keep(s, { ...outcome, state: 'ok', detail });
      return;
    } catch (err) {
      const message = failureMessage(err);
      keep(s, { ...outcome, state: 'failed', detail: message });
      if (!holdAt) return;
      s.pendingApproval = {
        phase: holdAt,
        since: new Date().toISOString(),
        reason: `routing hook ${outcome.action} (${e.trigger} ${e.trigger === 'leave' ? e.from : e.to}) failed: ${message}; approve to run it again, or roll back`,
        choices: ['approve', 'rollback'],
      };
      syncSearchAttributes(s);
      await condition(() => s.pendingApproval === null);
      s.approval = undefined;
    }
  }
}

function keep(s: MigrationState, o: HookOutcome): void {
  s.hooks = [...(s.hooks ?? []), o].slice(-KEPT_OUTCOMES);
}
