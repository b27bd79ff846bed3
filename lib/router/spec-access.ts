import { openSource, openTarget } from '../connectors';
import { findEntity } from '../connectors/open';
import type { EntityConnector, Key } from '../connectors/types';
import { compileMapping } from '../mapping/entity';
import type { MigrationSpec } from '../spec/schema';
import type { EntityAccess, EntityRoute, RouterRecord, WriteContext } from './types';

/**
 * Data access generated from the spec: the old database is the spec's source, the new one its
 * target, both through the connectors, so records are in the target shape on either side.
 * Insert and update are the same upsert (the connectors have no other write). The primary
 * writes unconditionally: the application is the authority there. The secondary writes under
 * the version guard when the entity has a version field, so an out-of-order dual write or a
 * racing backfill never replaces a newer row; this needs the application to advance the version
 * on every update (docs/architecture.md, "Backfill never overwrites fresher data").
 */
export function specRoutes(spec: MigrationSpec, entities = spec.entities.map((e) => e.name)): Record<string, EntityRoute> {
  return Object.fromEntries(entities.map((name) => [name, specRoute(spec, name)]));
}

export function specRoute(spec: MigrationSpec, entity: string): EntityRoute {
  const versioned = !!compileMapping(findEntity(spec, entity)).targetVersion;
  const source = openSource(spec, entity);
  return { old: connectorAccess(source, versioned), new: connectorAccess(openTarget(spec, entity), versioned), keyOf: source.keyOf };
}

export function connectorAccess(c: EntityConnector, versioned: boolean): EntityAccess {
  const put = async (record: RouterRecord, ctx: WriteContext) => {
    const r = await c.writeBatch([record], { versionGuard: versioned && ctx.role === 'secondary' });
    // A record the database cannot hold exactly is quarantined by the connector; for the caller it is not written.
    if (r.quarantined) throw new Error(`${c.entity} ${JSON.stringify(c.keyOf(record))}: cannot be stored exactly in the ${c.kind} ${c.side}; quarantined`);
  };
  return {
    get: async (key: Key) => (await c.fetchByKeys([key]))[0],
    insert: put,
    update: put,
    delete: async (key: Key) => { await c.deleteKeys([key]); },
  };
}
