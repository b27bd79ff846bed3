/** What the workflow holds besides its state: nothing here survives continueAsNew or is reported. */
import type { CancellationScope, ChildWorkflowHandle, Workflow } from '@temporalio/workflow';

export interface ControlRequest {
  kind: 'rollback' | 'abort';
  /** The step the rollback lands on (0 for abort). */
  target: number;
  by: string;
  reason: string;
}

export interface MigrationRuntime {
  /** The scope of the forward run; a rollback or abort cancels it. */
  forward?: CancellationScope;
  request: ControlRequest | null;
  /** Running backfill/verify children, so pause, resume and throttle reach them. */
  children: Map<string, ChildWorkflowHandle<Workflow>>;
  /** The CDC stream loop, a child scope of the forward run (migration-cdc.ts). */
  stream?: StreamLoop;
}

export interface StreamLoop {
  scope: CancellationScope;
  done: Promise<void>;
  /** Ends the loop once a slice returns and this holds, without cancelling it. */
  endWhen?: () => boolean;
  /** The loop has returned (ended, lost or cancelled). */
  ended?: boolean;
}

export function newRuntime(): MigrationRuntime {
  return { request: null, children: new Map() };
}

/** Stops the forward run at its current await; the main loop then runs the compensations. */
export function interrupt(rt: MigrationRuntime, request: ControlRequest): void {
  rt.request = request;
  rt.forward?.cancel();
}

/** Sends a data-control signal to every running child; a child that just finished is not an error. */
export async function signalChildren(rt: MigrationRuntime, signal: string, ...args: unknown[]): Promise<void> {
  await Promise.all([...rt.children.values()].map((c) => c.signal(signal, ...args).catch(() => undefined)));
}
