import { Binary, Double } from 'mongodb';
import { FidelityError } from '../../mapping/errors';
import { parseExactJson } from '../../mapping/exact-json';
import { Numeric, Value } from '../../mapping/values';
import { utcMs, wallClockToInstant } from '../../mapping/zone';
import type { MysqlColumn } from './catalog';

/** A column as the session returns it (typeCast in read.ts): bytes for byte columns, text for the rest. */
export type RawValue = string | Buffer | null;

/**
 * Raw value → neutral value. Every form is exact: integers beyond 2^53 as bigint, decimals as
 * text, datetime(6) with its microseconds (the session reads dates as text). A value that has no
 * exact neutral form (a zero date, a tinyint(1) that is not 0 or 1) throws FidelityError, so its
 * row is quarantined with the column and the reason.
 */
export function decodeColumn(column: MysqlColumn, raw: RawValue, zone: string): Value {
  if (raw === null) return null;
  if (Buffer.isBuffer(raw)) return new Binary(raw);
  const field = column.name;
  switch (column.type) {
    case 'tinyint':
      if (isBoolean(column)) {
        if (raw === '0' || raw === '1') return raw === '1';
        throw new FidelityError(field, `${column.decl} holds ${raw}, not a boolean (0 or 1)`);
      }
      return Number(raw);
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'year':
      return Number(raw);
    case 'bigint':
      return BigInt(raw);
    case 'decimal':
      return new Numeric(raw);
    case 'float':
      // Read as the double equal to the float (sql.ts selectList): the value carried, as for float4.
      return new Double(Math.fround(Number(raw)));
    case 'double':
      return new Double(Number(raw));
    case 'json':
      return parseExactJson(raw);
    case 'date':
      return decodeDate(field, raw);
    case 'datetime':
      return wallClockToInstant(field, notZero(field, raw), zone);
    case 'timestamp':
      // The session's time_zone is UTC (pool.ts).
      return wallClockToInstant(field, notZero(field, raw), 'UTC');
    default:
      // char, varchar, texts, enum, set, time: their text is exact and is what a write takes back.
      return raw;
  }
}

/** tinyint(1) is MySQL's boolean. */
export function isBoolean(column: MysqlColumn): boolean {
  return column.type === 'tinyint' && /^tinyint\(1\)/.test(column.decl);
}

function notZero(field: string, text: string): string {
  if (/^0000-|-00-|-00( |$)/.test(text)) throw new FidelityError(field, `zero date ${JSON.stringify(text)} is not a date`);
  return text;
}

function decodeDate(field: string, text: string): Date {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(notZero(field, text));
  if (!m) throw new FidelityError(field, `date ${JSON.stringify(text)} is not a date`);
  return new Date(utcMs(+m[1], +m[2], +m[3]));
}
