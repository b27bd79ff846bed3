import { performance } from 'node:perf_hooks';
import { PollClock, routingFor, RoutingState } from '../control';
import { redactSecrets } from '../redact';
import type { RouterControl } from './router-control';

/**
 * Follows the routing state by polling the control store's primary-key row. Polling rather than
 * LISTEN/NOTIFY: one indexed read every 250 ms costs the control store little, needs no dedicated
 * connection or re-LISTEN after a reconnect, and needs nothing from the publisher; the measured
 * propagation is well inside the 1 s requirement (test/integration/router-routing.test.ts).
 * Requests only ever read the last known state, so a slow or unreachable control store never
 * blocks one.
 *
 * Every poll also renews the router's lease (same statement). A router cut off from the control
 * store cannot know whether the workflow moved the write primary meanwhile, so once its lease has
 * run out it refuses writes: the workflow, which waits at a primary change for every router to
 * acknowledge or lapse, may then count it as gone. The router's clock starts the lease when it
 * sends the poll, the store's when it receives it, so the router's view of it ends first.
 */
export interface RoutingFollower {
  current(): RoutingState;
  /**
   * The state to write under: the current one, or while writes are held (the CDC write switch)
   * the next one; rejects if they are still held after `timeoutMs`.
   */
  writable(timeoutMs: number): Promise<RoutingState>;
  /** Polls sent so far: a poll numbered `sent()` or later is sent after this call. */
  sent(): number;
  health(): FollowerHealth;
  /** Throws RouterFencedError when the lease has run out. */
  requireLease(): void;
  stop(): void;
}

/** A write refused because the router's lease on the routing state has expired. */
export class RouterFencedError extends Error {
  override name = 'RouterFencedError';
}

export interface FollowerHealth {
  /** Whether the last poll succeeded. */
  reachable: boolean;
  /** Milliseconds since the last successful poll (since start when none succeeded). */
  stalenessMs: number;
  pollFailures: number;
  lastError?: string;
  /** Milliseconds left on the lease; 0 or less means writes are refused. */
  leaseRemainingMs: number;
}

/** Before any state is published the old database serves everything. */
export function initialRouting(migrationId: string): RoutingState {
  return { ...routingFor('preflight'), migrationId, version: 0, actor: 'router', reason: 'no routing state read yet', at: new Date(0).toISOString() };
}

export interface FollowOptions {
  pollIntervalMs: number;
  initialWaitMs: number;
  leaseTtlMs: number;
  routerId: string;
  /** The version to acknowledge: the current one, or an older one a write still runs under. */
  following(current: RoutingState): number;
  /** Each successful poll's number (see sent()) and the control store's clock it read, if any. */
  onPolled?(poll: number, clock: Partial<PollClock>): void;
}

export async function followRouting(control: RouterControl, migrationId: string, opts: FollowOptions): Promise<RoutingFollower> {
  let state = initialRouting(migrationId);
  let leaseUntil = -Infinity;
  let lastSuccess = Date.now();
  let reachable = false;
  let pollFailures = 0;
  let lastError: string | undefined;
  let inFlight: Promise<void> | undefined;
  let polls = 0;
  const unheld = new Set<() => void>();

  const poll = (): Promise<void> => {
    // A poll still waiting on a hung control store is not stacked with more.
    if (inFlight) return inFlight;
    const sent = performance.now();
    const number = polls++;
    inFlight = control
      .renewAndRead(opts.routerId, opts.following(state), opts.leaseTtlMs)
      .then(
        (next) => {
          if (next) {
            const { polledAtMs, streamedThroughMs, ...routing } = next;
            if (routing.version > state.version) state = routing;
            opts.onPolled?.(number, { polledAtMs, streamedThroughMs });
          }
          if (state.writes !== 'held') for (const release of unheld) release();
          leaseUntil = sent + opts.leaseTtlMs;
          reachable = true;
          lastSuccess = Date.now();
        },
        (err: unknown) => {
          reachable = false;
          pollFailures++;
          lastError = redactSecrets(err instanceof Error ? err.message : String(err));
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  let waited: NodeJS.Timeout | undefined;
  await Promise.race([
    poll(),
    new Promise((resolve) => {
      waited = setTimeout(resolve, opts.initialWaitMs);
    }),
  ]);
  clearTimeout(waited);
  if (!reachable) {
    throw new Error(
      `router for ${migrationId}: cannot read the routing state from the control store within ${opts.initialWaitMs} ms${lastError ? `: ${lastError}` : ''}`,
    );
  }
  const timer = setInterval(() => void poll(), opts.pollIntervalMs);
  timer.unref();

  return {
    current: () => state,
    sent: () => polls,
    async writable(timeoutMs) {
      if (state.writes !== 'held') return state;
      const held = state.version;
      let release!: () => void;
      let timer: NodeJS.Timeout | undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          release = resolve;
          unheld.add(release);
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `router ${opts.routerId} for ${migrationId}: write refused, writes are held for the write switch (routing v${held}) ` +
                    `and were still held after ${timeoutMs} ms`,
                ),
              ),
            timeoutMs,
          );
        });
      } finally {
        unheld.delete(release);
        clearTimeout(timer);
      }
      return state;
    },
    health: () => ({ reachable, stalenessMs: Date.now() - lastSuccess, pollFailures, lastError, leaseRemainingMs: leaseUntil - performance.now() }),
    requireLease() {
      const left = leaseUntil - performance.now();
      if (left > 0) return;
      throw new RouterFencedError(
        `router ${opts.routerId} for ${migrationId}: write refused, its lease on the routing state expired ${Math.round(-left)} ms ago ` +
          `(control store unreachable${lastError ? `: ${lastError}` : ''}); writes resume once it is renewed`,
      );
    },
    stop() {
      clearInterval(timer);
      // No longer renewed: writes end now rather than when the lease would have run out.
      leaseUntil = -Infinity;
    },
  };
}
