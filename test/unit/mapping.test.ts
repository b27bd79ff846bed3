import { BSON, Decimal128, Double, Int32, Long, ObjectId, UUID } from 'mongodb';
import { decodeDocument, encodeDocument, escapeKey, READ_OPTIONS, unescapeKey } from '../../lib/connectors/mongo/codec';
import { fromKeyPart, toKeyPart } from '../../lib/connectors/keys';
import { encodeColumn } from '../../lib/connectors/pg/encode';
import { canonicalJson, fieldsThatDiffer } from '../../lib/mapping/canonical';
import { compileMapping } from '../../lib/mapping/entity';
import { FidelityError } from '../../lib/mapping/errors';
import { parseExactJson, stringifyExactJson } from '../../lib/mapping/exact-json';
import { Numeric, plainDecimal, PreciseDate } from '../../lib/mapping/values';
import { instantToWallClock, wallClockToInstant } from '../../lib/mapping/zone';
import { parseSpec } from '../../lib/spec';

function entity(overrides: Record<string, unknown>) {
  const parsed = parseSpec({
    id: 'm',
    source: { connection: 'S' },
    target: { connection: 'T', database: 'app' },
    control: { connection: 'S' },
    entities: [{ name: 'users', from: { table: 'users', key: ['id'], version: 'updated_at' }, to: { collection: 'users' }, ...overrides }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec.entities[0];
}

describe('entity mapping', () => {
  const m = compileMapping(
    entity({
      fields: { id: '_id', legacy_flag: null, mail: 'email' },
      transforms: [
        { split: 'full_name', into: ['first_name', 'last_name'], separator: ' ' },
        { cast: 'age', from: 'string', to: 'number' },
      ],
      defaults: { metadata: { tier: 'free' } },
      embed: [{ table: 'orders', key: ['id'], foreignKey: 'user_id', as: 'orders', fields: { user_id: null, amount: 'total' } }],
    }),
  );
  const row = {
    id: 1,
    mail: 'a@x.io',
    legacy_flag: true,
    full_name: 'Jean Paul Sartre',
    age: '42',
    updated_at: new Date(5),
    orders: [{ id: 9, user_id: 1, amount: 3 }],
  };

  test('renames, drops, splits, casts, defaults and embeds', () => {
    expect(m.targetKey).toEqual(['_id']);
    expect(m.targetVersion).toBe('updated_at');
    expect(m.toTarget(row)).toEqual({
      _id: 1,
      email: 'a@x.io',
      first_name: 'Jean',
      last_name: 'Paul Sartre',
      age: 42,
      updated_at: new Date(5),
      orders: [{ id: 9, total: 3 }],
      metadata: { tier: 'free' },
    });
  });

  test('toSource inverts it, except what was dropped', () => {
    const { legacy_flag: _dropped, ...rest } = row;
    expect(m.toSource(m.toTarget(row))).toEqual({ ...rest, orders: [{ id: 9, amount: 3 }] });
  });

  test('defaults only fill missing or null fields', () => {
    expect(m.toTarget({ id: 2, metadata: { tier: 'gold' } }).metadata).toEqual({ tier: 'gold' });
    expect(m.toTarget({ id: 3 }).metadata).toEqual({ tier: 'free' });
  });

  test('split keeps null and empty distinct and joins back exactly', () => {
    expect(m.toTarget({ id: 1, full_name: null })).toMatchObject({ first_name: null, last_name: null });
    expect(m.toTarget({ id: 1, full_name: 'Cher' })).toMatchObject({ first_name: 'Cher', last_name: null });
    expect(m.toTarget({ id: 1, full_name: 'Cher ' })).toMatchObject({ first_name: 'Cher', last_name: '' });
    for (const name of ['Cher', 'Cher ', 'A B C', '']) expect(m.toSource(m.toTarget({ id: 1, full_name: name })).full_name).toBe(name);
  });

  test('an inexact cast is refused, never approximated', () => {
    expect(() => m.toTarget({ id: 1, age: '042' })).toThrow(FidelityError);
    expect(() => m.toTarget({ id: 1, age: 'forty' })).toThrow(/not a number/);
  });

  test('concat is the inverse of split', () => {
    const c = compileMapping(entity({ transforms: [{ concat: ['first', 'last'], into: 'name', separator: ', ' }] }));
    expect(c.toTarget({ id: 1, first: 'Doe', last: 'John' })).toEqual({ id: 1, name: 'Doe, John' });
    expect(c.toSource({ id: 1, name: 'Doe, John' })).toEqual({ id: 1, first: 'Doe', last: 'John' });
  });

  test('a key field cannot be dropped', () => {
    expect(() => compileMapping(entity({ fields: { id: null } }))).toThrow(/cannot be dropped/);
  });
});

describe('canonical form', () => {
  test('one text per value and type: int32, int64 and JS integers agree; an integral double, a decimal, an ObjectId or a UUID never equals another type', () => {
    expect(canonicalJson({ _id: 5n })).toBe(canonicalJson({ _id: 5 }));
    expect(canonicalJson(new Double(3))).not.toBe(canonicalJson(3));
    expect(canonicalJson(new Double(2.5))).toBe(canonicalJson(2.5));
    expect(canonicalJson(new Numeric('1.50'))).not.toBe(canonicalJson('1.50'));
    expect(canonicalJson(new Numeric('1.5E+3'))).toBe(canonicalJson(new Numeric('1500')));
    expect(canonicalJson(new ObjectId('65f000000000000000000000'))).not.toBe(canonicalJson('65f000000000000000000000'));
    const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    expect(canonicalJson(new UUID(uuid))).not.toBe(canonicalJson(uuid));
    expect(canonicalJson(new Double(NaN))).not.toBe(canonicalJson('NaN'));
    expect(canonicalJson({ d: new Date(1000) })).not.toBe(canonicalJson({ d: new PreciseDate(1000, 1) }));
  });

  test('decimals compare by value text, exponent or not', () => {
    expect(plainDecimal('1.5E+3')).toBe('1500');
    expect(plainDecimal('1E-7')).toBe('0.0000001');
    expect(plainDecimal('-1.23E+1')).toBe('-12.3');
    expect(plainDecimal('12.50')).toBe('12.50');
  });
});

describe('exact JSON', () => {
  test('numbers a double cannot hold survive parse and stringify', () => {
    const text = '{"a":9007199254740993,"b":0.1000000000000000055511151231257827,"c":1e400,"d":1.5,"e":"12345678901234567"}';
    const v = parseExactJson(text) as Record<string, unknown>;
    expect(v.a).toBe(9007199254740993n);
    expect(v.b).toEqual(new Numeric('0.1000000000000000055511151231257827'));
    expect(v.d).toBe(1.5);
    expect(v.e).toBe('12345678901234567');
    expect(stringifyExactJson('j', v as never)).toBe(text);
  });

  test('NaN cannot go into JSON', () => {
    expect(() => stringifyExactJson('j', { x: NaN })).toThrow(FidelityError);
  });
});

describe('timestamps without time zone', () => {
  test('wall clock ↔ instant in a zone, microseconds kept, DST respected', () => {
    const winter = wallClockToInstant('ts', '2024-01-15 12:00:00.123456', 'Europe/Berlin');
    expect(winter.toISOString()).toBe('2024-01-15T11:00:00.123Z');
    expect(winter.micros).toBe(456);
    const summer = wallClockToInstant('ts', '2024-07-15 12:00:00', 'Europe/Berlin');
    expect(summer.toISOString()).toBe('2024-07-15T10:00:00.000Z');
    expect(instantToWallClock(winter, winter.micros, 'Europe/Berlin')).toBe('2024-01-15T12:00:00.123456');
    expect(instantToWallClock(new Date('0099-01-01T00:00:00Z'), 0, 'UTC')).toBe('0099-01-01T00:00:00.000000');
  });
});

describe('BSON codec', () => {
  test('keys with dots, $ and % are escaped reversibly', () => {
    for (const k of ['a.b', '$x', 'x$', '100%', '%2E', 'plain']) expect(unescapeKey(escapeKey(k))).toBe(k);
    expect(escapeKey('$a.b')).toBe('%24a%2Eb');
  });

  test('every "%" is escaped, not only a leading one (docs/types.md): a stored "%2E" then always means "."', () => {
    expect(escapeKey('50%off')).toBe('50%25off');
    expect(escapeKey('%2E')).toBe('%252E');
    expect(escapeKey('x$')).toBe('x$');
    expect(unescapeKey('50%off')).toBe('50%off');
  });

  test('dialect ferretdb: an array inside an array is refused with the field path; float -0 is stored as "-0"', () => {
    const ferret = { dialect: 'ferretdb', microseconds: 'keep' } as const;
    expect(() => encodeDocument({ j: { m: [{ ok: [1] }, [2]] } }, ferret)).toThrow('j.m: FerretDB cannot store an array inside an array');
    expect(encodeDocument({ m: [[1]] }, { ...ferret, dialect: 'mongodb' })).toEqual({ m: [[1]] });
    expect(encodeDocument({ d: new Double(-0), a: [new Double(-0)], j: -0 }, ferret)).toEqual({ d: '-0', a: ['-0'], j: -0 });
    // -0 is not 0, nor the text "-0" (a FerretDB target compares in its stored form, where it is that text).
    expect(canonicalJson(new Double(-0))).not.toBe(canonicalJson('-0'));
    expect(canonicalJson(new Double(-0))).not.toBe(canonicalJson(new Double(0)));
    expect(canonicalJson(-0)).not.toBe(canonicalJson(0));
  });

  test('a document read keeps int32, int64 and double apart: number, bigint, Double', () => {
    const read = BSON.deserialize(BSON.serialize({ i: new Int32(2), l: Long.fromNumber(2), d: new Double(2), at: new Date(1000), at__us: 42 }), READ_OPTIONS);
    const row = decodeDocument(read);
    expect(row).toEqual({ i: 2, l: 2n, d: new Double(2), at: expect.any(PreciseDate) });
    expect((row.at as PreciseDate).micros).toBe(42);
  });

  test('microseconds go to a sibling field and come back', () => {
    const doc = encodeDocument({ at: new PreciseDate(1000, 42) }, { dialect: 'mongodb', microseconds: 'keep' });
    expect(doc).toEqual({ at: new Date(1000), at__us: 42 });
    const back = decodeDocument(doc).at as PreciseDate;
    expect([back.getTime(), back.micros]).toEqual([1000, 42]);
    expect(encodeDocument({ at: new PreciseDate(1000, 42) }, { dialect: 'mongodb', microseconds: 'truncate' })).toEqual({ at: new Date(1000) });
  });

  test('MongoDB dialect stores decimals as Decimal128 and refuses more than 34 digits', () => {
    const opts = { dialect: 'mongodb' as const, microseconds: 'keep' as const };
    expect(encodeDocument({ n: new Numeric('123456789012345678901234567890.123') }, opts).n).toEqual(
      Decimal128.fromString('123456789012345678901234567890.123'),
    );
    expect(() => encodeDocument({ n: new Numeric('1'.repeat(40)) }, opts)).toThrow(/34/);
    expect(encodeDocument({ n: new Double(NaN) }, opts).n).toEqual(new Double(NaN));
    expect(encodeDocument({ n: new Double(NaN) }, { ...opts, dialect: 'ferretdb' }).n).toBe('NaN');
  });

  test('key parts are JSON-safe and round-trip', () => {
    const oid = new ObjectId();
    expect(toKeyPart(2n ** 62n)).toEqual({ $numberLong: '4611686018427387904' });
    expect(fromKeyPart({ $numberLong: '4611686018427387904' })).toBe(2n ** 62n);
    expect(fromKeyPart(toKeyPart(oid))).toEqual(oid);
    expect(() => toKeyPart(new Date())).toThrow(/key value/);
  });
});

describe('MongoDB Decimal128 into a PostgreSQL numeric column', () => {
  const numeric = {
    name: 'amount',
    notNull: false,
    hasDefault: false,
    type: 'numeric',
    typeSql: 'numeric',
    typeDecl: 'numeric',
    category: 'N',
    isEnum: false,
    computed: false,
    generated: false,
    identityAlways: false,
  };
  const encode = (text: string) => encodeColumn(numeric, Decimal128.fromString(text), 'UTC');

  test('30 significant digits arrive as the exact numeric text, never through a double', () => {
    expect(encode('12345678901234567890.1234567890')).toBe('12345678901234567890.1234567890');
    expect(encode('-0.000000000000000000000000000001')).toBe('-1E-30');
  });

  test('NaN, ±Infinity and -0 become the numeric input PostgreSQL reads as NaN, ±Infinity and 0', () => {
    expect(['NaN', 'Infinity', '-Infinity', '-0'].map(encode)).toEqual(['NaN', 'Infinity', '-Infinity', '-0']);
  });
});

describe('canonical form: null and missing', () => {
  test('a null field and a missing one differ, in a record and inside a value (jsonb, a sub-document)', () => {
    expect(canonicalJson({ a: 1, b: null })).not.toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson({ j: { x: null } })).not.toBe(canonicalJson({ j: {} }));
    expect(canonicalJson({ j: [{ x: null }] })).not.toBe(canonicalJson({ j: [{}] }));
    expect(fieldsThatDiffer({ j: { x: null } }, { j: {} })).toEqual(['j']);
    expect(fieldsThatDiffer({ a: null }, {})).toEqual(['a']);
  });
});
