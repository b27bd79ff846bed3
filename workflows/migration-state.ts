/** The workflow's state: creation, the derived run state, history entries and search attributes. */
import { log, upsertSearchAttributes } from '@temporalio/workflow';
import { MIGRATION_ID, MIGRATION_PHASE, MIGRATION_STATE } from './migration-api';
import { buildSteps, Step, stepLabel } from './migration-steps';
import type { MigrationInput, MigrationState, MigrationStatus, RunState } from './migration-types';

export function initialState(input: MigrationInput, migrationId: string): MigrationState {
  return {
    migrationId,
    autoApprove: input.autoApprove ?? false,
    actor: input.actor ?? 'unknown',
    step: -1,
    nextStep: 0,
    forceApproval: false,
    paused: false,
    rollingBack: false,
    pendingApproval: null,
    routing: null,
    entities: {},
    latestGate: null,
    rowsPerSecond: null,
    transitions: [],
  };
}

export function runState(s: MigrationState): RunState {
  if (s.terminal) return s.terminal;
  if (s.rollingBack) return 'rolling_back';
  if (s.failure) return 'failed';
  if (s.paused) return 'paused';
  if (s.pendingApproval) return 'waiting_approval';
  return 'running';
}

export function steps(s: MigrationState): Step[] {
  return buildSteps(s.plan?.spec.ramp ?? []);
}

export function currentStep(s: MigrationState): Step | undefined {
  return steps(s)[s.step];
}

/** Appends to the transition history (and the workflow log) and refreshes the search attributes. */
export function record(s: MigrationState, to: string, by: string, reason: string, from = stepLabel(currentStep(s))): void {
  s.transitions.push({ from, to, at: new Date().toISOString(), by, reason });
  log.info(`${from} → ${to} by ${by}: ${reason}`, { migrationId: s.migrationId, phase: currentStep(s)?.phase });
  syncSearchAttributes(s);
}

let published = '';

/** Upserts only on change: every upsert is a command in history. */
export function syncSearchAttributes(s: MigrationState): void {
  const phase = currentStep(s)?.phase ?? 'preflight';
  const state = runState(s);
  const key = `${s.migrationId}|${phase}|${state}`;
  if (key === published) return;
  published = key;
  upsertSearchAttributes([
    { key: MIGRATION_ID, value: s.migrationId },
    { key: MIGRATION_PHASE, value: phase },
    { key: MIGRATION_STATE, value: state },
  ]);
}

export function statusOf(s: MigrationState): MigrationStatus {
  const step = currentStep(s);
  return {
    migrationId: s.migrationId,
    phase: step?.phase ?? null,
    rampPercent: step?.phase === 'read_ramp' ? step.percent : null,
    state: runState(s),
    pendingApproval: s.pendingApproval,
    routing: s.routing,
    rowsPerSecond: s.rowsPerSecond,
    failure: s.failure ?? null,
    entities: s.entities,
    gates: { thresholds: s.plan?.spec.gates ?? null, latest: s.latestGate },
    transitions: s.transitions,
    cdc: s.cdc ? { lag: s.cdc.lag, holding: s.cdc.holding, lost: s.cdc.lost, retired: s.cdc.retired, writePauseMs: s.cdc.writePauseMs } : null,
    reconcileQueue: s.reconcileQueue ?? null,
    routerAcks: s.routerAcks ?? null,
    copyBack: s.copyBack ?? null,
    quarantine: s.quarantine ?? null,
    decommission: s.decommission ?? null,
    hooks: s.hooks ?? [],
  };
}
