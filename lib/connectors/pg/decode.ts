import { Binary, Double } from 'mongodb';
import { parse as parseArray } from 'postgres-array';
import { FidelityError } from '../../mapping/errors';
import { parseExactJson } from '../../mapping/exact-json';
import { Numeric, PreciseDate, Value } from '../../mapping/values';
import { utcMs, wallClockToInstant } from '../../mapping/zone';
import type { PgColumn } from './catalog';

/** Text (as PostgreSQL prints it under the pinned session settings) → neutral value. */
export function decodeColumn(column: PgColumn, text: string | null, zone: string): Value {
  if (text === null) return null;
  if (column.elementType) {
    const element = column.elementType;
    const decodeOne = (t: string | null) => (t === null ? null : decodeScalar(column.name, element, t, zone));
    return parseArray(text, (t) => t).map(function walk(x: unknown): Value {
      return Array.isArray(x) ? x.map(walk) : decodeOne(x as string | null);
    });
  }
  return decodeScalar(column.name, column.type, text, zone);
}

export function decodeScalar(field: string, type: string, text: string, zone: string): Value {
  switch (type) {
    case 'int2':
    case 'int4':
    case 'oid':
      return Number(text);
    case 'int8':
      return BigInt(text);
    case 'numeric':
      return new Numeric(text);
    case 'float4':
      // A real holds a binary32 value; PostgreSQL prints its shortest text ("0.1"), which as a
      // double is another number. The value carried is the double equal to the real (docs/types.md).
      return new Double(Math.fround(Number(text)));
    case 'float8':
      return new Double(Number(text));
    case 'bool':
      return text === 't';
    case 'bytea':
      return new Binary(Buffer.from(text.slice(2), 'hex'));
    case 'json':
    case 'jsonb':
      return parseExactJson(text);
    case 'timestamptz':
      return decodeTimestamptz(field, text);
    case 'timestamp':
      return wallClockToInstant(field, text, zone);
    case 'date':
      return decodeDate(field, text);
    default:
      // text, varchar, uuid, enums and every other type: their text form is exact and is what
      // their input function reads back.
      return text;
  }
}

const TSTZ = /^(\d{4,}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?)\+00$/;

function decodeTimestamptz(field: string, text: string): PreciseDate {
  const m = TSTZ.exec(text);
  if (!m) throw new FidelityError(field, `timestamp ${JSON.stringify(text)} is outside the range a date can hold`);
  return wallClockToInstant(field, m[1], 'UTC');
}

function decodeDate(field: string, text: string): Date {
  const m = /^(\d{4,})-(\d\d)-(\d\d)$/.exec(text);
  if (!m) throw new FidelityError(field, `date ${JSON.stringify(text)} is outside the range a date can hold`);
  return new Date(utcMs(+m[1], +m[2], +m[3]));
}
