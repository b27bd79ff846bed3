import { sameState, Write } from './allowed';
import type { Op } from './history';

export type ReadViolation = 'stale_own_write' | 'stale_primary_read' | 'unknown_value';

/** The database a router's read mode serves from when its write mode makes that database the primary (writes held for the CDC switch: old has them all). */
function readsThePrimary(routing: Op['routing']): boolean {
  const primaryOld = routing.writes === 'old' || routing.writes === 'old_then_new' || routing.writes === 'held';
  return primaryOld ? routing.reads === 'old' || routing.reads === 'old_shadow' : routing.reads === 'new';
}

/**
 * The read guarantees of docs/RELIABILITY.md ("Guarantees per phase"), for one acknowledged read:
 * it returns a state some write produced (or the seeded row); never a state older than the
 * reader's own last acknowledged write to the key (read-your-writes, every phase and sync); and,
 * when the reader's routing reads the primary, never one older than any acknowledged write that
 * ended before the read began.
 */
export function judgeRead(read: Op, writes: Write[]): { kind: ReadViolation; newer?: Write } | undefined {
  const got = read.read ?? null;
  // A state some write produced that had started before the read ended.
  const sources = writes.filter((w) => sameState(w.state, got) && w.t0 < read.t1);
  if (sources.length === 0 && got !== null) return { kind: 'unknown_value' };
  // "Absent" without a delete is the state before the seed: older than every write.
  const newestSourceEnd = sources.length ? Math.max(...sources.map((w) => w.t1)) : -1;
  const supersededBy = (w: Write) => w.acked && w.t1 < read.t0 && w.t0 > newestSourceEnd;
  const own = writes.filter((w) => w.id !== 'seed' && w.id.startsWith(`${read.writer}-`));
  const ownNewer = own.find(supersededBy);
  if (ownNewer) return { kind: 'stale_own_write', newer: ownNewer };
  const newer = readsThePrimary(read.routing) ? writes.find(supersededBy) : undefined;
  return newer ? { kind: 'stale_primary_read', newer } : undefined;
}
