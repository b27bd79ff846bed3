import type { Row } from './memory-db';

/**
 * One application request as the client saw it. Versions are unique and increase in the order
 * requests start; `start` and `end` are ticks of one clock over all requests (a killed
 * instance's request ends when it dies).
 */
export interface Request {
  client: number;
  kind: 'insert' | 'update' | 'delete';
  key: string;
  version: number;
  start: number;
  end: number;
  /** The router resolved: the application was told the write happened. */
  acknowledged: boolean;
}

export interface Violation {
  kind: 'primary-not-allowed' | 'diverged';
  key: string;
  detail: string;
}

type Held = Pick<Row, 'v' | 'val'> | undefined;

const show = (row: Held) => (row ? `${row.val}` : 'absent');
const same = (a: Held, b: Held) => (a === undefined ? b === undefined : b !== undefined && a.v === b.v && a.val === b.val);

/** The value a request leaves behind if it is the last one applied. */
function outcome(r: Request): Held {
  return r.kind === 'delete' ? undefined : { v: r.version, val: valueOf(r.client, r.version) };
}

export const valueOf = (client: number, version: number) => `c${client}v${version}`;

/**
 * The invariants, computed from the request log and the final contents of both databases only
 * (no router code). The primary must hold what some request left behind (or the initial row,
 * when nothing was acknowledged) that no acknowledged request supersedes:
 *  - a write is superseded by an acknowledged write of a higher version (the version guard keeps
 *    the newest), and by an acknowledged delete that started after it ended;
 *  - a delete (the key absent) is superseded by an acknowledged write that started after it
 *    ended: that write's version is newer than anything the delete removed, so it stands.
 * Requests that overlap in time may apply in either order. So no acknowledged write is lost, no
 * deleted key comes back and no older version replaces a newer one. Once the reconcile queue is
 * drained, both databases agree on every key.
 */
export function check(keys: string[], initial: Map<string, Row>, log: Request[], primary: Map<string, Row>, secondary: Map<string, Row>): Violation[] {
  const violations: Violation[] = [];
  for (const key of keys) {
    const requests = log.filter((r) => r.key === key);
    const acked = requests.filter((r) => r.acknowledged);
    const superseded = (r: Request) =>
      r.kind === 'delete'
        ? acked.some((a) => a.kind !== 'delete' && a.start > r.end)
        : acked.some((a) => (a.kind === 'delete' ? a.start > r.end : a.version > r.version));
    const allowed: Held[] = requests.filter((r) => !superseded(r)).map(outcome);
    if (acked.length === 0) allowed.push(initial.get(key));
    const held = primary.get(key);
    if (!allowed.some((a) => same(a, held))) {
      violations.push({ kind: 'primary-not-allowed', key, detail: `primary holds ${show(held)}, allowed: ${allowed.map(show).join(' | ')}` });
    }
    if (!same(held, secondary.get(key))) {
      violations.push({ kind: 'diverged', key, detail: `primary ${show(held)}, secondary ${show(secondary.get(key))}` });
    }
  }
  return violations;
}
