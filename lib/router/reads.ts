import type { RoutingState } from '../control';
import type { Key } from '../connectors/types';
import { readsNew } from './percent';
import type { EntityAccess, RouterRecord, Side } from './types';
import { observed, withTimeout } from './writes';

export interface ReadHooks {
  onCall(side: Side, ok: boolean): void;
  /** The side whose answer the application got. */
  onServed(side: Side): void;
  /** A percent-mode read the new database failed, served by the old one instead. */
  onFallback(): void;
  /** Whether the new database missed this key's last write (behind-new.ts): then it is read from the old one. */
  behindNew(key: Key): boolean;
  /** Whether this read is one of the sampled ones compared against the other side. */
  sampled(): boolean;
  /** Compares off the request path (never awaited here); `read` reads either side again. */
  shadow(key: Key, served: { side: Side; record: RouterRecord | undefined }, read: (side: Side) => Promise<RouterRecord | undefined>): void;
}

/**
 * One application read as the routing state says. In "new" mode there is no fallback: after the
 * write switch the old database only receives best-effort writes and may be behind, so serving
 * from it would return stale data.
 */
export async function routedRead(
  state: RoutingState,
  key: Key,
  sides: Record<Side, EntityAccess>,
  hooks: ReadHooks,
  percentReadTimeoutMs: number,
): Promise<RouterRecord | undefined> {
  const get = (side: Side, timeoutMs?: number) => {
    const call = sides[side].get(key);
    return observed(side, timeoutMs ? withTimeout(call, timeoutMs) : call, hooks);
  };
  const serve = async (side: Side, compare: boolean, timeoutMs?: number) => {
    const record = await get(side, timeoutMs);
    hooks.onServed(side);
    if (compare && hooks.sampled()) hooks.shadow(key, { side, record }, get);
    return record;
  };
  switch (state.reads) {
    case 'old':
      return serve('old', false);
    case 'new':
      return serve('new', false);
    // A key the new side is known to be behind on differs until reconciled: it is neither served
    // from the new side nor compared (the reconcile queue has it; a mismatch would count it twice).
    case 'old_shadow':
      return serve('old', !hooks.behindNew(key));
    case 'percent':
      if (hooks.behindNew(key)) return serve('old', false);
      if (!readsNew(key, state.readPercent)) return serve('old', true);
      // A new database that hangs must not hold the request: past the limit the old one answers.
      try {
        return await serve('new', true, percentReadTimeoutMs);
      } catch {
        hooks.onFallback();
        return serve('old', false);
      }
  }
}
