import type { Pool } from 'mysql2/promise';
import { targetVersionOf } from '../../../mapping/entity';
import type { EntitySpec, MigrationSpec } from '../../../spec/schema';
import { toKeyPart } from '../../keys';
import { describeTable, MysqlColumn, MysqlTable } from '../catalog';
import { decodeColumn, RawValue } from '../decode';
import { column } from '../sql';
import type { WatchedTable } from './changes';

export interface WatchedSource extends WatchedTable {
  table: MysqlTable;
  key: MysqlColumn[];
  zone: string;
}

/**
 * Each entity's source table by its qualified name (database.table, as the binlog's table maps
 * name it), with a decoder from a row image to the record key typed as the connector reads it.
 * Embedding child tables on a MySQL side is refused by plan, so every watched table is a parent.
 */
export async function watchedSources(pool: Pool, spec: MigrationSpec): Promise<Map<string, WatchedSource>> {
  const out = new Map<string, WatchedSource>();
  const conn = await pool.getConnection();
  try {
    for (const e of spec.entities) {
      if (!e.from.table) throw new Error(`entity ${e.name}: a MySQL source stores tables, not collections`);
      const table = await describeTable(conn, e.from.table);
      if (!table.exists) throw new Error(`table ${e.from.table} of entity ${e.name} does not exist`);
      const key = e.from.key!.map((k) => column(table, k));
      const zone = e.timestampZone;
      out.set(table.qualified, {
        entity: e.name,
        table,
        key,
        zone,
        toKey: (row) => key.map((c) => toKeyPart(decodeColumn(c, rawOf(row, c), zone))),
        ...(e.from.version ? { versionOf: versionReader(e, column(table, e.from.version)) } : {}),
      });
    }
  } finally {
    conn.release();
  }
  return out;
}

/** The version as the target stores it: decoded like the connector reads it, then mapped (targetVersionOf). */
function versionReader(entity: EntitySpec, c: MysqlColumn): NonNullable<WatchedTable['versionOf']> {
  const toTarget = targetVersionOf(entity);
  return (row) => toTarget(decodeColumn(c, rawOf(row, c), entity.timestampZone));
}

/** A binlog value as the session would have returned it (decode.ts reads text, or bytes for byte columns). */
function rawOf(row: Record<string, unknown>, c: MysqlColumn): RawValue {
  if (!(c.name in row)) throw new Error(`binlog row of ${c.name}'s table has no column ${c.name} (renamed? binlog_row_metadata must be FULL)`);
  const v = row[c.name];
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v;
  return String(v);
}
