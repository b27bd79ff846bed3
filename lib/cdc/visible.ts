import type { ClientBase } from 'pg';
import type { PgOutputMessage } from './pgoutput';

const XID_SPAN = 1n << 32n;
const MAX_CHECKS = 200;

/**
 * Waits until every transaction of a decoded batch is visible to new snapshots. A commit record
 * reaches the WAL (and so the decoder) before the transaction leaves the server's set of running
 * transactions; a snapshot taken in between still sees the old rows. The stream re-reads the
 * source after decoding, so without this wait it can write the old state and then acknowledge the
 * change away for good — seen in the CDC benchmark at paced rates, where the stream peeks right
 * behind the commits (about one update in 3 000–7 500 missing from the target). The window is
 * microseconds, so this costs one query per batch almost always.
 */
export async function waitUntilVisible(client: ClientBase, messages: PgOutputMessage[]): Promise<void> {
  const xids = messages.flatMap((m) => (m.tag === 'begin' ? [m.xid] : []));
  if (!xids.length) return;
  const {
    rows: [snap],
  } = await client.query<{ xmax: string }>(`select pg_snapshot_xmax(pg_current_snapshot())::text as xmax`);
  const full = xids.map((x) => fullXid(x, BigInt(snap.xmax)).toString());
  for (let i = 0, pause = 1; i < MAX_CHECKS; i++, pause = Math.min(pause * 2, 50)) {
    const {
      rows: [r],
    } = await client.query<{ visible: boolean }>(
      `select bool_and(pg_visible_in_snapshot(x::xid8, s)) as visible from unnest($1::text[]) x, pg_current_snapshot() s`,
      [full],
    );
    if (r.visible) return;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  throw new Error(`decoded transactions still not visible after ${MAX_CHECKS} checks; retrying the batch`);
}

/** The 64-bit id of a 32-bit xid that committed before `xmax` (the snapshot's first unassigned id). */
export function fullXid(xid: number, xmax: bigint): bigint {
  const full = (xmax / XID_SPAN) * XID_SPAN + BigInt(xid);
  return full >= xmax ? full - XID_SPAN : full;
}
