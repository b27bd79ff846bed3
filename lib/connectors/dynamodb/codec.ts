import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { Binary, Decimal128, Double, ObjectId } from 'mongodb';
import { FidelityError } from '../../mapping/errors';
import { isoMicros, isPlainObject, Numeric, Value } from '../../mapping/values';
import { doubleToDynamo, fromDynamoNumber, toDynamoNumber } from './numbers';

export type Item = Record<string, AttributeValue>;

/**
 * A mapped record as a DynamoDB item (docs/types.md, "DynamoDB"): strings S, numbers N (exact
 * decimal text, at most 38 digits), binary B, booleans BOOL, null NULL, documents M, arrays L.
 * DynamoDB has no date, ObjectId or UUID type: a timestamp is its ISO 8601 text in UTC with
 * microseconds (which also orders correctly as a version), an ObjectId its hex, a UUID its text,
 * as the canonical form prints them. Throws FidelityError naming the field for what N cannot hold.
 */
export function encodeItem(record: Record<string, Value>): Item {
  const item: Item = {};
  for (const [field, value] of Object.entries(record)) if (value !== undefined) item[field] = encodeValue(field, value);
  return item;
}

export function encodeValue(path: string, value: Value): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'boolean') return { BOOL: value };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: doubleToDynamo(path, value) };
  if (typeof value === 'bigint') return { N: value.toString() };
  if (value instanceof Double) return { N: doubleToDynamo(path, value.value) };
  if (value instanceof Numeric || value instanceof Decimal128) return { N: toDynamoNumber(path, value.toString()) };
  if (value instanceof Date) return { S: isoTimestamp(path, value) };
  if (value instanceof ObjectId) return { S: value.toHexString() };
  if (value instanceof Binary) return value.sub_type === Binary.SUBTYPE_UUID ? { S: value.toUUID().toHexString(true) } : { B: value.read(0, value.length()) };
  if (Array.isArray(value)) return { L: value.map((v, i) => encodeValue(`${path}[${i}]`, v)) };
  if (isPlainObject(value)) {
    const M: Item = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) M[k] = encodeValue(`${path}.${k}`, v);
    return { M };
  }
  throw new FidelityError(path, `a value of type ${Object.prototype.toString.call(value)} has no DynamoDB form`);
}

/** Fixed-width ISO text, so that string order is time order; years outside 0000–9999 have no such form. */
function isoTimestamp(path: string, date: Date): string {
  if (Number.isNaN(date.getTime())) throw new FidelityError(path, 'an invalid date');
  const text = isoMicros(date);
  if (!/^\d{4}-/.test(text)) throw new FidelityError(path, `${text} is outside the years 0000–9999 that sort as ISO text`);
  return text;
}

/**
 * An item back into a record. Sets (SS, NS, BS), which switchyard never writes but a table may
 * hold, read as arrays in their sorted order, since a set has none of its own.
 */
export function decodeItem(item: Item): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [field, value] of Object.entries(item)) out[field] = decodeValue(value);
  return out;
}

export function decodeValue(v: AttributeValue): Value {
  if (v.NULL) return null;
  if (v.BOOL !== undefined) return v.BOOL;
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return fromDynamoNumber(v.N);
  if (v.B !== undefined) return new Binary(Buffer.from(v.B));
  if (v.L !== undefined) return v.L.map(decodeValue);
  if (v.M !== undefined) return decodeItem(v.M);
  if (v.SS !== undefined) return [...v.SS].sort();
  if (v.NS !== undefined) return v.NS.map(fromDynamoNumber).sort(compareNumbers);
  if (v.BS !== undefined)
    return v.BS.map((b) => Buffer.from(b))
      .sort(Buffer.compare)
      .map((b) => new Binary(b));
  throw new Error(`unknown DynamoDB attribute type ${Object.keys(v).join(', ')}`);
}

function compareNumbers(a: number | bigint | Numeric, b: number | bigint | Numeric): number {
  const x = Number(a instanceof Numeric ? a.text : a);
  const y = Number(b instanceof Numeric ? b.text : b);
  return x - y;
}

/** DynamoDB's largest item: 400 KB, attribute names and values together. */
export const MAX_ITEM_BYTES = 400 * 1024;

/**
 * An item's size as DynamoDB counts it: names and string values in UTF-8 bytes, a number about
 * one byte per two digits plus one, binary its bytes, 1 for BOOL/NULL, 3 per document or list
 * plus 1 per element.
 */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/[-.]/g, '').replace(/^0+/, '').length / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL) return 1;
  if (v.L !== undefined) return 3 + v.L.reduce((s, x) => s + 1 + valueSize(x), 0);
  if (v.M !== undefined) return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + 1 + Buffer.byteLength(k) + valueSize(x), 0);
  if (v.SS !== undefined) return v.SS.reduce((s, x) => s + Buffer.byteLength(x), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, x) => s + valueSize({ N: x }), 0);
  if (v.BS !== undefined) return v.BS.reduce((s, x) => s + x.length, 0);
  return 0;
}
