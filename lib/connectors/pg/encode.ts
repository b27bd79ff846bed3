import { Binary, Decimal128, Double, Long, ObjectId } from 'mongodb';
import { FidelityError } from '../../mapping/errors';
import { stringifyExactJson } from '../../mapping/exact-json';
import { isoMicros, microsOf, Numeric, Value } from '../../mapping/values';
import { instantToWallClock } from '../../mapping/zone';
import { describeValue } from '../keys';
import type { PgColumn } from './catalog';
import { limitViolation, TypeLimit } from './limits';

/**
 * Neutral value → what json_populate_recordset hands to the column's input function: a string
 * in the type's text form (or a JSON tree for json/jsonb, nested arrays for arrays). A value that
 * does not fit the column exactly throws FidelityError; it is never coerced.
 */
export type PgInput = string | boolean | null | PgInput[] | { $json: string };

const INT_RANGE: Record<string, [bigint, bigint]> = {
  int2: [-32768n, 32767n],
  int4: [-2147483648n, 2147483647n],
  int8: [-9223372036854775808n, 9223372036854775807n],
  oid: [0n, 4294967295n],
};
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);
/** The strings dialect "ferretdb" stores for doubles it cannot hold (codec.ts); float columns read them back. */
const FLOAT_STRINGS = new Set([...NON_FINITE, '-0']);
const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'name', 'citext']);

export function encodeColumn(column: PgColumn, value: Value | undefined, zone: string): PgInput {
  if (value === null || value === undefined) return null;
  if (column.elementType) {
    if (!Array.isArray(value)) throw mismatch(column, value, 'an array');
    const element = column.elementType;
    return value.map(function walk(x: Value): PgInput {
      return Array.isArray(x) ? x.map(walk) : x === null ? null : encodeScalar(column, element, x, zone);
    });
  }
  if (column.type === 'json' || column.type === 'jsonb') return { $json: stringifyExactJson(column.name, value) };
  return encodeScalar(column, column.type, value, zone);
}

/**
 * encodeColumn for a value to be stored, which must also fit the column's type modifier. Keys
 * used only as range bounds or lookups go through encodeColumn: they need not fit to compare.
 */
export function encodeStored(column: PgColumn, value: Value | undefined, zone: string): PgInput {
  const input = encodeColumn(column, value, zone);
  if (column.limit) checkLimit(column.name, column.limit, input);
  return input;
}

function checkLimit(field: string, limit: TypeLimit, input: PgInput): void {
  if (Array.isArray(input)) {
    for (const element of input) checkLimit(field, limit, element);
  } else if (typeof input === 'string') {
    const reason = limitViolation(limit, input);
    if (reason) throw new FidelityError(field, reason);
  }
}

function encodeScalar(column: PgColumn, type: string, v: Value, zone: string): PgInput {
  const expect = (what: string) => mismatch(column, v, what);
  if (type in INT_RANGE) {
    const n = integerOf(v);
    const [min, max] = INT_RANGE[type];
    if (n === undefined || n < min || n > max) throw expect(`an integer in ${type} range`);
    return n.toString();
  }
  switch (type) {
    case 'numeric': {
      if (v instanceof Numeric || v instanceof Decimal128) return v.toString();
      const n = numberOf(v);
      if (n !== undefined) return String(n);
      if (typeof v === 'bigint' || v instanceof Long) return v.toString();
      // FerretDB keeps decimals as strings (dialect "ferretdb"); only exact decimal text passes.
      if (typeof v === 'string' && (DECIMAL.test(v) || NON_FINITE.has(v))) return v;
      throw expect('a decimal');
    }
    case 'float4':
    case 'float8': {
      let n = numberOf(v);
      if (n === undefined && typeof v === 'string' && FLOAT_STRINGS.has(v)) n = Number(v);
      const big = integerOf(v);
      if (n === undefined && big !== undefined && Number.isSafeInteger(Number(big))) n = Number(big);
      if (n === undefined) throw expect('a number');
      if (type === 'float4' && !Object.is(Math.fround(n), n)) throw expect('a number that float4 holds exactly');
      // String(-0) is "0"; PostgreSQL floats keep the sign of zero.
      return Object.is(n, -0) ? '-0' : String(n);
    }
    case 'bool':
      if (typeof v !== 'boolean') throw expect('a boolean');
      return v;
    case 'bytea':
      if (!(v instanceof Binary)) throw expect('binary data');
      return `\\x${Buffer.from(v.buffer).toString('hex')}`;
    case 'uuid':
      if (v instanceof Binary && v.sub_type === Binary.SUBTYPE_UUID) return v.toUUID().toHexString(true);
      if (typeof v !== 'string' || !UUID.test(v)) throw expect('a uuid');
      return v;
    case 'timestamptz':
      if (!(v instanceof Date)) throw expect('a date');
      return isoMicros(v);
    case 'timestamp':
      if (!(v instanceof Date)) throw expect('a date');
      return instantToWallClock(v, microsOf(v), zone);
    case 'date': {
      if (!(v instanceof Date) || v.getTime() % 86_400_000 !== 0 || microsOf(v)) throw expect('a date at 00:00 UTC');
      return v.toISOString().slice(0, 10);
    }
    default:
      if (typeof v === 'string') return v;
      if (v instanceof ObjectId && TEXT_TYPES.has(type)) return v.toHexString();
      throw expect(TEXT_TYPES.has(type) || column.isEnum ? 'a string' : `a string in ${type} text form`);
  }
}

function integerOf(v: Value): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (v instanceof Long) return v.toBigInt();
  const n = numberOf(v);
  return n !== undefined && Number.isSafeInteger(n) ? BigInt(n) : undefined;
}

function numberOf(v: Value): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof Double) return v.value;
  return undefined;
}

function mismatch(column: PgColumn, value: Value, expected: string): FidelityError {
  return new FidelityError(column.name, `column ${column.name} (${column.typeDecl}) expects ${expected}, got ${describeValue(value)}`);
}

/** The JSON text for json_populate_recordset; $json trees are spliced in unquoted. */
export function rowsToJson(rows: Array<Record<string, PgInput>>): string {
  const parts: string[] = [];
  for (const row of rows) {
    const fields: string[] = [];
    for (const [k, v] of Object.entries(row)) fields.push(`${JSON.stringify(k)}:${inputJson(v)}`);
    parts.push(`{${fields.join(',')}}`);
  }
  return `[${parts.join(',')}]`;
}

function inputJson(v: PgInput): string {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v.$json;
  if (Array.isArray(v)) return `[${v.map(inputJson).join(',')}]`;
  return JSON.stringify(v);
}
