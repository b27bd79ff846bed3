import { keyText } from '../lib/connectors/keys';
import type { EntityConnector, FetchResult, Key, MappedRecord } from '../lib/connectors/types';
import { compareVersions } from '../lib/mapping/version-order';
import type { Value } from '../lib/mapping/values';

export interface CopyKeysResult {
  /** Written to `to`; keys where `to` already held a newer or equal version are skipped. */
  copied: number;
  /** Removed from `to` because `from` no longer has them. */
  deleted: number;
  /** Held by `from` but not decodable: quarantined in `to`, whose copy is left as it is. */
  quarantined: number;
}

/**
 * Makes `to` match `from` for these keys: the records `from` holds are written under the version
 * guard, so nothing fresher on `to` is replaced, and keys `from` lacks are deleted from `to`
 * (removeLacking). A record `from` holds but cannot decode exists: it is quarantined, never taken
 * for a deletion. Either side may be the source or the target connector; records are
 * target-shaped on both, and `version` names their version field (absent: unversioned).
 */
export async function copyKeys(
  from: EntityConnector,
  to: EntityConnector,
  keys: Key[],
  version?: string,
  opts: { toPrimary?: boolean } = {},
): Promise<CopyKeysResult> {
  if (keys.length === 0) return { copied: 0, deleted: 0, quarantined: 0 };
  const found = await from.fetchByKeys(keys);
  const copied = await copyFound(to, found);
  const present = keysOf(from, found);
  const absent = keys.filter((k) => !present.has(keyText(k)));
  if (absent.length === 0) return copied;
  const removed = await removeLacking(from, to, absent, version, opts);
  return { copied: copied.copied + removed.copied, deleted: removed.deleted, quarantined: copied.quarantined + removed.quarantined };
}

/**
 * Deletes from `to` the keys `from` lacks. An application may re-create such a key meanwhile,
 * writing `from` first, then `to`. So `to` is read first and `from` looked at again after that
 * read: a key back in `from` is copied, not deleted. A versioned record is deleted only up to the
 * version read from `to`: a re-creation that reaches `to` after that read carries a newer version
 * and stays, and the tombstone, at the version read, does not refuse it. (Deleting whatever `to`
 * holds would tombstone the re-created record's own version: putting it back is then refused,
 * and `to` lacks an acknowledged write its router believes written.) Unversioned records have
 * no tombstone: one re-created after the second look is put back after the delete.
 */
export async function removeLacking(
  from: EntityConnector,
  to: EntityConnector,
  absent: Key[],
  version: string | undefined,
  opts: { toPrimary?: boolean } = {},
): Promise<CopyKeysResult> {
  const held = await to.fetchByKeys(absent);
  const back = keysOf(from, await from.fetchByKeys(absent));
  const gone = (k: Key) => !back.has(keyText(k));
  const versionOf = (r: MappedRecord) => (version === undefined ? undefined : (r[version] ?? undefined));
  const bounded = held.records.filter((r) => versionOf(r) !== undefined && gone(to.keyOf(r)));
  const bound = await deleteBounds(from, to, bounded, versionOf, opts.toPrimary);
  // Held without a version to bound the delete by (unversioned, or not decodable): removed whatever it is.
  const unbounded = [...held.records.filter((r) => versionOf(r) === undefined).map((r) => to.keyOf(r)), ...held.rejected.map((r) => r.key)].filter(gone);
  const results = await Promise.all([
    ...(unbounded.length ? [to.deleteKeys(unbounded)] : []),
    ...bounded.flatMap((r) => {
      const upTo = bound(r);
      return upTo === undefined ? [] : [to.deleteKeys([to.keyOf(r)], { upTo })];
    }),
  ]);
  const deleted = results.reduce((n, r) => n + r.deleted, 0);
  const restored = await copyFound(to, await from.fetchByKeys(absent));
  return { ...restored, deleted };
}

/**
 * The version up to which each held record may be deleted; undefined: keep it. Normally the version
 * read from `to`: `from` saw every write to the key first, so its lacking the key is newer than
 * anything `to` holds. Not so when `to` is the primary again (queue entries drained after a
 * rollback, towards the old database): it may hold writes made since that `from` never saw, and
 * a delete bounded by what it holds would remove an acknowledged write. Then the bound is the
 * version `from`'s tombstone records (the delete `to` missed), capped at the version read; a key
 * `from` lacks without a tombstone records no delete to copy, and is kept. A `from` that cannot
 * say (source sides, whose tombstones would need mapping) keeps the bound read from `to`.
 */
async function deleteBounds(
  from: EntityConnector,
  to: EntityConnector,
  held: MappedRecord[],
  versionOf: (r: MappedRecord) => Value | undefined,
  toPrimary: boolean | undefined,
): Promise<(r: MappedRecord) => Value | undefined> {
  if (!toPrimary || !from.deletedVersions || !held.length) return versionOf;
  const deleted = await from.deletedVersions(held.map((r) => to.keyOf(r)));
  return (r) => {
    const stone = deleted.get(keyText(to.keyOf(r)));
    const holds = versionOf(r);
    if (stone === undefined || holds === undefined) return undefined;
    return (compareVersions(stone, holds) ?? 1) < 0 ? stone : holds;
  };
}

/** Writes the fetched records to `to` under the version guard and quarantines the undecodable ones there. */
async function copyFound(to: EntityConnector, found: FetchResult): Promise<CopyKeysResult> {
  const quarantined = found.rejected.length ? await to.quarantine(found.rejected) : 0;
  const { written } = found.records.length ? await to.writeBatch(found.records, { versionGuard: true }) : { written: 0 };
  return { copied: written, deleted: 0, quarantined };
}

/** The keys a fetch found, decodable or not: both exist. */
function keysOf(side: EntityConnector, found: FetchResult): Set<string> {
  return new Set([...found.records.map((r) => keyText(side.keyOf(r))), ...found.rejected.map((r) => keyText(r.key))]);
}
