import { Binary, Double, Long, ObjectId } from 'mongodb';
import { z } from 'zod';
import type { Value } from '../mapping/values';
import type { Key, KeyPart } from './types';

/** A key field's value → its JSON-safe form (see KeyPart). Other types cannot be keys. */
export function toKeyPart(value: Value | undefined): KeyPart {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  // A double read from MongoDB (READ_OPTIONS keeps its type); as a key, its value is what a lookup matches.
  if (value instanceof Double && Number.isFinite(value.value)) return value.value;
  if (typeof value === 'bigint') return { $numberLong: value.toString() };
  if (value instanceof Long) return { $numberLong: value.toString() };
  if (value instanceof ObjectId) return { $oid: value.toHexString() };
  if (value instanceof Binary && value.sub_type === Binary.SUBTYPE_UUID) return value.toUUID().toHexString(true);
  throw new Error(`a key value must be a string, number, bigint or ObjectId, got ${describeValue(value)}`);
}

/** What a key part may be (KeyPart), checked where keys enter from outside (the router's callers). */
const keyPartSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.strictObject({ $numberLong: z.string().regex(/^-?\d{1,19}$/, 'digits') }),
  z.strictObject({ $oid: z.string().regex(/^[0-9a-fA-F]{24}$/, '24 hex digits') }),
]);
const keySchema = z.array(keyPartSchema).min(1);

/**
 * A key from outside, refused unless every part is a KeyPart: an object such as {"$gt": ""}
 * would otherwise become a query operator in a MongoDB filter.
 */
export function parseKey(key: unknown): Key {
  const parsed = keySchema.safeParse(key);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length ? `part ${String(issue.path[0])}: ` : '';
  throw new Error(
    `key ${JSON.stringify(key)} is not a key: ${where}expected an array of strings, numbers, booleans, {"$numberLong": digits} or {"$oid": 24 hex digits}`,
  );
}

export function fromKeyPart(part: KeyPart): Value {
  if (typeof part === 'object' && part !== null) {
    if ('$numberLong' in part) return BigInt(part.$numberLong);
    if ('$oid' in part) return new ObjectId(part.$oid);
    // Never pass an unknown object on: in a MongoDB filter it would be an operator.
    throw new Error(`a key part must be a string, number, boolean, $numberLong or $oid, got ${describeValue(part)}`);
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
