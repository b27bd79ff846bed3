import { openSource, openTarget } from '../connectors';
import { findEntity } from '../connectors/open';
import type { EntityConnector, Key } from '../connectors/types';
import { compileMapping } from '../mapping/entity';
import type { MigrationSpec } from '../spec/schema';
import type { EntityAccess, EntityRoute, RouterRecord, WriteContext } from './types';

/**
 * Data access generated from the spec: the old database is the spec's source, the new one its
 * target, both through the connectors, so records are in the target shape on either side.
 * Both sides write under the version guard when the entity has a version field: the secondary so
 * that an out-of-order dual write or a racing backfill never replaces a newer row nor re-creates a
 * deleted one (tombstones); the primary so that it refuses what the secondary would refuse, and
 * two instances writing one key from the same version end with the same winner on both
 * databases: the loser's request fails. The primary's update replaces an existing record only,
 * so an update racing a delete fails instead of re-creating the record. This needs the
 * application to advance the version on every write, also across a delete and re-create
 * (docs/architecture.md, "Backfill never overwrites fresher data").
 * A delete on the secondary removes nothing newer than what the primary's delete removed; a
 * newer record there (a racing insert's) is kept and the call fails, which queues the key for
 * reconciliation from the primary.
 */
export function specRoutes(spec: MigrationSpec, entities = spec.entities.map((e) => e.name)): Record<string, EntityRoute> {
  return Object.fromEntries(entities.map((name) => [name, specRoute(spec, name)]));
}

export function specRoute(spec: MigrationSpec, entity: string): EntityRoute {
  const versioned = !!compileMapping(findEntity(spec, entity)).targetVersion;
  const source = openSource(spec, entity);
  const target = openTarget(spec, entity);
  const storedForm = target.storedForm;
  return {
    old: connectorAccess(source, versioned),
    new: connectorAccess(target, versioned, source.storedForm),
    keyOf: source.keyOf,
    ...(storedForm && { storedByNew: async (record: RouterRecord) => (await storedForm([record]))[0] }),
  };
}

/**
 * `sourceForm`: on the new database, a record is first taken as the source stores it (its declared
 * column types), so what the router writes there is what the backfill and the stream copy: an
 * application's JavaScript number for a bigint column is an int64, not a double past 2^31, and
 * verification sees one type per column.
 */
export function connectorAccess(c: EntityConnector, versioned: boolean, sourceForm?: EntityConnector['storedForm']): EntityAccess {
  const put = (existingOnly: boolean) => async (given: RouterRecord, ctx: WriteContext) => {
    const primary = ctx.role === 'primary';
    const record = sourceForm ? await inSourceForm(sourceForm, given) : given;
    const r = await c.writeBatch([record], { versionGuard: versioned, existingOnly: existingOnly && primary });
    const key = JSON.stringify(c.keyOf(record));
    // A record the database cannot hold exactly is quarantined by the connector; for the caller it is not written.
    if (r.quarantined) throw new Error(`${c.entity} ${key}: cannot be stored exactly in the ${c.kind} ${c.side}; quarantined`);
    if (!primary || r.written > 0) return;
    if (existingOnly)
      throw new Error(`${c.entity} ${key}: does not exist in the ${c.kind} ${c.side} (deleted?) or holds a version not older than this one; not updated`);
    throw new Error(`${c.entity} ${key}: the ${c.kind} ${c.side} holds a version not older than this one (or deleted it at that version); not written`);
  };
  return {
    get: async (key: Key) => {
      const { records, rejected } = await c.fetchByKeys([key]);
      // The record exists but cannot be mapped: answering "absent" would invite a re-insert over it.
      if (rejected.length)
        throw new Error(`${c.entity} ${JSON.stringify(key)}: the ${c.kind} ${c.side} holds a record that cannot be decoded (${rejected[0].reason})`);
      return records[0];
    },
    insert: put(false),
    update: put(true),
    delete: async (key: Key, ctx: WriteContext) => {
      const shared = ctx.deleted;
      // The secondary removes nothing newer than the primary did, when the primary said what that was.
      const guarded = versioned && ctx.role === 'secondary' && shared !== undefined && 'removed' in shared;
      const r = await c.deleteKeys([key], guarded ? { upTo: shared.removed ?? null } : {});
      if (ctx.role === 'primary' && shared) shared.removed = r.removedVersion ?? null;
      if (r.kept.length)
        throw new Error(
          `${c.entity} ${JSON.stringify(key)}: the ${c.kind} ${c.side} holds a newer version than the one deleted on the primary (a racing write); kept for reconciliation`,
        );
    },
  };
}

/**
 * The source's form needs its catalog, read once per process: in a process started while the old
 * database is down (after the switch, when the new one is primary) the record is written as given
 * rather than failing the request; verification names any column type that then differs.
 */
async function inSourceForm(sourceForm: NonNullable<EntityConnector['storedForm']>, record: RouterRecord): Promise<RouterRecord> {
  try {
    return (await sourceForm([record]))[0];
  } catch {
    return record;
  }
}
