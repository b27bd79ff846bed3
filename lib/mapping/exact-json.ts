import { Decimal128, Double, ObjectId, Binary } from 'mongodb';
import { FidelityError } from './errors';
import { isoMicros, isPlainObject, Numeric, Value } from './values';

/**
 * JSON with exact numbers. JSON.parse turns 12345678901234567890 into a double; PostgreSQL jsonb
 * keeps every digit. Numbers a double cannot hold exactly become bigint (integers) or Numeric.
 */
const SENTINEL = '\u0000n:';
const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

export function parseExactJson(text: string): Value {
  if (!/\d{16}|[eE][+-]?\d{3}/.test(text)) return JSON.parse(text) as Value;
  return JSON.parse(protectNumbers(text), (_k, v: unknown) =>
    typeof v === 'string' && v.startsWith(SENTINEL) ? exactNumber(v.slice(SENTINEL.length)) : v,
  ) as Value;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Integers that fit int64 become bigint (MongoDB Long); anything larger stays an exact decimal. */
function exactNumber(token: string): Value {
  if (/^-?\d+$/.test(token)) {
    const n = BigInt(token);
    if (n >= INT64_MIN && n <= INT64_MAX) return n;
  }
  return new Numeric(token);
}

function isExactDouble(token: string): boolean {
  const n = Number(token);
  if (/^-?\d+$/.test(token)) return Number.isSafeInteger(n);
  const digits = token
    .replace(/[eE].*$/, '')
    .replace(/[-.]/g, '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  // Overflow to Infinity or underflow to 0 is as inexact as a lost digit.
  return digits.length <= 15 && Number.isFinite(n) && (n !== 0 || digits === '');
}

/** Wraps inexact number tokens (outside strings) in sentinel strings. */
function protectNumbers(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text)!;
      out += isExactDouble(m[0]) ? m[0] : `"${SENTINEL.replace('\u0000', '\\u0000')}${m[0]}"`;
      i += m[0].length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * A value as JSON text for a json/jsonb column, numbers exact. Types JSON lacks: dates become ISO
 * strings, ObjectIds hex strings, binaries base64 strings; NaN/Infinity cannot be stored.
 */
export function stringifyExactJson(field: string, value: Value): string {
  const text = JSON.stringify(toJsonTree(field, value));
  return text.includes('\\u0000n:') ? text.replace(/"\\u0000n:([-0-9.eE+]+)"/g, '$1') : text;
}

function toJsonTree(field: string, v: Value): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' || v instanceof Double) {
    const n = typeof v === 'number' ? v : v.value;
    if (!Number.isFinite(n)) throw new FidelityError(field, `${n} cannot be stored in JSON`);
    return n;
  }
  if (typeof v === 'bigint') return `${SENTINEL}${v}`;
  if (v instanceof Numeric || v instanceof Decimal128) {
    const t = v.toString();
    if (!/^-?\d/.test(t)) throw new FidelityError(field, `${t} cannot be stored in JSON`);
    return `${SENTINEL}${t}`;
  }
  if (v instanceof Date) return isoMicros(v);
  if (v instanceof ObjectId) return v.toHexString();
  if (v instanceof Binary) return v.toString('base64');
  if (Array.isArray(v)) return v.map((x) => toJsonTree(field, x));
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJsonTree(field, x);
    return out;
  }
  throw new FidelityError(field, 'a value JSON cannot represent');
}
