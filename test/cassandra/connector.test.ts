import { Binary } from 'mongodb';
import { closeAllClients } from '../../lib/connectors/clients';
import type { MappedRecord } from '../../lib/connectors/types';
import { canonicalJson } from '../../lib/mapping/canonical';
import { Numeric, PreciseDate, Value } from '../../lib/mapping/values';
import { cassandraFixture, CassandraFixture } from './fixtures';

/** The Cassandra connector against Cassandra 5.0: type fidelity, quarantine, USING TIMESTAMP version guard, token-range scan. */
let fx: CassandraFixture;

beforeAll(async () => {
  fx = await cassandraFixture('cass_conn');
  await fx.cql(`CREATE TYPE %s.address (street text, zip int)`);
  await fx.cql(
    `CREATE TABLE %s.types (id int PRIMARY KEY, t text, b bigint, vi varint, d decimal, f float, db double, bo boolean, ts timestamp, ts__us int,
       u uuid, tu timeuuid, bl blob, l list<int>, s set<text>, m map<text, int>, j text, addr frozen<address>, si smallint, version bigint)`,
  );
  await fx.cql(`CREATE TABLE %s.guard (id int PRIMARY KEY, name text, v bigint)`);
  await fx.cql(`CREATE TABLE %s.scan (tenant text, seq int, v bigint, pad text, PRIMARY KEY ((tenant), seq))`);
  await fx.cql(`CREATE TABLE %s.nomicros (id int PRIMARY KEY, at timestamp)`);
});

afterAll(async () => {
  await fx.close();
  await closeAllClients();
});

const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('type round trips', () => {
  /** [column, value written, value read back]: every row of the Cassandra table in docs/types.md. */
  const cases: Array<[string, Value, Value]> = [
    ['t', 'héllo ✓', 'héllo ✓'],
    ['b', 9223372036854775807n, 9223372036854775807n],
    ['vi', 123456789012345678901234567890n, 123456789012345678901234567890n],
    ['d', new Numeric('12345678901234567890.1234567890123456789'), new Numeric('12345678901234567890.1234567890123456789')],
    ['d', new Numeric('10.50'), new Numeric('10.50')],
    ['f', Math.fround(0.1), Math.fround(0.1)],
    ['db', 0.1, 0.1],
    ['bo', false, false],
    ['ts', new PreciseDate(Date.UTC(2024, 4, 1, 10, 0, 0, 123), 456), new PreciseDate(Date.UTC(2024, 4, 1, 10, 0, 0, 123), 456)],
    ['ts', new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 999)), new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 999))],
    ['u', uuid, uuid],
    ['u', Binary.createFromHexString(uuid.replace(/-/g, ''), Binary.SUBTYPE_UUID), uuid],
    ['tu', 'd2177dd0-eaa2-11de-a572-001b779c76e3', 'd2177dd0-eaa2-11de-a572-001b779c76e3'],
    ['bl', new Binary(Buffer.from([0, 1, 254, 255])), new Binary(Buffer.from([0, 1, 254, 255]))],
    ['l', [3, 1, 2], [3, 1, 2]],
    ['s', ['pear', 'apple'], ['apple', 'pear']],
    ['m', { a: 1, b: 2 }, { a: 1, b: 2 }],
    ['j', { doc: [1, { n: null }], big: 12345678901234567890n }, '{"doc":[1,{"n":null}],"big":12345678901234567890}'],
    ['addr', { street: 'Main', zip: 12345 }, { street: 'Main', zip: 12345 }],
    ['si', -32768, -32768],
  ];

  test.each(cases)('%s: %p is stored and read back as the docs say, and storedForm predicts it', async (column, written, read) => {
    const c = fx.entity('types', ['id'], 'version');
    const id = cases.findIndex((x) => x[1] === written);
    const record: MappedRecord = { id, [column]: written, version: 1 };
    expect(await c.writeBatch([record])).toEqual({ written: 1, skipped: 0, quarantined: 0 });
    const { records, rejected } = await c.fetchByKeys([[id]]);
    expect(rejected).toEqual([]);
    expect(canonicalJson(records[0][column])).toBe(canonicalJson(read));
    expect(canonicalJson(records[0])).toBe(canonicalJson((await c.storedForm!([record]))[0]));
  });
});

describe('quarantine', () => {
  test.each([
    ['f', 0.1, /0.1 is not exactly a 32-bit float/],
    ['si', 40000, /a number does not fit a smallint column/],
    ['b', new Numeric('1.5'), /a decimal does not fit a bigint column/],
    ['l', [1, null], /a Cassandra collection cannot hold null/],
    ['nope', 1, /has no column nope/],
  ])('%s = %p is quarantined with its reason and the rest of the batch written', async (column, value, reason) => {
    const c = fx.entity('types', ['id'], 'version');
    const r = await c.writeBatch([
      { id: 1000, [column]: value, version: 1 },
      { id: 1001, version: 1 },
    ]);
    expect(r).toEqual({ written: 1, skipped: 0, quarantined: 1 });
    const entry = (
      await fx.client.execute(`SELECT reason FROM ${fx.keyspace}.switchyard_quarantine WHERE id = ?`, [JSON.stringify(['types', [1000]])])
    ).first();
    expect(entry.reason).toMatch(reason);
    // The same key each time: one entry, whichever reason came last (what the write switch counts).
    expect(await c.quarantined()).toBe(1);
  });

  test('microseconds without a __us column are quarantined, or dropped with "microseconds": "truncate"', async () => {
    const at = new PreciseDate(Date.UTC(2024, 0, 1), 7);
    expect(await fx.entity('nomicros', ['id']).quarantined()).toBe(0);
    expect(await fx.entity('nomicros', ['id']).writeBatch([{ id: 1, at }])).toMatchObject({ quarantined: 1 });
    expect(await fx.entity('nomicros', ['id']).quarantined()).toBe(1);
    const truncating = fx.entity('nomicros', ['id'], undefined, 'truncate');
    expect(await truncating.writeBatch([{ id: 2, at }])).toMatchObject({ written: 1 });
    expect((await truncating.fetchByKeys([[2]])).records[0].at).toEqual(new Date(Date.UTC(2024, 0, 1)));
  });
});

describe('version guard: USING TIMESTAMP from the version', () => {
  const name = async (id: number) => (await fx.entity('guard', ['id'], 'v').fetchByKeys([[id]])).records[0]?.name;

  test('the newest version wins whatever order writes arrive in; equal and older ones are skipped', async () => {
    const c = fx.entity('guard', ['id'], 'v');
    expect(await c.writeBatch([{ id: 1, name: 'two', v: 2 }])).toMatchObject({ written: 1 });
    expect(await c.writeBatch([{ id: 1, name: 'one', v: 1 }])).toMatchObject({ written: 0, skipped: 1 });
    expect(await name(1)).toBe('two');
    // Racing writers: all land in one batch concurrently, the highest version is what stays.
    const racing = [5, 3, 9, 7, 4].map((v) => ({ id: 2, name: `v${v}`, v }));
    await c.writeBatch(racing);
    expect(await name(2)).toBe('v9');
    // A newer version that drops a field nulls it.
    await c.writeBatch([{ id: 2, v: 10 }]);
    expect((await c.fetchByKeys([[2]])).records[0]).toEqual({ id: 2, name: null, v: 10n });
  });

  test('a delete carries the version as its timestamp: older writes stay hidden, a newer one re-creates the row', async () => {
    const c = fx.entity('guard', ['id'], 'v');
    await c.writeBatch([{ id: 3, name: 'five', v: 5 }]);
    expect(await c.deleteKeys([[3]])).toEqual({ deleted: 1, kept: [], removedVersion: 5n });
    expect(await c.writeBatch([{ id: 3, name: 'late five', v: 5 }])).toMatchObject({ written: 0, skipped: 1 });
    expect(await c.writeBatch([{ id: 3, name: 'four', v: 4 }])).toMatchObject({ skipped: 1 });
    expect(await c.fetchByKeys([[3]])).toEqual({ records: [], rejected: [] });
    expect(await c.writeBatch([{ id: 3, name: 'six', v: 6 }])).toMatchObject({ written: 1 });
    expect(await name(3)).toBe('six');
  });

  test('a delete up to a version keeps a newer row; an absent key is tombstoned at that version', async () => {
    const c = fx.entity('guard', ['id'], 'v');
    await c.writeBatch([{ id: 4, name: 'seven', v: 7 }]);
    expect(await c.deleteKeys([[4]], { upTo: 6 })).toEqual({ deleted: 0, kept: [[4]] });
    expect(await name(4)).toBe('seven');
    expect(await c.deleteKeys([[4]], { upTo: 7 })).toEqual({ deleted: 1, kept: [], removedVersion: 7n });
    expect(await c.deleteKeys([[5]], { upTo: 4 })).toEqual({ deleted: 0, kept: [] });
    expect(await c.writeBatch([{ id: 5, name: 'four', v: 4 }])).toMatchObject({ skipped: 1 });
    expect(await c.writeBatch([{ id: 5, name: 'five', v: 5 }])).toMatchObject({ written: 1 });
    expect(await c.deleteKeys([[5]], { upTo: null })).toEqual({ deleted: 0, kept: [[5]] });
    // existingOnly never re-creates a deleted row.
    expect(await c.writeBatch([{ id: 4, name: 'nine', v: 9 }], { existingOnly: true })).toMatchObject({ written: 0, skipped: 1 });
  });

  test('an unguarded write repairs a row damaged above its version timestamp', async () => {
    const c = fx.entity('guard', ['id'], 'v');
    await c.writeBatch([{ id: 6, name: 'right', v: 3 }]);
    // A writer that bypasses USING TIMESTAMP writes at the server's time, far above version 3.
    await fx.cql(`UPDATE %s.guard SET name = 'damaged' WHERE id = 6`);
    // Under the guard the same version changes nothing above its timestamp.
    await c.writeBatch([{ id: 6, name: 'right', v: 3 }]);
    expect(await name(6)).toBe('damaged');
    expect(await c.writeBatch([{ id: 6, name: 'right', v: 3 }], { versionGuard: false })).toMatchObject({ written: 1 });
    expect(await name(6)).toBe('right');
  });

  test('timestamp versions become their microseconds', async () => {
    await fx.cql(`CREATE TABLE %s.guard_ts (id int PRIMARY KEY, at timestamp, at__us int)`);
    const c = fx.entity('guard_ts', ['id'], 'at');
    const at = (us: number) => new PreciseDate(Date.UTC(2024, 0, 1, 0, 0, 0, 5), us);
    await c.writeBatch([{ id: 1, at: at(500) }]);
    expect(await c.writeBatch([{ id: 1, at: at(499) }])).toMatchObject({ skipped: 1 });
    expect(await c.writeBatch([{ id: 1, at: at(501) }])).toMatchObject({ written: 1 });
    expect((await c.fetchByKeys([[1]])).records[0].at).toEqual(at(501));
  });
});

describe('token-range scan', () => {
  test('every row is seen once; readRange pages in key order over a partition + clustering key', async () => {
    const c = fx.entity('scan', ['tenant', 'seq'], 'v');
    const records = Array.from({ length: 300 }, (_, i) => ({ tenant: `t${i % 7}`, seq: i, v: 1, pad: 'p'.repeat(i % 50) }));
    expect(await c.writeBatch(records)).toMatchObject({ written: 300 });
    await c.deleteKeys([['t0', 0]]);
    const seen: string[] = [];
    await c.scanRange({}, (batch) => seen.push(...batch.records.map((r) => JSON.stringify(c.keyOf(r)))));
    expect(new Set(seen).size).toBe(299);
    expect(seen).toHaveLength(299);
    const paged: string[] = [];
    let after;
    do {
      const page = await c.readRange({ after, limit: 64 });
      paged.push(...page.records.map((r) => JSON.stringify(c.keyOf(r))));
      after = page.lastKey;
    } while (after);
    const expected = records
      .slice(1)
      .sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : a.seq - b.seq))
      .map((r) => JSON.stringify([r.tenant, r.seq]));
    expect(paged).toEqual(expected);
    expect(await c.count()).toBe(299);
    expect(await c.count({ from: ['t1', 0], to: ['t2', 0] })).toBe(records.filter((r) => r.tenant === 't1').length);
  });
});

describe('decommission by marking the table comment (Cassandra cannot rename a table)', () => {
  test("retire marks the comment and keeps the old one, restore unmarks it, and drop drops only a table carrying this migration's mark", async () => {
    await fx.cql(`CREATE TABLE %s.retired (id int PRIMARY KEY, version bigint) WITH comment = 'orders, 2019'`);
    const rows = fx.entity('retired', ['id'], 'version');
    await rows.writeBatch([{ id: 1, version: 1 }]);
    const comment = async () =>
      (await fx.client.execute(`SELECT comment FROM system_schema.tables WHERE keyspace_name = '${fx.keyspace}' AND table_name = 'retired'`)).first()?.comment;
    const listed = [{ name: 'retired', retiredAs: 'retired', mark: 'switchyard-retired=m1' }];
    expect(await rows.retire('m1')).toEqual(listed);
    expect(await rows.retire('m1')).toEqual(listed);
    expect(await comment()).toBe('[switchyard-retired=m1] orders, 2019');
    await expect(rows.retire('m2')).rejects.toThrow(`Cassandra table ${fx.keyspace}.retired is already retired by migration m1`);
    expect(await rows.drop('m2')).toEqual([]);
    expect(await rows.restore('m1')).toEqual(listed);
    expect(await comment()).toBe('orders, 2019');
    expect(await rows.drop('m1')).toEqual([]);
    await rows.retire('m1');
    expect(await rows.drop('m1')).toEqual(listed);
    expect(await comment()).toBeUndefined();
  });
});
