import { Binary } from 'mongodb';
import { FidelityError } from '../../mapping/errors';
import { parseExactJson, stringifyExactJson } from '../../mapping/exact-json';
import { Numeric, plainDecimal, Value } from '../../mapping/values';
import type { MappedRecord } from '../types';
import type { MysqlColumn } from './catalog';
import type { MysqlContext } from './context';
import { isBoolean } from './decode';
import { encodeLiteral } from './encode';

/**
 * A record as this table would store it and read it back, the form verification compares a source
 * record in (as pg/stored-form.ts does for PostgreSQL): a decimal with the column's scale, 0 and 1
 * in tinyint(1) as booleans, bit(n) as its full bytes, json as the JSON text holds it (a Date as
 * its ISO text, an ObjectId as its hex). A value the column refuses stays as it is: its record is
 * quarantined, and differs.
 */
export function storedForm(ctx: MysqlContext, record: MappedRecord): MappedRecord {
  const out: MappedRecord = {};
  for (const [field, value] of Object.entries(record)) {
    const column = ctx.table.columns.get(field);
    out[field] = column && value !== undefined && value !== null && fits(ctx, column, value) ? storedValue(column, value) : value;
  }
  return out;
}

function fits(ctx: MysqlContext, column: MysqlColumn, value: Value): boolean {
  try {
    encodeLiteral(column, value, ctx.options.zone);
    return true;
  } catch (err) {
    if (err instanceof FidelityError) return false;
    throw err;
  }
}

function storedValue(column: MysqlColumn, value: Value): Value {
  if (isBoolean(column)) return typeof value === 'boolean' ? value : Number(value) === 1;
  switch (column.type) {
    case 'decimal':
      return new Numeric(withScale(plainDecimal(String(value)), column.scale!));
    case 'bit': {
      const bytes = Buffer.from((value as Binary).buffer);
      const width = Math.ceil(column.maxLength! / 8);
      return new Binary(Buffer.concat([Buffer.alloc(Math.max(0, width - bytes.length)), bytes.subarray(Math.max(0, bytes.length - width))]));
    }
    case 'json':
      return parseExactJson(stringifyExactJson(column.name, value));
    default:
      return value;
  }
}

/** "1.5" at scale 2 → "1.50", "-0" → "0.00": how the server prints a decimal(p,s). */
function withScale(text: string, scale: number): string {
  const negative = text.startsWith('-');
  const [int, frac = ''] = text.replace(/^[-+]/, '').split('.');
  const digits = `${int.replace(/^0+(?=\d)/, '') || '0'}${scale ? `.${frac.padEnd(scale, '0')}` : ''}`;
  return negative && /[1-9]/.test(digits) ? `-${digits}` : digits;
}
