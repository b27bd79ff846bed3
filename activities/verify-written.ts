import { writtenKeysAmong } from '../lib/control';
import { controlPool } from './control-pool';
import type { EntityRef } from './entity-sides';
import type { RowDiff } from './verify-diff';

/** Set for the final verification: the routing version at which the new database became primary. */
export interface AfterSwitch {
  writtenSince?: number;
}

/**
 * After the write switch the old database stops following the new primary, so a key the routers
 * wrote since then is expected to differ; it is left out. Every other key must still be equal:
 * that is what the final verification proves before the old database is retired.
 */
export async function withoutWrittenKeys(input: EntityRef & AfterSwitch, diffs: RowDiff[]): Promise<{ diffs: RowDiff[]; exempt: number }> {
  if (input.writtenSince === undefined || diffs.length === 0) return { diffs, exempt: 0 };
  const written = await writtenKeysAmong(
    controlPool(input.spec.control.connection),
    input.migrationId,
    input.entity,
    input.writtenSince,
    diffs.map((d) => d.key),
  );
  const kept = diffs.filter((d) => !written.has(JSON.stringify(d.key)));
  return { diffs: kept, exempt: diffs.length - kept.length };
}
