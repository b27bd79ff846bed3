import { resolveConnection } from '../connections';
import { compileMapping, EntityMapping, Row } from '../mapping/entity';
import type { EntitySpec, MigrationSpec, SideSpec } from '../spec/schema';
import { mongoEntity } from './mongo/entity';
import { pgEntity } from './pg/entity';
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
  const entity = findEntity(spec, entityName);
  const mapping = compileMapping(entity);
  const isSource = side === 'source';
  const [store, other] = isSource ? [entity.from, entity.to] : [entity.to, entity.from];
  return openSide(side, isSource ? spec.source : spec.target, entity, mapping, {
    store,
    storedKey: isSource ? mapping.sourceKey : mapping.targetKey,
    version: isSource ? mapping.sourceVersion : mapping.targetVersion,
    // Child tables exist on the PostgreSQL side of a PostgreSQL ↔ MongoDB entity.
    embeds: !!store.table && !!other.collection,
    toRecord: isSource ? mapping.toTarget : same,
    fromRecord: isSource ? mapping.toSource : same,
  });
}

interface SideWiring {
  store: { table?: string; collection?: string };
  storedKey: string[];
  version?: string;
  embeds: boolean;
  toRecord(row: Row): MappedRecord;
  fromRecord(record: MappedRecord): Row;
}

function openSide(side: 'source' | 'target', sideSpec: SideSpec, entity: EntitySpec, mapping: EntityMapping, w: SideWiring): EntityConnector {
  const conn = resolveConnection(sideSpec.connection);
  const common = { entity: entity.name, side, conn, version: w.version, recordKey: mapping.targetKey, toRecord: w.toRecord, fromRecord: w.fromRecord };
  if (w.store.table) {
    if (conn.kind !== 'postgres') throw new Error(`entity ${entity.name}: ${side} names a table but connection ${conn.name} is ${conn.kind}`);
    return pgEntity({
      ...common,
      table: w.store.table,
      key: w.storedKey,
      children: w.embeds ? entity.embed.map((e) => ({ table: e.table, key: e.key, foreignKey: e.foreignKey, as: e.as })) : [],
      zone: entity.timestampZone,
    });
  }
  if (conn.kind !== 'mongodb') throw new Error(`entity ${entity.name}: ${side} names a collection but connection ${conn.name} is ${conn.kind}`);
  return mongoEntity({
    ...common,
    database: sideSpec.database!,
    collection: w.store.collection!,
    storedKey: w.storedKey,
    dialect: sideSpec.dialect,
    microseconds: entity.microseconds,
  });
}
