import { FidelityError } from '../../mapping/errors';
import { parseExactJson } from '../../mapping/exact-json';
import type { Row } from '../../mapping/entity';
import { decimalAtScale, plainDecimal, Value } from '../../mapping/values';
import type { MappedRecord } from '../types';
import type { PgColumn, PgTable } from './catalog';
import type { PgContext } from './context';
import { decodeScalar } from './decode';
import { encodeStored, PgInput } from './encode';

/**
 * A record as this table would store it and read it back: the form verification compares a
 * source record in, so data that was written exactly never counts as a difference.
 * - values are taken under the column's declared type: a sub-document in a jsonb column as JSON
 *   holds it (a Date becomes its ISO text, an ObjectId its hex), a number in a numeric column as
 *   the decimal read back;
 * - embedded children as their child table holds them: every child carries the foreign key (the
 *   parent's key) and every column (NULL where the child has no such field), in child-key order,
 *   and an absent or null array is no children at all.
 * A value the column would refuse stays as it is: its record is quarantined, and differs.
 */
export function storedForm(ctx: PgContext, record: MappedRecord): MappedRecord {
  const { zone } = ctx.options;
  const out = storedRow(ctx.table, record, zone);
  const parentKey = record[ctx.key[0].name];
  for (const child of ctx.children) {
    const list = record[child.as];
    const rows = (Array.isArray(list) ? list : []).map((item) =>
      storedRow(child.table, { ...(item as Row), [child.foreignKey.name]: parentKey ?? null }, zone),
    );
    out[child.as] = rows.sort((a, b) =>
      compareKeys(
        child.key.map((c) => a[c.name]),
        child.key.map((c) => b[c.name]),
      ),
    );
  }
  return out;
}

/** A row as the table stores it: a column the record lacks is NULL where the write would leave it NULL (no default, not filled by the database). */
function storedRow(table: PgTable, row: Row, zone: string): Row {
  const out: Row = {};
  for (const column of table.columns.values()) if (!column.computed && column.defaultSql === undefined) out[column.name] = null;
  for (const [field, value] of Object.entries(row)) {
    const column = table.columns.get(field);
    out[field] = column && value !== undefined ? storedValue(column, value, zone) : value;
  }
  return out;
}

function storedValue(column: PgColumn, value: Value, zone: string): Value {
  let input: PgInput;
  try {
    input = encodeStored(column, value, zone);
  } catch (err) {
    if (err instanceof FidelityError) return value;
    throw err;
  }
  return readBack(column, column.elementType ?? column.type, input, value, zone);
}

/**
 * What the column reads back for the input a write hands it, through the reader's own decoder
 * (decode.ts): the input is the type's text, except a numeric, printed at the column's scale, and
 * a uuid, printed lower-case. Booleans, bytes and dates read back as the value they were.
 */
function readBack(column: PgColumn, type: string, input: PgInput, value: Value, zone: string): Value {
  if (input === null) return null;
  if (Array.isArray(input)) return input.map((x, i) => readBack(column, type, x, (value as Value[])[i], zone));
  if (typeof input === 'object') return parseExactJson(input.$json);
  if (typeof input === 'boolean' || KEPT.has(type)) return value;
  if (type === 'numeric') return decodeScalar(column.name, type, numericText(input, column.limit), zone);
  return decodeScalar(column.name, type, type === 'uuid' ? input.toLowerCase() : input, zone);
}

const KEPT = new Set(['bytea', 'timestamptz', 'timestamp', 'date']);

/** A numeric as PostgreSQL prints it: plain digits, at the column's scale when it has one, no -0. */
function numericText(input: string, limit: PgColumn['limit']): string {
  if (!/\d/.test(input)) return input;
  const plain = plainDecimal(input);
  if (limit?.kind === 'numeric') return decimalAtScale(plain, Math.max(0, limit.scale));
  return /^-0*(\.0*)?$/.test(plain) ? plain.slice(1) : plain;
}

/** Key order as PostgreSQL sorts the child rows it reads: numbers by value, text bytewise (COLLATE "C"). */
function compareKeys(a: Value[], b: Value[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i], b[i]);
    if (c) return c;
  }
  return 0;
}

function compareValues(a: Value, b: Value): number {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(String(a)), Buffer.from(String(b)));
}
