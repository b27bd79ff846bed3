import type { Pool } from 'pg';
import { readRoutingState, routingFor, RoutingState } from '../control';
import { redactSecrets } from '../redact';

/**
 * Follows the routing state by polling the control store's primary-key row. Polling rather than
 * LISTEN/NOTIFY: one indexed read every 250 ms costs the control store little, needs no dedicated
 * connection or re-LISTEN after a reconnect, and needs nothing from the publisher; the measured
 * propagation is well inside the 1 s requirement (test/integration/router-routing.test.ts).
 * Requests only ever read the last known state, so a slow or unreachable control store never
 * blocks one.
 */
export interface RoutingFollower {
  current(): RoutingState;
  health(): FollowerHealth;
  stop(): void;
}

export interface FollowerHealth {
  /** Whether the last poll succeeded. */
  reachable: boolean;
  /** Milliseconds since the last successful poll (since start when none succeeded). */
  stalenessMs: number;
  pollFailures: number;
  lastError?: string;
}

/** Before any state is published the old database serves everything. */
export function initialRouting(migrationId: string): RoutingState {
  return { ...routingFor('preflight'), migrationId, version: 0, actor: 'router', reason: 'no routing state read yet', at: new Date(0).toISOString() };
}

export async function followRouting(
  pool: Pool,
  migrationId: string,
  opts: { pollIntervalMs: number; initialWaitMs: number },
): Promise<RoutingFollower> {
  let state = initialRouting(migrationId);
  let lastSuccess = Date.now();
  let reachable = false;
  let pollFailures = 0;
  let lastError: string | undefined;
  let inFlight: Promise<void> | undefined;

  const poll = (): Promise<void> => {
    // A poll still waiting on a hung control store is not stacked with more.
    inFlight ??= readRoutingState(pool, migrationId)
      .then((next) => {
        if (next && next.version > state.version) state = next;
        reachable = true;
        lastSuccess = Date.now();
      }, (err: unknown) => {
        reachable = false;
        pollFailures++;
        lastError = redactSecrets(err instanceof Error ? err.message : String(err));
      })
      .finally(() => { inFlight = undefined; });
    return inFlight;
  };

  let waited: NodeJS.Timeout | undefined;
  await Promise.race([poll(), new Promise((resolve) => { waited = setTimeout(resolve, opts.initialWaitMs); })]);
  clearTimeout(waited);
  if (!reachable) {
    throw new Error(`router for ${migrationId}: cannot read the routing state from the control store within ${opts.initialWaitMs} ms${lastError ? `: ${lastError}` : ''}`);
  }
  const timer = setInterval(() => void poll(), opts.pollIntervalMs);
  timer.unref();

  return {
    current: () => state,
    health: () => ({ reachable, stalenessMs: Date.now() - lastSuccess, pollFailures, lastError }),
    stop: () => clearInterval(timer),
  };
}
