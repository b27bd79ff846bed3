import { resolveConnection } from '../connections';
import { compileMapping, EntityMapping, Row } from '../mapping/entity';
import type { EntitySpec, MigrationSpec, SideSpec } from '../spec/schema';
import { mongoEntity, MongoEntityOptions } from './mongo/entity';
import { mysqlEntity, MysqlEntityOptions } from './mysql/entity';
import { pgEntity, PgEntityOptions } from './pg/entity';
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
  const store = sideOptions(spec, entityName, side);
  if (store.kind === 'mysql') return mysqlEntity(store.options);
  return store.kind === 'postgres' ? pgEntity(store.options) : mongoEntity(store.options);
}

export type SideOptions =
  | { kind: 'postgres'; options: PgEntityOptions }
  | { kind: 'mongodb'; options: MongoEntityOptions }
  | { kind: 'mysql'; options: MysqlEntityOptions };

/** How one side of an entity is stored and mapped: what a connector (or a direct copy) is built from. */
export function sideOptions(spec: MigrationSpec, entityName: string, side: 'source' | 'target'): SideOptions {
  const entity = findEntity(spec, entityName);
  const mapping = compileMapping(entity);
  const isSource = side === 'source';
  const [store, other] = isSource ? [entity.from, entity.to] : [entity.to, entity.from];
  return storeOptions(side, isSource ? spec.source : spec.target, entity, mapping, {
    store,
    storedKey: isSource ? mapping.sourceKey : mapping.targetKey,
    version: isSource ? mapping.sourceVersion : mapping.targetVersion,
    // Child tables exist on the PostgreSQL side of a PostgreSQL ↔ MongoDB entity.
    embeds: !!store.table && !!other.collection,
    toRecord: isSource ? mapping.toTarget : same,
    fromRecord: isSource ? mapping.toSource : same,
    quarantined: isSource ? mapping.withoutDropped : <T>(row: Record<string, T>) => row,
  });
}

interface SideWiring {
  store: { table?: string; collection?: string };
  storedKey: string[];
  version?: string;
  embeds: boolean;
  toRecord(row: Row): MappedRecord;
  fromRecord(record: MappedRecord): Row;
  quarantined<T>(row: Record<string, T>): Record<string, T>;
}

function storeOptions(side: 'source' | 'target', sideSpec: SideSpec, entity: EntitySpec, mapping: EntityMapping, w: SideWiring): SideOptions {
  const conn = resolveConnection(sideSpec.connection);
  const common = {
    entity: entity.name,
    side,
    conn,
    version: w.version,
    recordKey: mapping.targetKey,
    toRecord: w.toRecord,
    fromRecord: w.fromRecord,
    quarantined: w.quarantined,
  };
  if (w.store.table && conn.kind === 'mysql') {
    if (w.embeds) throw new Error(`entity ${entity.name}: embedding child tables on a MySQL side is not supported yet`);
    return { kind: 'mysql', options: { ...common, table: w.store.table, key: w.storedKey, zone: entity.timestampZone } };
  }
  if (w.store.table) {
    if (conn.kind !== 'postgres') throw new Error(`entity ${entity.name}: ${side} names a table but connection ${conn.name} is ${conn.kind}`);
    return {
      kind: 'postgres',
      options: {
        ...common,
        table: w.store.table,
        key: w.storedKey,
        children: w.embeds ? entity.embed.map((e) => ({ table: e.table, key: e.key, foreignKey: e.foreignKey, as: e.as })) : [],
        zone: entity.timestampZone,
      },
    };
  }
  if (conn.kind !== 'mongodb') throw new Error(`entity ${entity.name}: ${side} names a collection but connection ${conn.name} is ${conn.kind}`);
  return {
    kind: 'mongodb',
    options: {
      ...common,
      database: sideSpec.database!,
      collection: w.store.collection!,
      storedKey: w.storedKey,
      dialect: sideSpec.dialect,
      microseconds: entity.microseconds,
    },
  };
}
