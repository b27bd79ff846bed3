import { recordHasher } from '../mapping/canonical';
import type { HashResult, KeyRange, ReadRequest, ReadResult } from './types';

/**
 * Hashes a range page by page with the connector's own reader, so the hash is over exactly the
 * records a copy would move, in the same canonical form on both sides; memory stays one page.
 */
export async function hashByPages(read: (request: ReadRequest) => Promise<ReadResult>, range: KeyRange, pageSize = 5000): Promise<HashResult> {
  const hasher = recordHasher();
  let after = undefined as ReadRequest['after'];
  for (;;) {
    const page = await read({ ...range, after, limit: pageSize });
    for (const r of page.records) hasher.add(r);
    for (const r of page.rejected) hasher.add({ $rejected: r.document });
    if (!page.lastKey) return hasher.result();
    after = page.lastKey;
  }
}
