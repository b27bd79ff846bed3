import { Binary, Decimal128, Double, Filter, Int32, Long, ObjectId } from 'mongodb';
import type { Row } from '../../mapping/entity';
import { FidelityError } from '../../mapping/errors';
import { isPlainObject, Numeric, PreciseDate, Value } from '../../mapping/values';

/**
 * Neutral values ↔ BSON. The decisions (the README's "Type fidelity" table):
 * - field names: "." "$" (leading) and "%" are percent-escaped in stored keys, because MongoDB and
 *   FerretDB refuse dotted and $-prefixed keys that jsonb happily holds;
 * - a timestamp's microseconds beyond the millisecond go to a "<field>__us" sibling (mode "keep");
 * - dialect "ferretdb": decimals and non-finite doubles are stored as strings, since FerretDB 1.x
 *   rejects Decimal128, NaN and ±Infinity; a float column's -0 as "-0", since FerretDB stores the
 *   double -0 as 0; an array directly inside an array is refused (FerretDB cannot store it), so
 *   the record is quarantined with the reason instead of failing its whole batch.
 */
export interface BsonOptions {
  dialect: 'mongodb' | 'ferretdb';
  microseconds: 'keep' | 'truncate';
}

export const MICROS_SUFFIX = '__us';
const ESCAPES: Record<string, string> = { '%': '%25', '.': '%2E', $: '%24' };
const UNESCAPES: Record<string, string> = { '%25': '%', '%2E': '.', '%24': '$' };

export function escapeKey(key: string): string {
  return /[%.$]/.test(key) ? key.replace(/%|\.|^\$/g, (c) => ESCAPES[c]) : key;
}

export function unescapeKey(key: string): string {
  return key.includes('%') ? key.replace(/%(25|2E|24)/g, (m) => UNESCAPES[m]) : key;
}

export function encodeDocument(row: Row, options: BsonOptions): Record<string, unknown> {
  return encodeObject(row, options, '');
}

function encodeObject(obj: { [k: string]: Value }, options: BsonOptions, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    const field = path ? `${path}.${k}` : k;
    out[escapeKey(k)] = encodeValue(v, options, field, false);
    if (v instanceof PreciseDate && v.micros && options.microseconds === 'keep') out[escapeKey(k + MICROS_SUFFIX)] = v.micros;
  }
  return out;
}

function encodeValue(v: Value, options: BsonOptions, field: string, inArray: boolean): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (typeof v === 'number' || v instanceof Double) {
    const n = typeof v === 'number' ? v : v.value;
    if (options.dialect === 'ferretdb') {
      if (!Number.isFinite(n)) return String(n);
      // Only float columns (Double) carry a -0 to keep: JSON numbers come from jsonb, which has none.
      if (v instanceof Double && Object.is(n, -0)) return '-0';
    }
    return v;
  }
  if (v instanceof Numeric || v instanceof Decimal128) {
    if (options.dialect === 'ferretdb') return v.toString();
    if (v instanceof Decimal128) return v;
    try {
      return Decimal128.fromString(v.text);
    } catch {
      throw new FidelityError(field, `decimal ${v.text} has more digits than Decimal128 holds (34)`);
    }
  }
  if (v instanceof PreciseDate) {
    if (v.micros && inArray && options.microseconds === 'keep') {
      throw new FidelityError(field, 'a timestamp array element with microseconds cannot be stored exactly (set "microseconds": "truncate" to allow)');
    }
    return new Date(v.getTime());
  }
  if (v instanceof Date || v instanceof Binary || v instanceof ObjectId) return v;
  if (Array.isArray(v)) {
    if (inArray && options.dialect === 'ferretdb') {
      throw new FidelityError(field, 'FerretDB cannot store an array inside an array (a multi-dimensional array or a JSON array of arrays)');
    }
    return v.map((x) => encodeValue(x, options, field, true));
  }
  if (isPlainObject(v)) return encodeObject(v, options, field);
  throw new FidelityError(field, 'a value MongoDB cannot store');
}

/**
 * How documents are read: int32, int64 and double kept apart (promoteValues: false), so a double
 * stays a Double as PostgreSQL's float columns read, and an integral double is not an integer.
 */
export const READ_OPTIONS = { promoteValues: false, promoteBuffers: false } as const;

/** A document read with READ_OPTIONS → neutral values: int32 → number, int64 → bigint, double → Double. */
export function decodeDocument(doc: Record<string, unknown>): Row {
  return decodeObject(doc);
}

function decodeObject(obj: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k.endsWith(MICROS_SUFFIX) && obj[k.slice(0, -MICROS_SUFFIX.length)] instanceof Date && typeof decodeValue(v) === 'number') continue;
    const key = unescapeKey(k);
    const micros = decodeValue(obj[k + MICROS_SUFFIX]);
    out[key] = v instanceof Date && typeof micros === 'number' ? new PreciseDate(v.getTime(), micros) : decodeValue(v);
  }
  return out;
}

export function decodeValue(v: unknown): Value {
  if (v instanceof Long) return v.toBigInt();
  if (v instanceof Int32) return v.value;
  if (Array.isArray(v)) return v.map(decodeValue);
  if (isPlainObject(v)) return decodeObject(v);
  return v as Value;
}

/** A stored document as the driver sees it: any _id type (keys may be numbers, strings, sub-documents). */
export interface StoredDoc {
  _id: unknown;
  [field: string]: unknown;
}

/** The driver's filter typing cannot express "_id of any type"; every _id filter is built here. */
export function idFilter(condition: unknown, extra: Record<string, unknown> = {}): Filter<StoredDoc> {
  return { _id: condition, ...extra } as Filter<StoredDoc>;
}
