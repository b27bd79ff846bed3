import { Client, types } from 'cassandra-driver';
import { FidelityError } from '../../mapping/errors';
import { microsOf, Value } from '../../mapping/values';
import { ident, qualified, TableShape } from './schema';

/**
 * The write timestamp a version becomes (docs/phases.md, "Version guard"): Cassandra keeps, per
 * cell, the write with the highest timestamp, and a delete's tombstone hides every write at or
 * below its timestamp. So every write and delete carries USING TIMESTAMP from the version field,
 * and the newest version wins natively, whatever order the writes arrive in. A timestamp version
 * is its microseconds since 1970; an integer version is itself.
 */
export function versionTimestamp(field: string, version: Value | undefined): bigint {
  if (typeof version === 'bigint' && version >= 0n) return version;
  if (typeof version === 'number' && Number.isSafeInteger(version) && version >= 0) return BigInt(version);
  if (version instanceof Date && !Number.isNaN(version.getTime())) return BigInt(version.getTime()) * 1000n + BigInt(microsOf(version));
  throw new FidelityError(field, 'a Cassandra version must be a timestamp or a non-negative integer: it becomes the write timestamp');
}

export interface CqlTable {
  client: Client;
  shape: TableShape;
  key: string[];
  columns: string[];
  version?: string;
}

const where = (t: CqlTable) => t.key.map((k) => `${ident(k)} = ?`).join(' AND ');

/** Writes one row at its version's timestamp (an unversioned entity: at the server's time, or only if absent when `ifAbsent`). */
export async function insertRow(t: CqlTable, values: unknown[], timestamp: bigint | undefined, ifAbsent = false): Promise<boolean> {
  const cols = t.columns.map(ident).join(', ');
  const marks = t.columns.map(() => '?').join(', ');
  const using = timestamp !== undefined ? ' USING TIMESTAMP ?' : '';
  const cql = `INSERT INTO ${qualified(t.shape)} (${cols}) VALUES (${marks})${ifAbsent ? ' IF NOT EXISTS' : ''}${using}`;
  const result = await t.client.execute(cql, timestamp !== undefined ? [...values, timestamp] : values, { prepare: true });
  return ifAbsent ? result.wasApplied() : true;
}

/** The row's version value and that column's write timestamp; undefined when the row is absent. */
export async function storedVersion(t: CqlTable, key: unknown[]): Promise<{ version: unknown; writtenAt: bigint | null } | undefined> {
  const v = ident(t.version!);
  const result = await t.client.execute(`SELECT ${v}, WRITETIME(${v}) AS written_at FROM ${qualified(t.shape)} WHERE ${where(t)}`, key, { prepare: true });
  const row = result.first();
  if (!row) return undefined;
  return { version: row[t.version!], writtenAt: row.written_at === null ? null : BigInt(row.written_at as bigint) };
}

export async function rowExists(t: CqlTable, key: unknown[]): Promise<boolean> {
  const result = await t.client.execute(`SELECT ${ident(t.key[0])} FROM ${qualified(t.shape)} WHERE ${where(t)}`, key, { prepare: true });
  return result.rowLength > 0;
}

/** Deletes one row: every cell written at or below `timestamp` (the server's time when absent). */
export async function deleteRow(t: CqlTable, key: unknown[], timestamp: bigint | undefined): Promise<void> {
  const using = timestamp !== undefined ? ' USING TIMESTAMP ?' : '';
  await t.client.execute(`DELETE FROM ${qualified(t.shape)}${using} WHERE ${where(t)}`, timestamp !== undefined ? [timestamp, ...key] : key, { prepare: true });
}

/**
 * The newest write timestamp among the row's single-cell regular columns (WRITETIME does not
 * apply to key columns or unfrozen collections); undefined when the row is absent or has none.
 */
export async function newestWrite(t: CqlTable, key: unknown[]): Promise<bigint | undefined> {
  const cells = t.columns.filter((c) => !t.key.includes(c) && !isMultiCell(t.shape.columns.get(c)!));
  if (!cells.length) return undefined;
  const select = cells.map((c, i) => `WRITETIME(${ident(c)}) AS w${i}`).join(', ');
  const row = (await t.client.execute(`SELECT ${select} FROM ${qualified(t.shape)} WHERE ${where(t)}`, key, { prepare: true })).first();
  if (!row) return undefined;
  const times = cells
    .map((_, i) => row[`w${i}`])
    .filter((w): w is bigint => w !== null && w !== undefined)
    .map((w) => BigInt(w));
  return times.length ? times.reduce((a, b) => (a > b ? a : b)) : undefined;
}

function isMultiCell(type: { code: number; options?: { frozen?: boolean } }): boolean {
  return [types.dataTypes.list, types.dataTypes.set, types.dataTypes.map].includes(type.code) && !type.options?.frozen;
}
