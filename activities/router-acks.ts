import { Context } from '@temporalio/activity';
import { readRouterAcks } from '../lib/control';
import { log } from '../lib/log';
import { controlPool } from './control-pool';

export interface AwaitRouterAcksInput {
  /** Connection name of the control store. */
  control: string;
  migrationId: string;
  /** The routing version that moved the write primary. */
  version: number;
  /** How long to wait at most (default 60 s): a router renewing a lease without acknowledging is reported, not waited for forever. */
  boundMs?: number;
}

export interface RouterAcksResult {
  version: number;
  /** Live routers following `version` (or later) when the wait ended. */
  acked: number;
  /** Live routers still on an older version when the bound ran out; empty when every router acknowledged or lapsed. */
  waiting: string[];
  waitedMs: number;
}

const DEFAULT_BOUND_MS = 60_000;
const POLL_MS = 200;

/**
 * Waits until every router with a live lease acknowledges a routing version, or its lease
 * expires (a lapsed router refuses writes), or the bound runs out. After a change of write
 * primary this is what makes "no router still writes the old primary first" true before the
 * workflow builds on it (stops the CDC stream, copies keys back, lets a rollback finish).
 */
export async function awaitRouterAcks(input: AwaitRouterAcksInput): Promise<RouterAcksResult> {
  const pool = controlPool(input.control);
  const bound = input.boundMs ?? DEFAULT_BOUND_MS;
  const started = Date.now();
  for (;;) {
    const acks = await readRouterAcks(pool, input.migrationId, input.version);
    const waitedMs = Date.now() - started;
    if (acks.waiting.length === 0 || waitedMs >= bound) {
      const result = { version: input.version, acked: acks.acked.length, waiting: acks.waiting, waitedMs };
      if (acks.waiting.length)
        log.warn({ migrationId: input.migrationId, ...result }, `routers did not acknowledge routing v${input.version} within ${bound} ms`);
      return result;
    }
    Context.current().heartbeat({ waiting: acks.waiting.length });
    await Context.current().sleep(POLL_MS);
  }
}
