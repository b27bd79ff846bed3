import { Context } from '@temporalio/activity';
import type { Key } from '../lib/connectors/types';
import { countWrittenKeys, queueWrittenKeysForOld, readWrittenKeys } from '../lib/control';
import { log } from '../lib/log';
import { metrics } from '../lib/metrics';
import type { Phase } from '../lib/spec/lifecycle';
import type { MigrationSpec } from '../lib/spec/schema';
import { controlPool } from './control-pool';
import { copyKeys } from './copy-keys';
import { openSides, versionFieldOf } from './entity-sides';

export interface CopyBackInput {
  migrationId: string;
  spec: MigrationSpec;
  /** Routing version of the write switch: keys the routers recorded from then on are copied. */
  sinceVersion: number;
  /** The phase being undone, for the log line (absent from inputs scheduled before it was added). */
  phase?: Phase;
}

export interface CopyBackCursor {
  entityIndex: number;
  after?: Key;
  copied: Record<string, number>;
}

const PAGE = 500;

/**
 * Rolling back past the write switch: the new database has been primary, so every key written
 * since the switch is copied from it to the old one (version-guarded, so nothing fresher on the
 * old side is replaced), and keys deleted on the new side are deleted on the old side. Resumes
 * from its heartbeat cursor after a retry.
 */
export async function copyBackWrittenKeys(input: CopyBackInput): Promise<Record<string, number>> {
  const ctx = Context.current();
  const cursor: CopyBackCursor = ctx.info.heartbeatDetails ?? { entityIndex: 0, copied: {} };
  await copyPages(input, cursor, Infinity);
  logCopiedBack(input, cursor);
  return cursor.copied;
}

export interface CopyBackSliceInput extends CopyBackInput {
  /** Where the previous slice stopped; absent for the first. */
  cursor?: CopyBackCursor;
  /** Keys to copy at most in this slice, so that each call is short and the workflow reports progress between calls. */
  maxKeys: number;
}

export interface CopyBackSlice {
  cursor: CopyBackCursor;
  done: boolean;
}

/** One bounded slice of the copy-back: the workflow drives the cursor, so it can stop, report and ask between slices. */
export async function copyBackSlice(input: CopyBackSliceInput): Promise<CopyBackSlice> {
  const ctx = Context.current();
  const cursor: CopyBackCursor = ctx.info.heartbeatDetails ?? input.cursor ?? { entityIndex: 0, copied: {} };
  const done = await copyPages(input, cursor, input.maxKeys);
  if (done) logCopiedBack(input, cursor);
  return { cursor, done };
}

function logCopiedBack(input: CopyBackInput, cursor: CopyBackCursor): void {
  log.info(
    { migrationId: input.migrationId, phase: input.phase, copied: cursor.copied },
    'copied keys written since the write switch back to the old database',
  );
}

/** Copies written keys page by page from the cursor until `budget` keys are copied or none are left; true when none are left. */
async function copyPages(input: CopyBackInput, cursor: CopyBackCursor, budget: number): Promise<boolean> {
  const ctx = Context.current();
  const pool = controlPool(input.spec.control.connection);
  let left = budget;
  for (; cursor.entityIndex < input.spec.entities.length; cursor.entityIndex++, cursor.after = undefined) {
    const entity = input.spec.entities[cursor.entityIndex].name;
    const ref = { migrationId: input.migrationId, spec: input.spec, entity };
    const { source: old, target: fresh } = await openSides(ref);
    const version = versionFieldOf(ref);
    for (;;) {
      if (left <= 0) return false;
      const keys = (await readWrittenKeys(pool, input.migrationId, entity, input.sinceVersion, cursor.after, Math.min(PAGE, left))) as Key[];
      if (keys.length === 0) break;
      await copyKeys(fresh, old, keys, version);
      cursor.copied[entity] = (cursor.copied[entity] ?? 0) + keys.length;
      cursor.after = keys[keys.length - 1];
      left -= keys.length;
      metrics.rowsCopiedBack.inc({ migration_id: input.migrationId, entity }, keys.length);
      ctx.heartbeat(cursor);
    }
  }
  return true;
}

/** How many keys the copy-back has to copy, for its progress in status. Control store only. */
export async function countKeysToCopyBack(input: CopyBackInput): Promise<number> {
  return countWrittenKeys(controlPool(input.spec.control.connection), input.migrationId, input.sinceVersion);
}

/**
 * Routing moves before the copy-back finished: every key written since the switch is queued for
 * the old database, so the drain copies it once the new database answers. Control store only,
 * so it works while the new database is down.
 */
export async function queueCopyBackKeys(input: CopyBackInput & { reason: string }): Promise<number> {
  const queued = await queueWrittenKeysForOld(controlPool(input.spec.control.connection), input.migrationId, input.sinceVersion, input.reason);
  log.warn(
    { migrationId: input.migrationId, phase: input.phase, queued },
    'routing moves before the copy-back finished: keys written since the switch queued for the old database',
  );
  return queued;
}
