import { createHash } from 'node:crypto';
import { Binary, Decimal128, Double, ObjectId } from 'mongodb';
import { isoMicros, isPlainObject, Numeric, plainDecimal, Value } from './values';

/**
 * One text per logical value, whichever database it was read from, so hashes and diffs of the
 * same data agree across PostgreSQL and MongoDB (and across FerretDB's string fallbacks):
 * - object keys sorted; a record's null and missing fields are the same (both dropped: a NULL
 *   column and an absent document field are one value); inside a value (a jsonb document, a
 *   sub-document, an embedded child) a null is kept, since both databases store it as such;
 * - integers print as digits whether int32, Long, bigint or an integral double;
 * - decimals, NaN, ±Infinity and the double -0 print as strings (FerretDB stores them as strings);
 * - an ObjectId prints as its hex string, a UUID Binary as its uuid string (PostgreSQL text/uuid);
 * - dates print as ISO 8601 with microseconds.
 */
/** The canonical text of a record (or of any value; only a record's own null fields are dropped). */
export function canonicalJson(value: Value | undefined): string {
  return JSON.stringify(canonical(value, true));
}

/** The fields two records disagree on in canonical form, sorted; [] when they are equal. */
export function fieldsThatDiffer(a: { [field: string]: Value }, b: { [field: string]: Value }): string[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names.filter((f) => JSON.stringify(canonical(a[f])) !== JSON.stringify(canonical(b[f])));
}

/** `record`: value is a whole record, whose null fields are dropped (see canonicalJson). */
export function canonical(value: Value | undefined, record = false): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return { $int: value.toString() };
  if (typeof value === 'number') return canonicalNumber(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Double) return canonicalNumber(value.value);
  if (value instanceof Numeric || value instanceof Decimal128) return plainDecimal(value.toString());
  if (value instanceof Date) return { $date: isoMicros(value) };
  if (value instanceof ObjectId) return value.toHexString();
  if (value instanceof Binary) return value.sub_type === Binary.SUBTYPE_UUID ? value.toUUID().toHexString(true) : { $binary: value.toString('base64') };
  if (Array.isArray(value)) return value.map((x) => canonical(x));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = value[k];
      if (v !== undefined && (v !== null || !record)) out[k] = canonical(v);
    }
    return out;
  }
  throw new Error(`cannot canonicalize a value of type ${Object.prototype.toString.call(value)}`);
}

function canonicalNumber(n: number): unknown {
  if (!Number.isFinite(n)) return String(n);
  if (Object.is(n, -0)) return '-0';
  if (Number.isInteger(n)) return { $int: BigInt(n).toString() };
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
