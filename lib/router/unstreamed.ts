import type { PollClock } from '../control';
import { keyText } from '../connectors/keys';
import type { Key } from '../connectors/types';

interface Mark {
  /** The first poll sent after the write ended (routing-follower's numbering). */
  poll: number;
  /** That poll's control-store clock, once it has answered: the write ended before it. */
  polledAtMs?: number;
}

/**
 * Read-your-writes during a CDC read ramp (docs/cdc.md). With CDC sync the router writes the old
 * database alone and the stream carries the write to the new one later; until it has, a read of
 * that key from the new database returns the previous state. So each key this router writes to
 * the old database alone is marked, and percent reads of a marked key go to the old database.
 *
 * A mark is cleared once the stream has applied past it, judged on the control store's clock
 * only: the first poll sent after the write ended reads the store's now() (the write ended before
 * it); the stream publishes a watermark, a now() it read before a peek that reached the end of
 * the WAL (lib/control/stream-progress.ts). A watermark later than the poll's time means that
 * peek began after the write had committed, so the new database has the write.
 *
 * Marks are in write order, and so are their poll numbers and times: resolving and clearing stop
 * at the first mark not yet due. At most `capacity` marks are kept; past that the oldest is
 * dropped and `overflow`, a mark standing for every key, takes its place (the newest dropped: it
 * comes due last), so nothing is forgotten early, only over-covered.
 */
export function unstreamedWrites(capacity: number) {
  const marks = new Map<string, Mark>();
  let overflow: Mark | undefined;
  const id = (entity: string, key: Key) => `${entity}\u0000${keyText(key)}`;
  const due = (m: Mark, through: number) => m.polledAtMs !== undefined && m.polledAtMs < through;
  return {
    /** `poll`: the follower's sent() when the write ended (succeeded or failed: a failed write may have landed). */
    mark(entity: string, key: Key, poll: number) {
      const k = id(entity, key);
      marks.delete(k);
      marks.set(k, { poll });
      if (marks.size <= capacity) return;
      const [oldest, mark] = marks.entries().next().value as [string, Mark];
      marks.delete(oldest);
      overflow = mark;
    },
    has: (entity: string, key: Key) => overflow !== undefined || marks.has(id(entity, key)),
    /** A poll answered: marks it was sent after take its time; marks the stream has passed are cleared. */
    polled(poll: number, clock: Partial<PollClock>) {
      const at = clock.polledAtMs;
      if (at === undefined) return;
      if (overflow && overflow.poll <= poll) overflow.polledAtMs ??= at;
      for (const m of marks.values()) {
        if (m.poll > poll) break;
        m.polledAtMs ??= at;
      }
      const through = clock.streamedThroughMs;
      if (through === null || through === undefined) return;
      if (overflow) {
        if (!due(overflow, through)) return;
        overflow = undefined;
      }
      for (const [k, m] of marks) {
        if (!due(m, through)) break;
        marks.delete(k);
      }
    },
    size: () => marks.size + (overflow ? 1 : 0),
  };
}
