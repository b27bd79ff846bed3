/** Types of the migration workflow's input, state and status. Type-only imports: no I/O enters the bundle. */
import type { z } from 'zod';
import type { IdentityChange } from '../lib/cdc';
import type { RetiredName } from '../lib/connectors/types';
import type { QuarantineCount } from '../activities/quarantine-count';
import type { GateCheck } from '../activities/gates';
import type { MigrationPlan } from '../activities/migration-plan';
import type { RoutingState } from '../lib/control/routing';
import type { Phase } from '../lib/spec/lifecycle';
import type { migrationSpecSchema } from '../lib/spec/schema';
import type { BackfillProgress } from './backfill-api';
import type { VerifyProgress } from './verify-api';
import type { GateWindow } from './migration-gates';

export type RunState = 'running' | 'paused' | 'waiting_approval' | 'rolling_back' | 'completed' | 'failed' | 'aborted';

/** One row of the transition history shown by `status`. */
export interface Transition {
  from: string;
  to: string;
  at: string;
  by: string;
  reason: string;
}

export interface PendingApproval {
  phase: Phase;
  since: string;
  /** Why a human is needed: the spec asks for it, or the workflow rolled back or failed. */
  reason: string;
  /** What the human may answer when approving is not the only way on (approve's `action`, or a rollback). */
  choices?: ApprovalChoice[];
  /**
   * What the approval must name (approve's `confirm`) to go on: the count of quarantined records
   * it accepts at the write switch, or what a drop removes (`keep` needs no confirmation).
   */
  confirm?: string;
}

/** Approve actions (`repair`, `retry`, `wait`, `flip`), a plain approve, or the rollback command. */
export type ApprovalChoice = ApproveAction | 'approve' | 'rollback';
export type ApproveAction = 'repair' | 'retry' | 'wait' | 'flip' | 'drop' | 'keep';

/** The new database's quarantine, counted before the write switch (workflows/migration-quarantine.ts). */
export interface QuarantineStatus extends QuarantineCount {
  at: string;
  /** The count a human accepted, and who. */
  accepted?: { count: number; by: string };
}

/** The old tables or collections at decommission (workflows/migration-decommission.ts). */
export interface DecommissionStatus {
  /**
   * retiring/retired: renamed out of the way and kept, a rollback restores them; dropping/dropped:
   * a human approved the drop; kept: the migration ended leaving them retired; restored: a rollback renamed them back.
   */
  state: 'retiring' | 'retired' | 'dropping' | 'dropped' | 'kept' | 'restored';
  /** Each table or collection and its retired name. */
  retired: RetiredName[];
  /** When they were retired, and until when they are kept before a drop may be approved. */
  at: string;
  retainUntil: string;
  dropped?: RetiredName[];
  /** Why the latest drop failed (the approval is asked again). */
  error?: string;
}

/** The copy-back of keys written since the switch, on a rollback past it (workflows/migration-copy-back.ts). */
export interface CopyBackStatus {
  /** The step being undone. */
  phase: 'write_switch' | 'complete';
  /** copying; stalled (a slice failed: waiting for the operator's wait or flip); done; queued (routing moved, keys queued for the old database). */
  state: 'copying' | 'stalled' | 'done' | 'queued';
  copied: number;
  /** Keys written since the switch, when the copy-back started. */
  total: number;
  /** Rounds of slices tried (1 + the operator's waits). */
  attempts: number;
  /** Why the latest slice failed. */
  error?: string;
  /** Keys queued for the old database when routing moved first. */
  queued?: number;
  /** The operator's answer while stalled, until the copy-back takes it. */
  choice?: 'wait' | 'flip';
}

/** A child's own progress query result, tagged with which child sent it (childProgressSignal). */
export type ProgressReport = { workflowId: string } & ({ kind: 'backfill'; progress: BackfillProgress } | { kind: 'verify'; progress: VerifyProgress });

export interface ChildStatus<P = BackfillProgress | VerifyProgress> {
  workflowId: string;
  state: 'running' | 'completed' | 'failed' | 'cancelled';
  /** The child's latest progress report (workflows/progress-report.ts), sent after its first step, once per round of finished slices or chunks (backfill.concurrency of them), and at its end. */
  progress?: P;
  /** The child's result once it completes (copy totals, verification figures). */
  result?: unknown;
  error?: string;
}

export interface EntityStatus {
  backfill?: ChildStatus<BackfillProgress>;
  verify?: ChildStatus<VerifyProgress>;
}

export interface MigrationState {
  migrationId: string;
  autoApprove: boolean;
  actor: string;
  plan?: MigrationPlan;
  /** Index into the step list (migration-steps.ts) of the step whose routing is published; -1 before preflight. */
  step: number;
  /** The step the forward run starts at next. */
  nextStep: number;
  /** Set when the next step may start only after a human approves (after a rollback or failure). */
  forceApproval: boolean;
  /** Time left on the current step's soak when the run continued as new mid-soak. */
  soakLeftMs?: number;
  paused: boolean;
  rollingBack: boolean;
  terminal?: 'completed' | 'aborted';
  failure?: string;
  pendingApproval: PendingApproval | null;
  /** The approval that released the pending one, until the step it approved is entered. */
  approval?: { by: string; note: string; action?: ApproveAction };
  /** The final verification found differences nobody wrote since the switch: decommission waits for repair, retry or rollback. */
  finalVerifyFailed?: boolean;
  /** The human chose to repair the old database from the primary; the next final verification does. */
  finalRepair?: boolean;
  /** The latest rollback's copy-back past the write switch. */
  copyBack?: CopyBackStatus;
  /** The new database's quarantine at the latest check before the write switch. */
  quarantine?: QuarantineStatus;
  /** The old tables at decommission. */
  decommission?: DecommissionStatus;
  /** Why the last step was left: the reason recorded when the next one is entered. */
  lastLeft?: string;
  routing: RoutingState | null;
  /** Routing version published when the write switch was entered: rollback copies back keys written since. */
  switchVersion?: number;
  entities: Record<string, EntityStatus>;
  latestGate: (GateCheck & { at: string }) | null;
  /** The gates' sliding window for the current routing version. */
  gateWindow?: GateWindow;
  /** The operator's throttle: null until one is set (children keep the spec's rate), 0 = limit lifted. */
  rowsPerSecond: number | null;
  transitions: Transition[];
  /** The reconcile queue after the latest drain (dual-write sync). */
  reconcileQueue?: ReconcileQueueStatus;
  /** CDC sync only: set by the slot's creation, cleared by its teardown. */
  cdc?: CdcState;
  /** The latest wait for routers to follow a change of write primary. */
  routerAcks?: RouterAcksStatus;
  /** Outcomes of the latest routing hooks (workflows/migration-hooks.ts), oldest first. */
  hooks?: HookOutcome[];
}

export interface HookOutcome {
  trigger: 'enter' | 'leave' | 'rollback';
  from: string;
  to: string;
  /** What the hook does, by connection name: "redis CACHE user:*", "webhook HOOK". */
  action: string;
  state: 'ok' | 'failed';
  /** Keys deleted and HTTP status, or why it failed. */
  detail: string;
  at: string;
}

export interface RouterAcksStatus {
  /** The routing version that moved the write primary. */
  version: number;
  /** Live routers following it; null while waiting. */
  acked: number | null;
  /** Live routers that had not followed it when the wait's bound ran out (they still write under the old routing until their lease lapses). */
  waiting: string[];
  waitedMs?: number;
  at: string;
}

export interface ReconcileQueueStatus {
  /** Keys still queued after the drain; null when no drain has succeeded yet. */
  depth: number | null;
  at: string;
  /** Why the latest drain failed; the next gate interval tries again. */
  error?: string;
}

export interface CdcLag {
  bytes: number;
  seconds: number;
  retainedBytes: number;
  caughtUp: boolean;
  warnings: string[];
  /** When the slice that measured it ended. */
  at: string;
}

export interface CdcState {
  identityChanges: IdentityChange[];
  /** Stream slices finished; a lag gate waits for one that ends after it started waiting. */
  slices: number;
  lag?: CdcLag;
  /** Workflow time the running stream slice started; absent while no stream runs. */
  sliceStartedMs?: number;
  /** The stream was stopped and drained at the write switch; cleared by a rollback before it. */
  switched?: boolean;
  /** How long writes were held while the stream drained for the last write switch (patch cdc-drain-before-switch). */
  writePauseMs?: number;
  /** The step whose entry waits for lag to fall within the threshold. */
  holding?: Phase;
  /** Why the stream stopped for good (a lost slot). */
  lost?: string;
  /** Why the stream cannot resume: its slot was dropped at complete. */
  retired?: string;
}

export type MigrationSpecInput = z.input<typeof migrationSpecSchema>;

export interface MigrationInput {
  /** The spec as written (validated and defaulted by the first activity). */
  spec: MigrationSpecInput;
  /** Approve every phase the spec gates on a human (tests, demos). Never approves after a rollback. */
  autoApprove?: boolean;
  /** Who started it; recorded in the history and the routing log. */
  actor?: string;
  /** Continue as new once history has this many events (default: when the server suggests it). */
  historyLimit?: number;
  /** Set by the workflow itself when it continues as new. */
  carried?: MigrationState;
}

export interface MigrationStatus {
  migrationId: string;
  phase: Phase | null;
  /** Read-ramp percentage while the phase is read_ramp. */
  rampPercent: number | null;
  state: RunState;
  pendingApproval: PendingApproval | null;
  routing: RoutingState | null;
  /** null: never throttled (the spec's rate); 0: the operator lifted the limit. */
  rowsPerSecond: number | null;
  failure: string | null;
  entities: Record<string, EntityStatus>;
  gates: { thresholds: MigrationPlan['spec']['gates'] | null; latest: MigrationState['latestGate'] };
  transitions: Transition[];
  /** CDC sync: stream lag (bytes and seconds behind the source), a step held for lag, a lost stream, the write switch's pause; null otherwise. */
  cdc: Pick<CdcState, 'lag' | 'holding' | 'lost' | 'retired' | 'writePauseMs'> | null;
  /** Keys waiting in the reconcile queue at the latest drain; null before the first. */
  reconcileQueue: ReconcileQueueStatus | null;
  /** The latest wait for routers to follow a change of write primary; null before the first. */
  routerAcks: RouterAcksStatus | null;
  /** The latest rollback's copy-back past the write switch; null if none ran. */
  copyBack: CopyBackStatus | null;
  /** The new database's quarantine at the latest check before the write switch; null before the first. */
  quarantine: QuarantineStatus | null;
  /** The old tables once decommission retires them; null before. */
  decommission: DecommissionStatus | null;
  /** Outcomes of the latest routing hooks, oldest first. */
  hooks: HookOutcome[];
}

export interface ApproveArgs {
  /** The phase being approved; defaults to whichever is pending. */
  phase?: Phase;
  by: string;
  note?: string;
  /**
   * The answer to a pending choice. After a failed final verification: `repair` copies the
   * differing keys from the primary, then verifies again; `retry` (default) only verifies again.
   * While a rollback's copy-back is stalled: `wait` tries again, `flip` moves routing now.
   * After decommission's retention period: `drop` drops the retired tables, `keep` ends the migration leaving them.
   */
  action?: ApproveAction;
  /** What the pending approval asks to be named (its `confirm`): the quarantined count, or what a drop removes. */
  confirm?: string;
}

export interface RollbackArgs {
  /** An earlier phase; defaults to the one before the current step (docs/architecture.md). */
  to?: Phase;
  by: string;
  reason: string;
}

export interface ControlArgs {
  by: string;
  reason?: string;
}

export interface ThrottleArgs extends ControlArgs {
  /** Rows per second for each entity's copy; 0 lifts the limit. */
  rowsPerSecond: number;
}

/** The operator actions, by the name of their update. */
export type ControlAction = 'approve' | 'pause' | 'resume' | 'throttle' | 'rollback' | 'abort';

/** An action as the operator would send it, without who sends it: what the consequence query explains. */
export interface ConsequenceArgs {
  action: ControlAction;
  /** rollback: the phase to land in. */
  to?: RollbackArgs['to'];
  /** throttle: the rate asked for. */
  rowsPerSecond?: number;
  /** approve: the answer to a pending choice. */
  approveAction?: ApproveAction;
}

export interface Consequence {
  /** Whether the workflow would accept the action now. */
  accepted: boolean;
  /** What it would do, or why it would be refused. */
  words: string;
}
