import type { Op } from './history';

/** What a key holds: a value with its version, or nothing. */
export type KeyState = { val: string; ver: number } | null;

/** A write (or the seeded row) as the oracle reasons about it. */
export interface Write {
  id: string;
  state: KeyState;
  t0: number;
  t1: number;
  acked: boolean;
  /** The write mode the writer's router followed, for the report. */
  writes?: string;
}

export const sameState = (a: KeyState, b: KeyState) => (a === null || b === null ? a === b : a.val === b.val && a.ver === b.ver);

/** The writes to one key: the seeded row (acknowledged at time 0) and every put and delete. */
export function writesOf(ops: Op[], key: number, seeded: KeyState): Write[] {
  const writes: Write[] = [{ id: 'seed', state: seeded, t0: 0, t1: 0, acked: true }];
  for (const o of ops) {
    if (o.key !== key || o.op === 'get') continue;
    writes.push({ id: o.id, state: o.op === 'del' ? null : { val: o.val!, ver: o.ver! }, t0: o.t0, t1: o.t1, acked: o.acked, writes: o.routing.writes });
  }
  return writes;
}

/**
 * The writes a key may end with: every write that no acknowledged write started after it had
 * ended. That keeps the last acknowledged write, the acknowledged ones that raced it (their
 * intervals overlap) and any write without an outcome that is not known to be older.
 */
export function allowedFinal(writes: Write[]): Write[] {
  const lastAckedStart = Math.max(...writes.filter((w) => w.acked).map((w) => w.t0));
  return writes.filter((w) => !(w.t1 < lastAckedStart));
}

export type FinalViolation = 'lost_write' | 'deleted_back' | 'older_version' | 'unknown_value';

/** Why `actual` is not one of the allowed final states, or undefined when it is. */
export function judgeFinal(writes: Write[], actual: KeyState): FinalViolation | undefined {
  const allowed = allowedFinal(writes);
  if (allowed.some((w) => sameState(w.state, actual))) return undefined;
  if (actual === null) return 'lost_write';
  if (!writes.some((w) => sameState(w.state, actual))) return 'unknown_value';
  return allowed.every((w) => w.state === null) ? 'deleted_back' : 'older_version';
}
