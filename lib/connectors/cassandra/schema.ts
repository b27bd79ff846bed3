import type { Client, types } from 'cassandra-driver';

export type TypeInfo = { code: types.dataTypes; info?: unknown };

export interface TableShape {
  keyspace: string;
  table: string;
  partition: string[];
  clustering: string[];
  columns: Map<string, TypeInfo>;
}

/** A table's key and column types from the driver's schema metadata; undefined if it does not exist. */
export async function tableShape(client: Client, keyspace: string, table: string): Promise<TableShape | undefined> {
  const meta = await client.metadata.getTable(keyspace, table);
  if (!meta) return undefined;
  return {
    keyspace,
    table,
    partition: meta.partitionKeys.map((c) => c.name),
    clustering: meta.clusteringKeys.map((c) => c.name),
    columns: new Map(meta.columns.map((c) => [c.name, c.type as TypeInfo])),
  };
}

/** A CQL identifier, quoted so that case and reserved words survive. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(shape: Pick<TableShape, 'keyspace' | 'table'>): string {
  return `${ident(shape.keyspace)}.${ident(shape.table)}`;
}
