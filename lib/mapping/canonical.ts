import { createHash } from 'node:crypto';
import { Binary, Decimal128, Double, ObjectId } from 'mongodb';
import { isoMicros, isPlainObject, Numeric, plainDecimal, Value } from './values';

/**
 * One text per value and type, so hashes and diffs see a value of another type as a difference.
 * Both sides of a comparison are in the target's stored form (EntityConnector.storedForm: the
 * source record as the target stores and reads it back), so what a target cannot tell apart
 * (FerretDB's decimal strings, DynamoDB's one number type) is already one value there:
 * - object keys sorted; a null field and a missing one differ, in a record and inside a value;
 * - integers (int32, int64, a JS integer) print as {"$int": digits}; doubles as JSON numbers, an
 *   integral double, -0, NaN and ±Infinity as {"$double": text}, so 2 and 2.0 differ;
 * - decimals as {"$decimal": plain text}, ObjectIds as {"$oid"}, UUIDs as {"$uuid"}, other
 *   binaries as {"$binary"}: none equals its text;
 * - dates print as ISO 8601 with microseconds.
 */
export function canonicalJson(value: Value | undefined): string {
  return JSON.stringify(canonical(value));
}

/** The fields two records disagree on in canonical form, sorted; [] when they are equal. */
export function fieldsThatDiffer(a: { [field: string]: Value }, b: { [field: string]: Value }): string[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names.filter((f) => canonicalJson(a[f]) !== canonicalJson(b[f]));
}

/** A missing value (an absent field) prints as this, unlike null. */
const MISSING = { $missing: true };

export function canonical(value: Value | undefined): unknown {
  if (value === undefined) return MISSING;
  if (value === null) return null;
  if (typeof value === 'bigint') return { $int: value.toString() };
  if (typeof value === 'number') return Number.isInteger(value) && !Object.is(value, -0) ? { $int: BigInt(value).toString() } : canonicalDouble(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Double) return canonicalDouble(value.value);
  if (value instanceof Numeric || value instanceof Decimal128) return { $decimal: plainDecimal(value.toString()) };
  if (value instanceof Date) return { $date: isoMicros(value) };
  if (value instanceof ObjectId) return { $oid: value.toHexString() };
  if (value instanceof Binary)
    return value.sub_type === Binary.SUBTYPE_UUID ? { $uuid: value.toUUID().toHexString(true) } : { $binary: value.toString('base64') };
  if (Array.isArray(value)) return value.map((x) => canonical(x));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) if (value[k] !== undefined) out[k] = canonical(value[k]);
    return out;
  }
  throw new Error(`cannot canonicalize a value of type ${Object.prototype.toString.call(value)}`);
}

/** A double: a JSON number where JSON's own text cannot be mistaken for an integer or another value. */
function canonicalDouble(n: number): unknown {
  if (!Number.isFinite(n) || Number.isInteger(n) || Object.is(n, -0)) return { $double: Object.is(n, -0) ? '-0' : String(n) };
  return n;
}

/** Incremental sha256 over records in key order; each record's canonical text is one line. */
export function recordHasher() {
  const hash = createHash('sha256');
  let count = 0;
  return {
    add(record: Value) {
      hash.update(canonicalJson(record));
      hash.update('\n');
      count++;
    },
    result: () => ({ count, hash: hash.digest('hex') }),
  };
}
