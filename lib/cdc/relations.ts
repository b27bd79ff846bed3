import type { PoolClient } from 'pg';
import { describeTable, PgColumn } from '../connectors/pg/catalog';
import { toKeyPart } from '../connectors/keys';
import { decodeColumn } from '../connectors/pg/decode';
import { targetVersionOf } from '../mapping/entity';
import type { EntitySpec, MigrationSpec } from '../spec/schema';
import { quoteQualified } from '../sql/identifiers';
import type { WatchedRelation } from './changes';
import { watchedTables } from './tables';

/**
 * The published tables by OID (the relation id in pgoutput messages), each with a decoder from the
 * text values in the WAL to the record key, typed like the parent key so the key matches what the
 * connectors read and write. Matching by OID, not by name, is immune to search_path and quoting.
 */
export async function resolveWatched(client: PoolClient, spec: MigrationSpec): Promise<Map<number, WatchedRelation>> {
  const out = new Map<number, WatchedRelation>();
  const parents = new Map<string, ParentColumns>();
  for (const t of watchedTables(spec)) {
    const entity = spec.entities.find((e) => e.name === t.entity)!;
    const { key: keyColumns, version } = parents.get(t.entity) ?? (await parentColumns(client, entity));
    parents.set(t.entity, { key: keyColumns, version });
    const zone = entity.timestampZone;
    const { rows } = await client.query<{ oid: number }>('select to_regclass($1)::oid::int as oid', [quoteQualified(t.table)]);
    if (rows[0]?.oid == null) throw new Error(`table ${t.table} of entity ${t.entity} does not exist`);
    out.set(rows[0].oid, {
      entity: t.entity,
      role: t.role,
      columns: t.role === 'parent' ? t.key : [t.foreignKey],
      // A foreign key holds the parent's key[0] (how embedding links rows), so it decodes as that column.
      toKey: (values) => values.map((v, i) => toKeyPart(decodeColumn(keyColumns[i], v, zone))),
      ...(version ? { version: versionDecoder(entity, version) } : {}),
    });
  }
  return out;
}

interface ParentColumns {
  key: PgColumn[];
  version?: PgColumn;
}

async function parentColumns(client: PoolClient, entity: EntitySpec): Promise<ParentColumns> {
  const table = await describeTable(client, entity.from.table!);
  const column = (name: string, role: string) => {
    const c = table.columns.get(name);
    if (!c) throw new Error(`table ${entity.from.table} has no ${role} column ${name}`);
    return c;
  };
  return { key: entity.from.key!.map((k) => column(k, 'key')), ...(entity.from.version ? { version: column(entity.from.version, 'version') } : {}) };
}

/** The version as the target stores it: decoded like the connector reads it, then mapped (targetVersionOf). */
function versionDecoder(entity: EntitySpec, column: PgColumn): NonNullable<WatchedRelation['version']> {
  const toTarget = targetVersionOf(entity);
  return { column: column.name, toValue: (text) => toTarget(decodeColumn(column, text, entity.timestampZone)) };
}
