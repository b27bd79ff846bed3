import { Binary, Decimal128, Double, Long, ObjectId } from 'mongodb';
import { FidelityError } from '../../mapping/errors';
import { stringifyExactJson } from '../../mapping/exact-json';
import { isoMicros, microsOf, Numeric, plainDecimal, Value } from '../../mapping/values';
import { instantToWallClock } from '../../mapping/zone';
import { describeValue } from '../keys';
import { limitViolation } from '../pg/limits';
import type { MysqlColumn } from './catalog';
import { isBoolean } from './decode';

/**
 * Neutral value → SQL literal for its column. Text travels as hex with an introducer (no escaping
 * to get wrong, whatever the session's sql_mode), numbers as checked digits. A value the column
 * cannot hold exactly throws FidelityError and its record is quarantined: strict mode would fail
 * the whole statement, a lax server would cut or round it.
 */
const INT_RANGE: Record<string, [bigint, bigint, bigint]> = {
  // signed min, signed max, unsigned max
  tinyint: [-128n, 127n, 255n],
  smallint: [-32768n, 32767n, 65535n],
  mediumint: [-8388608n, 8388607n, 16777215n],
  int: [-2147483648n, 2147483647n, 4294967295n],
  bigint: [-9223372036854775808n, 9223372036854775807n, 18446744073709551615n],
};
const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TIME = /^-?(\d{1,3}):([0-5]\d):([0-5]\d)(\.\d{1,6})?$/;
const TEXT_BYTES: Record<string, number> = { tinytext: 255, text: 65535, mediumtext: 16777215, longtext: 4294967295 };

export function encodeLiteral(column: MysqlColumn, value: Value | undefined, zone: string): string {
  if (value === null || value === undefined) return 'null';
  const v = value;
  const expect = (what: string) => new FidelityError(column.name, `column ${column.name} (${column.decl}) expects ${what}, got ${describeValue(v)}`);
  const type = column.type;
  if (type in INT_RANGE) {
    const n = integerOf(v);
    // tinyint(1) reads back as a boolean (decode.ts), so it takes one, or 0 and 1.
    if (isBoolean(column)) {
      if (typeof v === 'boolean') return v ? '1' : '0';
      if (n !== 0n && n !== 1n) throw expect("a boolean (tinyint(1) is MySQL's boolean) or 0 or 1");
    }
    const [min, max, umax] = INT_RANGE[type];
    const [lo, hi] = column.unsigned ? [0n, umax] : [min, max];
    if (n === undefined || n < lo || n > hi) throw expect(`an integer in ${column.decl} range`);
    return n.toString();
  }
  switch (type) {
    case 'decimal': {
      const text = decimalText(v);
      if (text === undefined) throw expect('a decimal');
      const why = limitViolation({ kind: 'numeric', decl: column.decl, precision: column.precision!, scale: column.scale! }, text);
      if (why) throw new FidelityError(column.name, why);
      return `'${plainDecimal(text)}'`;
    }
    case 'float':
    case 'double': {
      const n = typeof v === 'number' ? v : v instanceof Double ? v.value : undefined;
      if (n === undefined || !Number.isFinite(n)) throw expect('a finite number (MySQL has no NaN or infinity)');
      if (type === 'float' && !Object.is(Math.fround(n), n)) throw expect('a number that float holds exactly');
      // Exponent form is read as a double (correctly rounded), plain digits as a decimal.
      return Object.is(n, -0) ? '-0e0' : n.toExponential();
    }
    case 'bit': {
      const bytes = v instanceof Binary ? Buffer.from(v.buffer) : undefined;
      if (!bytes || bytes.length * 8 - leadingZeroBits(bytes) > column.maxLength!) throw expect(`binary data of at most ${column.maxLength} bits`);
      return `x'${bytes.toString('hex') || '00'}'`;
    }
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob': {
      if (!(v instanceof Binary)) throw expect('binary data');
      const bytes = Buffer.from(v.buffer);
      // binary(n) pads a shorter value with zero bytes, which would read back as another value.
      if (type === 'binary' && bytes.length !== column.maxLength) throw expect(`exactly ${column.maxLength} bytes`);
      if (column.maxLength !== undefined && bytes.length > column.maxLength) throw expect(`at most ${column.maxLength} bytes`);
      return `x'${bytes.toString('hex')}'`;
    }
    case 'json':
      return textLiteral(stringifyExactJson(column.name, v));
    case 'date':
      if (!(v instanceof Date) || v.getTime() % 86_400_000 !== 0 || microsOf(v)) throw expect('a date at 00:00 UTC');
      return `'${inYears(v.toISOString().slice(0, 10), expect)}'`;
    case 'datetime':
      if (!(v instanceof Date)) throw expect('a date');
      return `'${fractionFits(column, inYears(instantToWallClock(v, microsOf(v), zone).replace('T', ' '), expect))}'`;
    case 'timestamp': {
      if (!(v instanceof Date)) throw expect('a date');
      const t = v.getTime();
      if (t < 1000 || t >= 2147483648000) throw expect('a date from 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC');
      return `'${fractionFits(column, isoMicros(v).slice(0, -1).replace('T', ' '))}'`;
    }
    case 'time':
      if (typeof v !== 'string' || !TIME.test(v) || Number(TIME.exec(v)![1]) > 838) throw expect('a time from -838:59:59 to 838:59:59');
      return `'${fractionFits(column, v)}'`;
    case 'year': {
      const n = integerOf(v);
      if (n === undefined || (n !== 0n && (n < 1901n || n > 2155n))) throw expect('a year from 1901 to 2155');
      return n.toString();
    }
    default:
      if (column.text) return textLiteral(checkText(column, typeof v === 'string' ? v : v instanceof ObjectId ? v.toHexString() : undefined, expect));
      throw expect(`a value of a type switchyard does not write (${column.decl})`);
  }
}

/** A key value as the byte string sql.ts compares text keys by; other columns as their literal. */
export function keyLiteral(column: MysqlColumn, value: Value, zone: string): string {
  if (column.text && typeof value === 'string') return `x'${Buffer.from(value, 'utf8').toString('hex')}'`;
  return encodeLiteral(column, value, zone);
}

export function textLiteral(text: string): string {
  return `_utf8mb4 x'${Buffer.from(text, 'utf8').toString('hex')}'`;
}

function checkText(column: MysqlColumn, text: string | undefined, expect: (what: string) => FidelityError): string {
  if (text === undefined) throw expect('a string');
  const fail = (why: string) => new FidelityError(column.name, `column ${column.name} (${column.decl}): ${why}`);
  const chars = [...text];
  if ((column.type === 'char' || column.type === 'varchar') && chars.length > column.maxLength!)
    throw fail(`${chars.length} characters; it holds at most ${column.maxLength}`);
  // CHAR drops trailing spaces on read: the value would come back shorter.
  if (column.type === 'char' && / $/.test(text)) throw fail('trailing spaces, which char drops when it is read');
  if (column.type in TEXT_BYTES && Buffer.byteLength(text, 'utf8') > TEXT_BYTES[column.type] && column.charset !== 'latin1')
    throw fail(`${Buffer.byteLength(text, 'utf8')} bytes; it holds at most ${TEXT_BYTES[column.type]}`);
  if (column.type === 'enum' && !column.members!.includes(text)) throw fail(`${JSON.stringify(text)} is not one of its members`);
  // A set is stored in member order without repeats: any other list would read back changed.
  const at = column.type === 'set' && text !== '' ? text.split(',').map((m) => column.members!.indexOf(m)) : [];
  if (at.some((i, n) => i < 0 || (n > 0 && i <= at[n - 1]))) throw fail(`${JSON.stringify(text)} is not a list of its members in their declared order`);
  const lost = unrepresentable(column.charset, chars);
  if (lost !== undefined) throw fail(`character ${JSON.stringify(lost)} (U+${lost.codePointAt(0)!.toString(16).toUpperCase()}) is not in ${column.charset}`);
  return text;
}

/** MySQL's latin1 is Windows-1252; utf8mb3 has no characters beyond U+FFFF. */
const CP1252_HIGH = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';
function unrepresentable(charset: string | undefined, chars: string[]): string | undefined {
  if (charset === 'utf8mb3' || charset === 'utf8') return chars.find((c) => c.codePointAt(0)! > 0xffff);
  if (charset === 'latin1') return chars.find((c) => c.codePointAt(0)! > 0xff && !CP1252_HIGH.includes(c));
  if (charset === 'ascii') return chars.find((c) => c.codePointAt(0)! > 0x7f);
  return undefined;
}

function inYears(text: string, expect: (what: string) => FidelityError): string {
  const year = Number(/^-?\d+/.exec(text)![0]);
  if (year < 1 || year > 9999) throw expect('a date from year 1 to 9999');
  return text;
}

function fractionFits(column: MysqlColumn, text: string): string {
  const digits = column.fraction ?? 0;
  const fraction = /\.(\d+)/.exec(text)?.[1].replace(/0+$/, '') ?? '';
  if (fraction.length > digits) throw new FidelityError(column.name, `${text} has ${fraction.length} fractional second digits; ${column.decl} keeps ${digits}`);
  return text;
}

function decimalText(v: Value): string | undefined {
  if (v instanceof Numeric || v instanceof Decimal128) return DECIMAL.test(v.toString()) ? v.toString() : undefined;
  if (typeof v === 'number' || v instanceof Double) {
    const n = typeof v === 'number' ? v : v.value;
    return Number.isFinite(n) ? String(n) : undefined;
  }
  if (typeof v === 'bigint' || v instanceof Long) return v.toString();
  if (typeof v === 'string' && DECIMAL.test(v)) return v;
  return undefined;
}

function integerOf(v: Value): bigint | undefined {
  if (typeof v === 'bigint') return v;
  // An integer that came through a decimal column (bigint unsigned as PostgreSQL numeric(20,0)).
  if ((v instanceof Numeric || v instanceof Decimal128) && /^-?\d+$/.test(v.toString())) return BigInt(v.toString());
  if (v instanceof Long) return v.toBigInt();
  const n = typeof v === 'number' ? v : v instanceof Double ? v.value : undefined;
  return n !== undefined && Number.isSafeInteger(n) ? BigInt(n) : undefined;
}

function leadingZeroBits(bytes: Buffer): number {
  let n = 0;
  for (const b of bytes) {
    if (b) return n + Math.clz32(b) - 24;
    n += 8;
  }
  return n;
}
