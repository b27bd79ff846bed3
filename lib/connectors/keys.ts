import { Binary, Long, ObjectId } from 'mongodb';
import type { Value } from '../mapping/values';
import type { Key, KeyPart } from './types';

/** A key field's value → its JSON-safe form (see KeyPart). Other types cannot be keys. */
export function toKeyPart(value: Value | undefined): KeyPart {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return { $numberLong: value.toString() };
  if (value instanceof Long) return { $numberLong: value.toString() };
  if (value instanceof ObjectId) return { $oid: value.toHexString() };
  if (value instanceof Binary && value.sub_type === Binary.SUBTYPE_UUID) return value.toUUID().toHexString(true);
  throw new Error(`a key value must be a string, number, bigint or ObjectId, got ${describeValue(value)}`);
}

export function fromKeyPart(part: KeyPart): Value {
  if (typeof part === 'object' && part !== null) {
    if ('$numberLong' in part) return BigInt(part.$numberLong);
    if ('$oid' in part) return new ObjectId(part.$oid);
  }
  return part as Value;
}

export function keyOfRecord(record: Record<string, Value | undefined>, fields: readonly string[]): Key {
  return fields.map((f) => toKeyPart(record[f]));
}

/** Stable text for a key: map keys, log lines, error messages. */
export function keyText(key: Key): string {
  return JSON.stringify(key);
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'a missing value';
  if (typeof value !== 'object') return typeof value;
  const bson = (value as { _bsontype?: string })._bsontype;
  if (bson) return bson;
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  return value.constructor?.name === 'Object' ? 'a document' : (value.constructor?.name ?? 'an object');
}
