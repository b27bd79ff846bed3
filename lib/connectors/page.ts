import { keyOfRecord } from './keys';
import type { EntityConnector, ReadRequest } from './types';

/** A page's byte budget when the caller names none (the spec's default backfill.maxBatchBytes). */
export const DEFAULT_PAGE_BYTES = 16 * 1024 * 1024;

/** The average item size of a connector's last page: sizes the next page's first chunk. */
export interface SizeHint {
  average?: number;
}

const hints = new Map<string, SizeHint>();

/**
 * One hint per stored table or collection in this process: every activity opens connectors of
 * its own, and their first page should not have to find out the row size again.
 */
export function sizeHintFor(store: string): SizeHint {
  let hint = hints.get(store);
  if (!hint) hints.set(store, (hint = {}));
  return hint;
}

export interface BudgetedPage<T> {
  items: T[];
  bytes: number;
  /** The limit or the budget ended the page, not the end of the range: more may follow. */
  full: boolean;
}

/**
 * Reads a page in chunks, stopping at the item that reaches the byte budget (always at least one
 * item, so a page makes progress even when one item exceeds the budget). Each chunk asks for as
 * many items as the remaining budget holds at the average size seen so far (or the hint's), so
 * memory stays about one budget plus one item while sizes are alike (a chunk of rows far larger
 * than the average before them overshoots by that chunk), and a page of small rows takes one chunk.
 * `next(count)` returns the next items after those already returned; fewer than `count` means
 * the range is exhausted.
 */
export async function readWithinBudget<T>(
  next: (count: number) => Promise<T[]>,
  sizeOf: (item: T) => number,
  request: Pick<ReadRequest, 'limit' | 'maxBytes'>,
  hint: SizeHint,
): Promise<BudgetedPage<T>> {
  const limit = Math.max(1, Math.floor(request.limit));
  const budget = request.maxBytes ?? DEFAULT_PAGE_BYTES;
  const page: BudgetedPage<T> = { items: [], bytes: 0, full: true };
  for (;;) {
    const average = page.items.length ? page.bytes / page.items.length : hint.average;
    // Without any size seen yet, one item: it may be larger than the whole budget.
    const wanted = average ? Math.ceil((budget - page.bytes) / average) : 1;
    const count = Math.min(limit - page.items.length, Math.max(1, wanted));
    const chunk = await next(count);
    for (const item of chunk) {
      page.items.push(item);
      page.bytes += sizeOf(item);
      if (page.bytes >= budget) break;
    }
    if (page.items.length) hint.average = page.bytes / page.items.length;
    if (page.bytes >= budget || page.items.length >= limit) return page;
    if (chunk.length < count) return { ...page, full: false };
  }
}

/** The identity part every connector shares. */
export function connectorIdentity(
  options: { entity: string; side: 'source' | 'target'; recordKey: string[] },
  kind: EntityConnector['kind'],
): Pick<EntityConnector, 'entity' | 'side' | 'kind' | 'keyOf'> {
  return { entity: options.entity, side: options.side, kind, keyOf: (record) => keyOfRecord(record, options.recordKey) };
}
