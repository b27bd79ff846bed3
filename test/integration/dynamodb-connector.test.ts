import { GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { Binary, Decimal128, ObjectId } from 'mongodb';
import { closeAllClients } from '../../lib/connectors/clients';
import { canonicalJson } from '../../lib/mapping/canonical';
import { Numeric, PreciseDate, Value } from '../../lib/mapping/values';
import type { MappedRecord } from '../../lib/connectors/types';
import { dynamoFixture, DynamoFixture } from './dynamodb-fixtures';

/** The DynamoDB connector against dynalite: type fidelity, quarantine, version guard, tombstones, parallel scan. */
let fx: DynamoFixture;

beforeAll(() => {
  fx = dynamoFixture();
});

afterAll(async () => {
  await fx.close();
  await closeAllClients();
});

const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('type round trips', () => {
  /** [field, value written, value read back]: every row of the DynamoDB table in docs/types.md. */
  const cases: Array<[string, Value, Value]> = [
    ['text', 'héllo ✓', 'héllo ✓'],
    ['empty', '', ''],
    ['int', 42, 42],
    ['negative', -7, -7],
    ['double', 0.1, 0.1],
    ['tiny', 1.5e-7, 1.5e-7],
    ['int8', 9223372036854775807n, 9223372036854775807n],
    ['int8_min', -9223372036854775808n, -9223372036854775808n],
    ['numeric', new Numeric('12345678901234567890.123456789012345678'), new Numeric('12345678901234567890.123456789012345678')],
    ['numeric_scale', new Numeric('10.50'), 10.5],
    ['numeric_int', new Numeric('100'), 100],
    ['numeric_big', new Numeric('123456789012345678901234567890'), new Numeric('123456789012345678901234567890')],
    ['decimal128', Decimal128.fromString('3.14159265358979323846'), new Numeric('3.14159265358979323846')],
    ['bool', true, true],
    ['null', null, null],
    ['ts', new PreciseDate(Date.UTC(2024, 4, 1, 10, 0, 0, 123), 456), '2024-05-01T10:00:00.123456Z'],
    ['ts_ms', new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)), '1999-12-31T23:59:59.999000Z'],
    ['oid', new ObjectId('65f0a1b2c3d4e5f60718293a'), '65f0a1b2c3d4e5f60718293a'],
    ['uuid', Binary.createFromHexString(uuid.replace(/-/g, ''), Binary.SUBTYPE_UUID), uuid],
    ['bytes', new Binary(Buffer.from([0, 1, 2, 254, 255])), new Binary(Buffer.from([0, 1, 2, 254, 255]))],
    ['list', [1, 'two', null, [3], { four: 4 }], [1, 'two', null, [3], { four: 4 }]],
    ['map', { a: { b: { c: [true, false] } }, n: null, e: '' }, { a: { b: { c: [true, false] } }, n: null, e: '' }],
  ];

  test.each(cases)('%s is stored and read back as the docs say, and storedForm predicts it', async (field, written, read) => {
    const table = await fx.table('types', ['id', 'N']);
    const c = fx.entity(table, ['id']);
    const record: MappedRecord = { id: 1, [field]: written };
    expect(await c.writeBatch([record])).toEqual({ written: 1, skipped: 0, quarantined: 0 });
    const { records, rejected } = await c.fetchByKeys([[1]]);
    expect(rejected).toEqual([]);
    expect(records).toHaveLength(1);
    expect(canonicalJson(records[0][field])).toBe(canonicalJson(read));
    expect(canonicalJson(records[0])).toBe(canonicalJson((await c.storedForm!([record]))[0]));
  });

  test('sets written by others read as sorted arrays', async () => {
    const table = await fx.table('sets', ['id', 'S']);
    await fx.client.send(
      new PutItemCommand({
        TableName: table,
        Item: { id: { S: 'a' }, ss: { SS: ['pear', 'apple'] }, ns: { NS: ['10', '-2.5', '3'] }, bs: { BS: [Buffer.from([2]), Buffer.from([1])] } },
      }),
    );
    const { records } = await fx.entity(table, ['id']).fetchByKeys([['a']]);
    expect(canonicalJson(records[0])).toBe(
      canonicalJson({ id: 'a', ss: ['apple', 'pear'], ns: [-2.5, 3, 10], bs: [new Binary(Buffer.from([1])), new Binary(Buffer.from([2]))] }),
    );
  });
});

describe('quarantine', () => {
  test.each([
    ['39 digits', new Numeric('123456789012345678901234567890123456789'), /39 significant digits; a DynamoDB number holds at most 38/],
    ['magnitude', new Numeric('1e126'), /outside DynamoDB's number range/],
    ['NaN', Number.NaN, /NaN has no DynamoDB number form/],
    ['numeric NaN', new Numeric('NaN'), /not a finite decimal/],
    ['-0', -0, /-0 has no DynamoDB number form/],
    ['year 10000', new Date(Date.UTC(10000, 0, 1)), /outside the years 0000–9999/],
  ])('%s is quarantined with its reason, never rounded, and the rest of the batch written', async (_name, value, reason) => {
    const table = await fx.table('quarantine', ['id', 'N']);
    const c = fx.entity(table, ['id']);
    const r = await c.writeBatch([
      { id: 1, v: value },
      { id: 2, v: 1 },
    ]);
    expect(r).toEqual({ written: 1, skipped: 0, quarantined: 1 });
    expect((await c.fetchByKeys([[1], [2]])).records.map((x) => x.id)).toEqual([2]);
    const entry = await fx.client.send(new GetItemCommand({ TableName: 'switchyard_quarantine', Key: { id: { S: JSON.stringify([table, [1]]) } } }));
    expect(entry.Item?.reason.S).toMatch(reason);
    expect(await c.quarantined()).toBe(1);
  });

  test('an item over 400 KB is quarantined with its size', async () => {
    const table = await fx.table('big', ['id', 'N']);
    const c = fx.entity(table, ['id']);
    expect(await c.quarantined()).toBe(0);
    const r = await c.writeBatch([{ id: 1, blob: 'x'.repeat(410 * 1024) }]);
    expect(r.quarantined).toBe(1);
    expect(await c.quarantined()).toBe(1);
    const entry = await fx.client.send(new GetItemCommand({ TableName: 'switchyard_quarantine', Key: { id: { S: JSON.stringify([table, [1]]) } } }));
    expect(entry.Item?.reason.S).toMatch(/the item is 4198\d\d bytes; DynamoDB holds at most 409600 bytes \(400 KB\)/);
  });
});

describe('version guard (ConditionExpression) and tombstones', () => {
  test('a write replaces only an older version; equal and older ones are skipped', async () => {
    const table = await fx.table('guard', ['id', 'N']);
    const c = fx.entity(table, ['id'], 'v');
    expect(await c.writeBatch([{ id: 1, v: 2, name: 'two' }])).toMatchObject({ written: 1 });
    expect(await c.writeBatch([{ id: 1, v: 1, name: 'one' }])).toMatchObject({ written: 0, skipped: 1 });
    expect(await c.writeBatch([{ id: 1, v: 2, name: 'two again' }])).toMatchObject({ written: 0, skipped: 1 });
    expect(await c.writeBatch([{ id: 1, v: 3, name: 'three' }])).toMatchObject({ written: 1 });
    expect((await c.fetchByKeys([[1]])).records[0]).toEqual({ id: 1, v: 3, name: 'three' });
    // Two versions of one key in one batch: the newer wins whatever their order.
    expect(
      await c.writeBatch([
        { id: 1, v: 5, name: 'five' },
        { id: 1, v: 4, name: 'four' },
      ]),
    ).toMatchObject({ written: 1, skipped: 1 });
    expect((await c.fetchByKeys([[1]])).records[0].name).toBe('five');
  });

  test('timestamps as versions order by their ISO text, microseconds included', async () => {
    const table = await fx.table('guard_ts', ['id', 'N']);
    const c = fx.entity(table, ['id'], 'updated_at');
    const at = (us: number) => new PreciseDate(Date.UTC(2024, 0, 1, 0, 0, 0, 5), us);
    await c.writeBatch([{ id: 1, updated_at: at(500) }]);
    expect(await c.writeBatch([{ id: 1, updated_at: at(499) }])).toMatchObject({ skipped: 1 });
    expect(await c.writeBatch([{ id: 1, updated_at: at(501) }])).toMatchObject({ written: 1 });
  });

  test('a delete leaves a tombstone: an older write cannot re-create the key, a newer one can', async () => {
    const table = await fx.table('tomb', ['id', 'N']);
    const c = fx.entity(table, ['id'], 'v');
    await c.writeBatch([
      { id: 1, v: 5 },
      { id: 2, v: 5 },
    ]);
    expect(await c.deleteKeys([[1]])).toEqual({ deleted: 1, kept: [], removedVersion: 5 });
    expect((await c.fetchByKeys([[1]])).records).toEqual([]);
    expect(await c.count()).toBe(1);
    expect(await c.writeBatch([{ id: 1, v: 5 }])).toMatchObject({ written: 0, skipped: 1 });
    expect(await c.writeBatch([{ id: 1, v: 6 }])).toMatchObject({ written: 1 });
    expect((await c.fetchByKeys([[1]])).records).toEqual([{ id: 1, v: 6 }]);
    // existingOnly never re-creates a deleted key.
    await c.deleteKeys([[2]]);
    expect(await c.writeBatch([{ id: 2, v: 9 }], { existingOnly: true })).toMatchObject({ written: 0, skipped: 1 });
    // An unguarded write is the truth about its key: it replaces the tombstone.
    expect(await c.writeBatch([{ id: 2, v: 1 }], { versionGuard: false })).toMatchObject({ written: 1 });
    expect((await c.fetchByKeys([[2]])).records).toEqual([{ id: 2, v: 1 }]);
  });

  test('a delete up to a version keeps a newer record and tombstones an absent key at that version', async () => {
    const table = await fx.table('upto', ['id', 'N']);
    const c = fx.entity(table, ['id'], 'v');
    await c.writeBatch([{ id: 1, v: 7 }]);
    expect(await c.deleteKeys([[1]], { upTo: 6 })).toEqual({ deleted: 0, kept: [[1]] });
    expect(await c.deleteKeys([[1]], { upTo: 7 })).toEqual({ deleted: 1, kept: [], removedVersion: 7 });
    expect(await c.deleteKeys([[3]], { upTo: 4 })).toEqual({ deleted: 0, kept: [] });
    expect(await c.writeBatch([{ id: 3, v: 4 }])).toMatchObject({ skipped: 1 });
    expect(await c.writeBatch([{ id: 3, v: 5 }])).toMatchObject({ written: 1 });
    expect(await c.deleteKeys([[3]], { upTo: null })).toEqual({ deleted: 0, kept: [[3]] });
  });
});

describe('parallel scan', () => {
  test('every live item is seen once; readRange pages in key order over a partition + sort key', async () => {
    const table = await fx.table('scan', ['tenant', 'S'], ['seq', 'N']);
    const c = fx.entity(table, ['tenant', 'seq'], 'v');
    const records = Array.from({ length: 300 }, (_, i) => ({ tenant: `t${i % 7}`, seq: i, v: 1, pad: 'p'.repeat(i % 50) }));
    expect(await c.writeBatch(records)).toMatchObject({ written: 300 });
    await c.deleteKeys([['t0', 0]]);
    const seen: string[] = [];
    await c.scanRange({}, (batch) => seen.push(...batch.records.map((r) => JSON.stringify(c.keyOf(r)))));
    expect(seen).toHaveLength(299);
    expect(new Set(seen).size).toBe(299);
    const scan = await fx.client.send(new ScanCommand({ TableName: table, Select: 'COUNT' }));
    expect(scan.Count).toBe(300); // the tombstone is an item, left out of every read

    const paged: string[] = [];
    let after;
    do {
      const page = await c.readRange({ after, limit: 64 });
      paged.push(...page.records.map((r) => JSON.stringify(c.keyOf(r))));
      after = page.lastKey;
    } while (after);
    const expected = records
      .slice(1)
      .map((r) => [r.tenant, r.seq])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : (a[1] as number) - (b[1] as number)))
      .map((k) => JSON.stringify(k));
    expect(paged).toEqual(expected);
    expect(await c.count({ from: ['t1', 0], to: ['t2', 0] })).toBe(records.filter((r) => r.tenant === 't1').length);
  });
});

describe('decommission by tagging (DynamoDB cannot rename a table)', () => {
  test("retire tags the table, another migration cannot retire it again, restore untags it, and drop deletes only a table carrying this migration's tag", async () => {
    const table = await fx.table('retired', ['id', 'N']);
    const items = fx.entity(table, ['id'], 'version');
    await items.writeBatch([{ id: 1, version: 1 }]);
    const listed = [{ name: table, retiredAs: table, mark: `switchyard-retired=m1` }];
    expect(await items.retire('m1')).toEqual(listed);
    expect(await items.retire('m1')).toEqual(listed);
    await expect(items.retire('m2')).rejects.toThrow(`DynamoDB table ${table} is already retired by migration m1`);
    expect(await items.drop('m2')).toEqual([]);
    expect(await items.restore('m1')).toEqual(listed);
    expect(await items.drop('m1')).toEqual([]);
    expect(await items.count()).toBe(1);
    await items.retire('m1');
    expect(await items.drop('m1')).toEqual(listed);
    await expect(items.count()).rejects.toThrow(/not found|ResourceNotFound/i);
    expect(await items.drop('m1')).toEqual([]);
  });
});
