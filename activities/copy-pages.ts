import type { DirectCopier, EntityConnector, Key, KeyRange, ReadResult } from '../lib/connectors/types';

/** What one page of a slice did, whichever way it was copied. */
export interface PageOutcome {
  rows: number;
  written: number;
  skipped: number;
  quarantined: number;
  bytes: number;
  /** Key of the page's last row: the resume point; absent when the range is exhausted. */
  lastKey?: Key;
}

export interface PageWalk {
  range: KeyRange;
  /** Start strictly after this key. */
  after?: Key;
  limit: number;
  maxBytes: number;
  /** Asked after each page: whether to copy another one. */
  more: () => boolean;
}

/**
 * Keyset pages read as records from the source and written as a version-guarded batch to the
 * target, the next page read while the current one is written.
 */
export async function* recordPages(source: EntityConnector, target: EntityConnector, walk: PageWalk): AsyncGenerator<PageOutcome> {
  const read = (after: Key | undefined): Promise<ReadResult> => {
    const page = source.readRange({ ...walk.range, after, limit: walk.limit, maxBytes: walk.maxBytes });
    // Awaited later; until then a failure must not count as an unhandled rejection.
    page.catch(() => undefined);
    return page;
  };
  let page: Promise<ReadResult> | undefined = read(walk.after);
  while (page) {
    const { records, rejected, bytes, lastKey }: ReadResult = await page;
    page = lastKey && walk.more() ? read(lastKey) : undefined;
    const w = records.length ? await target.writeBatch(records, { versionGuard: true }) : { written: 0, skipped: 0, quarantined: 0 };
    // Rows the mapping cannot carry exactly are recorded for an operator, never dropped silently.
    const quarantined = rejected.length ? await target.quarantine(rejected) : 0;
    yield { rows: records.length + rejected.length, written: w.written, skipped: w.skipped, quarantined: w.quarantined + quarantined, bytes, lastKey };
  }
}

/** Keyset pages copied inside the databases (DirectCopier); Node only relays bytes, so there is nothing to overlap. */
export async function* directPages(copier: DirectCopier, walk: PageWalk): AsyncGenerator<PageOutcome> {
  for (let after = walk.after; ;) {
    const page = await copier.copyPage({ ...walk.range, after, limit: walk.limit }, { versionGuard: true });
    yield { ...page, quarantined: 0 };
    if (!page.lastKey || !walk.more()) return;
    after = page.lastKey;
  }
}
