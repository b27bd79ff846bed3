import { compileMapping, Row } from '../mapping/entity';
import type { EntitySpec, MigrationSpec } from '../spec/schema';
import type { OpenSide } from './engine';
import { engineFor, resolveConnection } from './engines';
import type { EntityConnector, MappedRecord } from './types';

/**
 * The source side of an entity. Its records come out mapped to the target shape (and go in the
 * same way), so source and target records, keys and hashes compare directly.
 */
export function openSource(spec: MigrationSpec, entityName: string): EntityConnector {
  return openEntity(spec, entityName, 'source');
}

/** The target side of an entity: it stores mapped records as they are. */
export function openTarget(spec: MigrationSpec, entityName: string): EntityConnector {
  return openEntity(spec, entityName, 'target');
}

export function findEntity(spec: MigrationSpec, name: string): EntitySpec {
  const entity = spec.entities.find((e) => e.name === name);
  if (!entity) throw new Error(`spec ${spec.id} has no entity ${JSON.stringify(name)} (it has ${spec.entities.map((e) => e.name).join(', ')})`);
  return entity;
}

const same = (r: Row): MappedRecord => r;

function openEntity(spec: MigrationSpec, entityName: string, side: 'source' | 'target'): EntityConnector {
  const opened = openSide(spec, entityName, side);
  return engineFor(opened.conn).open(opened);
}

/** How one side of an entity is stored and mapped: what a connector (or a direct copy) is built from. */
export function openSide(spec: MigrationSpec, entityName: string, side: 'source' | 'target'): OpenSide {
  const entity = findEntity(spec, entityName);
  const mapping = compileMapping(entity);
  const isSource = side === 'source';
  const [store, other] = isSource ? [entity.from, entity.to] : [entity.to, entity.from];
  const sideSpec = isSource ? spec.source : spec.target;
  const conn = resolveConnection(sideSpec.connection);
  const engine = engineFor(conn);
  const name = store[engine.stores];
  if (!name) {
    const named = engine.stores === 'table' ? 'collection' : 'table';
    throw new Error(`entity ${entity.name}: ${side} names a ${named} but connection ${conn.name} is ${engine.product}, which stores ${engine.stores}s`);
  }
  return {
    entity,
    side,
    sideSpec,
    conn,
    mapping,
    name,
    storedKey: isSource ? mapping.sourceKey : mapping.targetKey,
    recordKey: mapping.targetKey,
    version: isSource ? mapping.sourceVersion : mapping.targetVersion,
    // Child tables exist on the table side of an entity whose other side is a collection.
    embeds: !!store.table && !!other.collection,
    toRecord: isSource ? mapping.toTarget : same,
    fromRecord: isSource ? mapping.toSource : same,
    quarantined: isSource ? mapping.withoutDropped : <T>(row: Record<string, T>) => row,
  };
}
