import { types } from 'cassandra-driver';
import { Binary, Decimal128, Double, ObjectId } from 'mongodb';
import { stringifyExactJson } from '../../mapping/exact-json';
import { FidelityError } from '../../mapping/errors';
import { isPlainObject, Numeric, Value } from '../../mapping/values';

type TypeInfo = { code: types.dataTypes; info?: unknown };
const T = types.dataTypes;
const INT_LIMITS: Partial<Record<types.dataTypes, [number, number]>> = {
  [T.int]: [-(2 ** 31), 2 ** 31 - 1],
  [T.smallint]: [-(2 ** 15), 2 ** 15 - 1],
  [T.tinyint]: [-128, 127],
};
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n];

/**
 * One value into what the driver binds for a column of `type` (docs/types.md, "Cassandra"), or a
 * FidelityError naming the field: every CQL type takes only what it holds exactly. A document or
 * an array into a text column is its exact JSON text.
 */
export function encodeValue(path: string, value: Value, type: TypeInfo): unknown {
  if (value === null) return null;
  const refuse = (why?: string) => new FidelityError(path, why ?? `${describe(value)} does not fit a ${typeName(type)} column`);
  switch (type.code) {
    case T.ascii:
    case T.text:
    case T.varchar:
      if (typeof value === 'string') return value;
      if (Array.isArray(value) || isPlainObject(value)) return stringifyExactJson(path, value);
      throw refuse();
    case T.boolean:
      if (typeof value === 'boolean') return value;
      throw refuse();
    case T.int:
    case T.smallint:
    case T.tinyint: {
      const n = integer(value);
      const [min, max] = INT_LIMITS[type.code]!;
      if (n === undefined || n < BigInt(min) || n > BigInt(max)) throw refuse();
      return Number(n);
    }
    case T.bigint:
    case T.counter: {
      const n = integer(value);
      if (n === undefined || n < INT64[0] || n > INT64[1]) throw refuse();
      return n;
    }
    case T.varint: {
      const n = integer(value) ?? (value instanceof Numeric && /^-?\d+$/.test(value.text) ? BigInt(value.text) : undefined);
      if (n === undefined) throw refuse();
      return n;
    }
    case T.float: {
      const n = double(value);
      if (n === undefined || (Number.isFinite(n) && Math.fround(n) !== n)) throw refuse(n === undefined ? undefined : `${n} is not exactly a 32-bit float`);
      return n;
    }
    case T.double: {
      const n = double(value);
      if (n === undefined) throw refuse();
      return n;
    }
    case T.decimal: {
      const text = value instanceof Numeric || value instanceof Decimal128 ? value.toString() : typeof value === 'bigint' ? value.toString() : undefined;
      const n = text ?? (typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined);
      if (n === undefined || !/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(n)) throw refuse();
      return types.BigDecimal.fromString(n);
    }
    case T.timestamp:
      if (value instanceof Date && !Number.isNaN(value.getTime())) return new Date(value.getTime());
      throw refuse();
    case T.uuid:
    case T.timeuuid: {
      const text = value instanceof Binary && value.sub_type === Binary.SUBTYPE_UUID ? value.toUUID().toHexString(true) : value;
      if (typeof text !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) throw refuse();
      return types.Uuid.fromString(text.toLowerCase());
    }
    case T.blob:
      if (value instanceof Binary && value.sub_type !== Binary.SUBTYPE_UUID) return Buffer.from(value.read(0, value.length()));
      throw refuse();
    case T.inet:
      if (typeof value === 'string') return types.InetAddress.fromString(value);
      throw refuse();
    case T.list:
    case T.set:
      if (!Array.isArray(value)) throw refuse();
      return value.map((v, i) => {
        if (v === null) throw new FidelityError(`${path}[${i}]`, 'a Cassandra collection cannot hold null');
        return encodeValue(`${path}[${i}]`, v, type.info as TypeInfo);
      });
    case T.map: {
      const [keyType, valueType] = type.info as TypeInfo[];
      if (!isPlainObject(value) || ![T.text, T.varchar, T.ascii].includes(keyType.code)) throw refuse();
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => {
          if (v === null) throw new FidelityError(`${path}.${k}`, 'a Cassandra map cannot hold null');
          return [k, encodeValue(`${path}.${k}`, v, valueType)];
        }),
      );
    }
    case T.udt: {
      if (!isPlainObject(value)) throw refuse();
      const fields = (type.info as { fields: Array<{ name: string; type: TypeInfo }> }).fields;
      const unknown = Object.keys(value).filter((k) => !fields.some((f) => f.name === k));
      if (unknown.length) throw refuse(`the user-defined type has no field ${unknown.join(', ')}`);
      return Object.fromEntries(fields.map((f) => [f.name, encodeValue(`${path}.${f.name}`, value[f.name] ?? null, f.type)]));
    }
    default:
      throw refuse(`switchyard does not write ${typeName(type)} columns`);
  }
}

/** A value the driver read from a column of `type`, back in the neutral value model. */
export function decodeValue(value: unknown, type: TypeInfo): Value {
  if (value === null || value === undefined) return null;
  switch (type.code) {
    case T.decimal:
      return new Numeric((value as types.BigDecimal).toString());
    case T.uuid:
    case T.timeuuid:
    case T.inet:
      return String(value);
    case T.blob:
      return new Binary(value as Buffer);
    case T.list:
      return (value as unknown[]).map((v) => decodeValue(v, type.info as TypeInfo));
    case T.set:
      return inSetOrder(
        (value as unknown[]).map((v) => decodeValue(v, type.info as TypeInfo)),
        type.info as TypeInfo,
      );
    case T.map: {
      const valueType = (type.info as TypeInfo[])[1];
      return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, decodeValue(v, valueType)]));
    }
    case T.udt: {
      const fields = (type.info as { fields: Array<{ name: string; type: TypeInfo }> }).fields;
      return Object.fromEntries(fields.map((f) => [f.name, decodeValue((value as Record<string, unknown>)[f.name], f.type)]));
    }
    default:
      return value as Value;
  }
}

/**
 * A set of text or numbers in the order Cassandra keeps it (UTF-8 bytes, numeric), so a set bound
 * here reads as the server returns it; other element types keep the order given.
 */
function inSetOrder(values: Value[], element: TypeInfo): Value[] {
  if ([T.text, T.varchar, T.ascii].includes(element.code)) return values.sort((a, b) => Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)));
  if ([T.int, T.smallint, T.tinyint, T.bigint, T.varint, T.float, T.double].includes(element.code))
    return values.sort((a, b) => ((a as number | bigint) < (b as number | bigint) ? -1 : (a as number | bigint) > (b as number | bigint) ? 1 : 0));
  return values;
}

function integer(value: Value): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (value instanceof Double && Number.isSafeInteger(value.value)) return BigInt(value.value);
  return undefined;
}

function double(value: Value): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof Double) return value.value;
  return undefined;
}

function describe(value: Value): string {
  if (value instanceof Numeric) return 'a decimal';
  if (value instanceof Date) return 'a timestamp';
  if (value instanceof ObjectId) return 'an ObjectId';
  if (value instanceof Binary) return 'binary data';
  if (Array.isArray(value)) return 'an array';
  if (isPlainObject(value)) return 'a document';
  return `a ${typeof value}`;
}

const NAMES = new Map(Object.entries(T).map(([name, code]) => [code as number, name]));

export function typeName(type: TypeInfo): string {
  return NAMES.get(type.code) ?? `type 0x${type.code.toString(16)}`;
}
