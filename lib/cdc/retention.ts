import type { ClientBase } from 'pg';
import { SlotLostError, SlotState } from './slot';

/** Share of the limit above which the stream warns that the slot is about to be dropped. */
const WARN_AT = 0.8;

/**
 * Enforces cdc.maxRetainedWalBytes: a slot retaining more WAL than allowed is dropped, so a stream
 * that cannot keep up (or cannot apply at all) never fills the source's disk; the changes it held
 * are then gone, so this fails like a lost slot. Below the limit, returns the warnings to report.
 */
export async function enforceRetention(client: ClientBase, slot: SlotState, limit: number): Promise<string[]> {
  if (slot.retainedBytes > limit) {
    await client.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1', [slot.slot]);
    throw new SlotLostError(
      `replication slot ${slot.slot} retained ${slot.retainedBytes} bytes of WAL, above cdc.maxRetainedWalBytes (${limit}): dropped it so the ` +
        `source's disk cannot fill; the changes it held will not reach the target (raise the limit if the source can hold more WAL)`,
    );
  }
  const warnings: string[] = [];
  if (slot.retainedBytes > limit * WARN_AT) {
    warnings.push(
      `replication slot ${slot.slot} retains ${slot.retainedBytes} bytes of WAL (limit ${limit}); the stream is falling behind and the slot is dropped at the limit`,
    );
  }
  if (slot.walStatus === 'unreserved') warnings.push(`replication slot ${slot.slot} is about to lose WAL (wal_status unreserved)`);
  return warnings;
}
