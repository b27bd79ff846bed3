import type { WriteMode } from '../control';
import type { Key } from '../connectors/types';
import { inSpan } from '../tracing/spans';
import type { EntityAccess, Side } from './types';

/** The databases a write goes to, primary first. */
export function writeOrder(mode: WriteMode): Side[] {
  switch (mode) {
    case 'old':
      return ['old'];
    case 'old_then_new':
      return ['old', 'new'];
    case 'new_then_old':
      return ['new', 'old'];
    case 'new':
      return ['new'];
  }
}

export interface WriteHooks {
  /** Every call to a side, with its outcome; the new side's calls are the gates' operations and errors. */
  onCall(side: Side, ok: boolean): void;
  /** The secondary failed or timed out: the key goes to the reconcile queue for that side. */
  onSecondaryFailure(side: Side, key: Key, reason: string): void;
  /** The secondary took the write: that side holds the key's newest version again. */
  onSecondaryWritten(side: Side, key: Key): void;
}

/**
 * One application write in the order the routing state says. The primary's failure fails the
 * request and the secondary is not tried (nothing to copy). The secondary's failure, or its
 * silence past `secondaryTimeoutMs`, never does: the key is queued for reconciliation, which
 * copies the primary's current row under the version guard, so a late secondary write landing
 * afterwards cannot regress it.
 */
export async function routedWrite(
  mode: WriteMode,
  key: Key,
  sides: Record<Side, EntityAccess>,
  apply: (access: EntityAccess, role: 'primary' | 'secondary') => Promise<void>,
  hooks: WriteHooks,
  secondaryTimeoutMs: number,
): Promise<void> {
  const [primary, secondary] = writeOrder(mode);
  const call = (side: Side, role: 'primary' | 'secondary') =>
    inSpan(`switchyard.router.${role}`, { 'switchyard.database': side }, () => apply(sides[side], role));
  await observed(primary, call(primary, 'primary'), hooks);
  if (!secondary) return;
  try {
    // The timeout is the call's outcome for the gates: a hung secondary counts as an error now.
    await observed(secondary, withTimeout(call(secondary, 'secondary'), secondaryTimeoutMs), hooks);
    hooks.onSecondaryWritten(secondary, key);
  } catch (err) {
    hooks.onSecondaryFailure(secondary, key, err instanceof Error ? err.message : String(err));
  }
}

/** Reports a call's outcome to onCall and passes it through. */
export async function observed<T>(side: Side, call: Promise<T>, hooks: Pick<WriteHooks, 'onCall'>): Promise<T> {
  try {
    const result = await call;
    hooks.onCall(side, true);
    return result;
  } catch (err) {
    hooks.onCall(side, false);
    throw err;
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
