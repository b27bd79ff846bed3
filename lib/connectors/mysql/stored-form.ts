import { Binary, Double } from 'mongodb';
import { FidelityError } from '../../mapping/errors';
import { parseExactJson, stringifyExactJson } from '../../mapping/exact-json';
import { decimalAtScale, Numeric, plainDecimal, Value } from '../../mapping/values';
import type { MappedRecord } from '../types';
import type { MysqlColumn } from './catalog';
import type { MysqlContext } from './context';
import { isBoolean } from './decode';
import { encodeLiteral } from './encode';

/**
 * A record as this table would store it and read it back, the form verification compares a source
 * record in (as pg/stored-form.ts does for PostgreSQL), of the type a read gives: integers as
 * integers, floats as doubles, a decimal with the column's scale, 0 and 1 in tinyint(1) as booleans, bit(n) as its full bytes, json as the JSON text holds it (a Date as
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
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'year':
      return Number(numberOf(value));
    case 'bigint':
      return BigInt(String(value));
    // The server prints a -0 as 0.
    case 'float':
      return new Double(Math.fround(numberOf(value)) || 0);
    case 'double':
      return new Double(numberOf(value) || 0);
    case 'decimal':
      return new Numeric(decimalAtScale(plainDecimal(String(value)), column.scale!));
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

/** A value the column accepted, as the number it stores (a Double's own value keeps -0). */
function numberOf(value: Value): number {
  return value instanceof Double ? value.value : Number(String(value));
}
