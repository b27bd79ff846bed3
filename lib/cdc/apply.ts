import { keyText } from '../connectors/keys';
import type { EntityConnector, Key } from '../connectors/types';
import { mapConcurrently } from '../connectors/concurrent';
import type { EntityChanges, TouchedKey } from './changes';

export interface ApplyCounters {
  /** Records re-read from the source and written (or skipped by the version guard). */
  upserted: number;
  deleted: number;
  /** Source records that exist but cannot be decoded: quarantined in the target, whose copy is kept. */
  quarantined: number;
  /** Entities fully resynchronised after a TRUNCATE. */
  resyncs: number;
}

/** Adds one apply's counts to a stream's running totals. */
export function addCounters(total: ApplyCounters, applied: ApplyCounters): void {
  total.upserted += applied.upserted;
  total.deleted += applied.deleted;
  total.quarantined += applied.quarantined;
  total.resyncs += applied.resyncs;
}

/**
 * How far a TRUNCATE resync of one entity has got, heartbeated so a retried attempt (a killed
 * worker, the activity's time limit) continues instead of copying the entity again. `batch` is
 * the first LSN of the batch holding the truncate: the checkpoint applies to that batch only.
 */
export interface ResyncCheckpoint {
  batch: string;
  entity: string;
  /** delete: removing target records the source no longer has; copy: writing every source record. */
  phase: 'delete' | 'copy';
  /** The last key done in that phase. */
  after?: Key;
}

/**
 * How many messages of a batch have been applied, page by page, heartbeated so a retried attempt
 * that peeks the same batch (`batch`: its first LSN) skips them instead of applying one huge
 * transaction from its start again, which could then never finish within the activity's time
 * limit. Skipping is safe for the reason resuming a resync is: each page wrote the source's state
 * as of then, and every later change follows in later pages and batches.
 */
export interface PageCheckpoint {
  batch: string;
  messages: number;
}

/** Reports progress (a heartbeat); during a resync with where it has got. */
export type ApplyProgress = (checkpoint?: ResyncCheckpoint) => void;

/** How many keys one source read and one target write carry. */
const CHUNK = 500;

/**
 * Brings the target's copy of each touched record to the source's current state, through the
 * entity's connectors (and so its one mapping): re-read by key, present → written, absent →
 * deleted. A source record that cannot be decoded exists all the same: it is quarantined and its
 * target copy kept, never deleted. The state written is at least as new as every change in the batch, so a re-delivered
 * batch writes the same thing again, and a key change (old key gone, new key present) or an
 * unchanged TOAST column (re-read in full) needs nothing special.
 */
export async function applyEntityChanges(
  source: EntityConnector,
  target: EntityConnector,
  changes: EntityChanges,
  progress: ApplyProgress,
  batch: { first: string; resume?: ResyncCheckpoint } = { first: '' },
): Promise<ApplyCounters> {
  if (changes.truncated) {
    const { resume } = batch;
    const from = resume && resume.batch === batch.first && resume.entity === source.entity ? resume : undefined;
    return resyncEntity(source, target, progress, batch.first, from);
  }
  const counters: ApplyCounters = { upserted: 0, deleted: 0, quarantined: 0, resyncs: 0 };
  const touched = [...changes.keys.values()];
  for (let i = 0; i < touched.length; i += CHUNK) {
    const chunk = touched.slice(i, i + CHUNK);
    const { records: found, rejected } = await source.fetchByKeys(chunk.map((t) => t.key));
    if (rejected.length) counters.quarantined += await target.quarantine(rejected);
    const present = new Set([...found.map((r) => keyText(source.keyOf(r))), ...rejected.map((r) => keyText(r.key))]);
    counters.deleted += await deleteGone(
      target,
      chunk.filter((t) => !present.has(keyText(t.key))),
    );
    const newer = new Set(chunk.filter((t) => t.guard === 'newer').map((t) => keyText(t.key)));
    const isNewer = (r: (typeof found)[number]) => newer.has(keyText(source.keyOf(r)));
    await target.writeBatch(found.filter(isNewer), { versionGuard: true });
    await target.writeBatch(
      found.filter((r) => !isNewer(r)),
      { versionGuard: true, replaceEqual: true },
    );
    counters.upserted += found.length;
    progress();
  }
  return counters;
}

/** How many bounded deletes run at once: each is one key (its own bound), one short transaction or point operation. */
const DELETE_CONCURRENCY = 4;

/**
 * Deletes the touched keys the source no longer has, each removing nothing newer than the version
 * its delete removed (TouchedKey.version), so a newer record a router wrote on the target stays.
 */
async function deleteGone(target: EntityConnector, gone: TouchedKey[]): Promise<number> {
  const unbounded = gone.filter((t) => t.version === undefined).map((t) => t.key);
  const bounded = gone.filter((t) => t.version !== undefined && t.version !== null);
  const results = await Promise.all([
    target.deleteKeys(unbounded),
    mapConcurrently(bounded, DELETE_CONCURRENCY, (t) => target.deleteKeys([t.key], { upTo: t.version })),
  ]);
  return results[0].deleted + results[1].reduce((n, r) => n + r.deleted, 0);
}

/**
 * After a TRUNCATE the WAL names no rows, so the entity is made equal to the source wholesale:
 * target records the source no longer has are deleted, then every source record is written, in
 * key order, each page checkpointed. Resuming from a checkpoint is safe for the same reason the
 * backfill's is: every change after the truncate is applied by the batches that follow.
 * Costs a full copy of the entity; truncates of migrating tables are rare.
 */
async function resyncEntity(
  source: EntityConnector,
  target: EntityConnector,
  progress: ApplyProgress,
  batch: string,
  from: ResyncCheckpoint | undefined,
): Promise<ApplyCounters> {
  const counters: ApplyCounters = { upserted: 0, deleted: 0, quarantined: 0, resyncs: 1 };
  const at = { batch, entity: source.entity };
  if (from?.phase !== 'copy') {
    await eachPage(target, from?.after, async (keys, after) => {
      const { records, rejected } = await source.fetchByKeys(keys);
      const present = new Set([...records.map((r) => keyText(source.keyOf(r))), ...rejected.map((r) => keyText(r.key))]);
      counters.deleted += (await target.deleteKeys(keys.filter((k) => !present.has(keyText(k))))).deleted;
      progress({ ...at, phase: 'delete', after });
    });
  }
  let after = from?.phase === 'copy' ? from.after : undefined;
  do {
    const page = await source.readRange({ after, limit: CHUNK });
    await target.writeBatch(page.records, { versionGuard: false });
    if (page.rejected.length) counters.quarantined += await target.quarantine(page.rejected);
    counters.upserted += page.records.length;
    after = page.lastKey;
    progress({ ...at, phase: 'copy', after: after ?? lastKeyOf(source, page.records) });
  } while (after);
  return counters;
}

function lastKeyOf(side: EntityConnector, records: Parameters<EntityConnector['keyOf']>[0][]): Key | undefined {
  return records.length ? side.keyOf(records[records.length - 1]) : undefined;
}

async function eachPage(side: EntityConnector, from: Key | undefined, work: (keys: Key[], last: Key | undefined) => Promise<void>): Promise<void> {
  let after = from;
  do {
    const page = await side.readRange({ after, limit: CHUNK });
    const keys = page.records.map((r) => side.keyOf(r));
    await work(keys, page.lastKey ?? keys.at(-1));
    after = page.lastKey;
  } while (after);
}
