import { keyText } from '../lib/connectors/keys';
import type { EntityConnector, MappedRecord } from '../lib/connectors/types';
import { writtenKeysAmong } from '../lib/control';
import { compileMapping } from '../lib/mapping/entity';
import { compareVersions } from '../lib/mapping/version-order';
import { controlPool } from './control-pool';
import type { EntityRef } from './entity-sides';
import type { RowDiff } from './verify-diff';

/** Set for the final verification: the routing version at which the new database became primary. */
export interface AfterSwitch {
  writtenSince?: number;
  /**
   * Check the keys written since then against the primary instead of leaving them out
   * (patch final-verify-written-against-primary): the old database may lag behind on them, never lead.
   */
  againstPrimary?: boolean;
}

/**
 * After the write switch the old database stops following the new primary, so a key the routers
 * wrote since then is expected to differ. Every other key must still be equal: that is what the
 * final verification proves before the old database is retired. A written key is left out
 * (`exempt`) only where the primary holds what it should; with `againstPrimary`, see heldByPrimary.
 */
export async function withoutWrittenKeys(
  input: EntityRef & AfterSwitch,
  diffs: RowDiff[],
  sides: { old: EntityConnector; primary: EntityConnector },
): Promise<{ diffs: RowDiff[]; exempt: number }> {
  if (input.writtenSince === undefined || diffs.length === 0) return { diffs, exempt: 0 };
  const written = await writtenKeysAmong(
    controlPool(input.spec.control.connection),
    input.migrationId,
    input.entity,
    input.writtenSince,
    diffs.map((d) => d.key),
  );
  const isWritten = (d: RowDiff) => written.has(JSON.stringify(d.key));
  const writtenDiffs = diffs.filter(isWritten);
  const failing = input.againstPrimary ? await notHeldByPrimary(input, writtenDiffs, sides) : [];
  const kept = diffs.filter((d) => !isWritten(d) || failing.includes(d));
  return { diffs: kept, exempt: diffs.length - kept.length };
}

/**
 * The written keys whose difference the primary does not explain: an undecodable record on either
 * side; or a record both hold where the primary's version is not newer than the old database's
 * (the old side took a write the primary lacks, or the same version holds other values). A key
 * only the primary holds was created since the switch. A key only the old database holds was
 * deleted on the primary since the switch, or lost: without reading the primary's tombstones the
 * two cannot be told apart, so it stays left out, as does every written key of an entity without
 * a version.
 */
async function notHeldByPrimary(input: EntityRef, diffs: RowDiff[], sides: { old: EntityConnector; primary: EntityConnector }): Promise<RowDiff[]> {
  const failing = diffs.filter((d) => d.kind === 'undecodable');
  const different = diffs.filter((d) => d.kind === 'different');
  const version = compileMapping(input.spec.entities.find((e) => e.name === input.entity)!).targetVersion;
  if (!version || different.length === 0) return failing;
  const keys = different.map((d) => d.key);
  const [old, primary] = await Promise.all([sides.old.fetchByKeys(keys), sides.primary.fetchByKeys(keys)]);
  const byKey = (records: MappedRecord[]) => new Map(records.map((r) => [keyText(sides.primary.keyOf(r)), r]));
  const oldByKey = byKey(old.records);
  const primaryByKey = byKey(primary.records);
  for (const d of different) {
    const o = oldByKey.get(keyText(d.key));
    const p = primaryByKey.get(keyText(d.key));
    // Gone or undecodable since the comparison: the recheck sees it again.
    if (!o || !p) continue;
    if ((compareVersions(p[version], o[version]) ?? 0) <= 0) failing.push(d);
  }
  return failing;
}
