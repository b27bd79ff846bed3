import { types } from 'cassandra-driver';
import { FidelityError } from '../../mapping/errors';
import { microsOf, PreciseDate, Value } from '../../mapping/values';
import { MICROS_SUFFIX } from '../mongo/codec';
import { decodeValue, encodeValue } from './codec';
import type { TableShape } from './schema';

export type Microseconds = 'keep' | 'truncate';

const isTimestamp = (shape: TableShape, column: string) => shape.columns.get(column)?.code === types.dataTypes.timestamp;
/** A `<timestamp column>__us` int column keeps that timestamp's microseconds beyond the millisecond. */
const isMicros = (shape: TableShape, column: string) => column.endsWith(MICROS_SUFFIX) && isTimestamp(shape, column.slice(0, -MICROS_SUFFIX.length));

/**
 * A record as the values of every column of the table, in `columns` order: a field the record
 * lacks is null (the row then equals the record), a field the table lacks is refused. A
 * timestamp's microseconds go to its `__us` column; without one they are refused unless the
 * entity says "microseconds": "truncate".
 */
export function encodeRow(record: Record<string, Value>, shape: TableShape, columns: string[], microseconds: Microseconds): unknown[] {
  for (const field of Object.keys(record))
    if (!shape.columns.has(field) || isMicros(shape, field)) throw new FidelityError(field, `table ${shape.keyspace}.${shape.table} has no column ${field}`);
  return columns.map((column) => {
    if (isMicros(shape, column)) {
      const at = record[column.slice(0, -MICROS_SUFFIX.length)];
      return at instanceof Date ? microsOf(at) : null;
    }
    const value = record[column] ?? null;
    if (value instanceof Date && microsOf(value) && microseconds === 'keep' && !shape.columns.has(column + MICROS_SUFFIX))
      throw new FidelityError(
        column,
        `${microsOf(value)} µs beyond the millisecond, which a Cassandra timestamp cannot hold: add a ${column}${MICROS_SUFFIX} int column or set "microseconds": "truncate"`,
      );
    return encodeValue(column, value, shape.columns.get(column)!);
  });
}

/** A row read from the table (or bound to it) as a record; `__us` columns fold back into their timestamps. */
export function decodeRow(row: Record<string, unknown>, shape: TableShape): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [column, type] of shape.columns) {
    if (isMicros(shape, column) || !(column in row)) continue;
    const value = decodeValue(row[column], type);
    const micros = row[column + MICROS_SUFFIX];
    out[column] = value instanceof Date && typeof micros === 'number' && micros > 0 ? new PreciseDate(value.getTime(), micros) : value;
  }
  return out;
}

/** Every column of the table in a fixed order: the bind order of writes. */
export function allColumns(shape: TableShape): string[] {
  return [...shape.columns.keys()];
}

/** About a row's size as read, for throughput figures: strings and blobs by their bytes, anything else 8. */
export function rowBytes(row: Record<string, unknown>): number {
  let n = 0;
  for (const [column, v] of Object.entries(row)) n += column.length + (typeof v === 'string' ? Buffer.byteLength(v) : Buffer.isBuffer(v) ? v.length : 8);
  return n;
}
