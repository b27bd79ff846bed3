import { Context } from '@temporalio/activity';
import type { Key } from '../lib/connectors/types';
import { readWrittenKeys } from '../lib/control';
import { log } from '../lib/log';
import { metrics } from '../lib/metrics';
import type { Phase } from '../lib/spec/lifecycle';
import type { MigrationSpec } from '../lib/spec/schema';
import { controlPool } from './control-pool';
import { copyKeys } from './copy-keys';
import { openSides } from './entity-sides';

export interface CopyBackInput {
  migrationId: string;
  spec: MigrationSpec;
  /** Routing version of the write switch: keys the routers recorded from then on are copied. */
  sinceVersion: number;
  /** The phase being undone, for the log line (absent from inputs scheduled before it was added). */
  phase?: Phase;
}

interface CopyBackCursor {
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
  const pool = controlPool(input.spec.control.connection);
  const cursor: CopyBackCursor = ctx.info.heartbeatDetails ?? { entityIndex: 0, copied: {} };
  for (; cursor.entityIndex < input.spec.entities.length; cursor.entityIndex++, cursor.after = undefined) {
    const entity = input.spec.entities[cursor.entityIndex].name;
    const { source: old, target: fresh } = await openSides({ migrationId: input.migrationId, spec: input.spec, entity });
    for (;;) {
      const keys = (await readWrittenKeys(pool, input.migrationId, entity, input.sinceVersion, cursor.after, PAGE)) as Key[];
      if (keys.length === 0) break;
      await copyKeys(fresh, old, keys);
      cursor.copied[entity] = (cursor.copied[entity] ?? 0) + keys.length;
      cursor.after = keys[keys.length - 1];
      metrics.rowsCopiedBack.inc({ migration_id: input.migrationId, entity }, keys.length);
      ctx.heartbeat(cursor);
    }
  }
  log.info({ migrationId: input.migrationId, phase: input.phase, copied: cursor.copied }, 'copied keys written since the write switch back to the old database');
  return cursor.copied;
}
