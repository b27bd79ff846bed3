import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSpec } from '../../lib/spec';

const example = () => JSON.parse(readFileSync(join(__dirname, '../../examples/specs/users-to-mongo.json'), 'utf8'));

function problems(edit: (spec: Record<string, any>) => void): string[] {
  const spec = example();
  edit(spec);
  const result = parseSpec(spec);
  return result.ok ? [] : result.problems;
}

test('the example spec is valid and gets every default', () => {
  const result = parseSpec(example());
  expect(result.ok).toBe(true);
  if (!result.ok) return;
  expect(result.spec.sync).toBe('dual_write');
  expect(result.spec.backfill).toEqual({ batchSize: 2000, concurrency: 4, maxRowsPerSecond: 0, maxBatchBytes: 16 * 1024 * 1024 });
  expect(result.spec.entities[0]).toMatchObject({ mutable: true, timestampZone: 'UTC', microseconds: 'keep' });
  expect(result.spec.target.dialect).toBe('ferretdb');
  expect(result.spec.timers.dualWriteSoak).toBe('10m');
});

test.each([
  ['unknown top-level field', (s: any) => (s.extra = 1), 'extra: unknown field (remove it or fix its spelling)'],
  ['typo in a nested field', (s: any) => (s.entities[0].from.verison = 'v'), 'entities[0].from.verison: unknown field (remove it or fix its spelling)'],
  ['missing id', (s: any) => delete s.id, 'id: required, expected string'],
  ['bad id', (s: any) => (s.id = 'Users!'), 'id: lower-case letters, digits, - and _, at most 63 characters'],
  ['connection URL instead of a name', (s: any) => (s.source.connection = 'postgresql://u:pw@h/db'), 'source.connection: a connection name such as "SOURCE"'],
  ['injection in a table name', (s: any) => (s.entities[0].from.table = 'users; drop table x'), 'entities[0].from.table: a table name such as'],
  ['injection in a column name', (s: any) => (s.entities[0].fields['x"y'] = 'a'), 'entities[0].fields.x"y: the field name must be an identifier'],
  [
    'both table and collection',
    (s: any) => (s.entities[0].to.table = 't'),
    'entities[0].to.table: exactly one of "table" (PostgreSQL) or "collection" (MongoDB)',
  ],
  ['table without key', (s: any) => delete s.entities[0].from.key, 'entities[0].from.key: the key columns of the table'],
  ['empty key', (s: any) => (s.entities[0].from.key = []), 'entities[0].from.key: at least one key field'],
  ['mutable entity without version', (s: any) => delete s.entities[0].from.version, 'entities[0].from.version: a version field'],
  ['collection without database', (s: any) => delete s.target.database, 'target.database: the MongoDB database'],
  ['bad transform', (s: any) => (s.entities[0].transforms[0] = { split: 'a' }), 'entities[0].transforms[0]: a transform:'],
  ['bad zone', (s: any) => (s.entities[0].timestampZone = 'Mars/Base'), 'entities[0].timestampZone: an IANA time zone'],
  ['batch size 0', (s: any) => (s.backfill.batchSize = 0), 'backfill.batchSize: Too small'],
  ['duplicate entity', (s: any) => s.entities.push(s.entities[0]), 'entities[1].name: a unique entity name'],
  [
    'embedding between two tables',
    (s: any) => (s.entities[0].to = { table: 't' }),
    'entities[0].embed: embedding needs one PostgreSQL side and one MongoDB side',
  ],
  ['bad ramp', (s: any) => (s.ramp = [5, 1]), 'ramp: steps must increase'],
  ['bad dialect', (s: any) => (s.target.dialect = 'cosmos'), 'target.dialect: '],
])('%s is reported with its path', (_name, edit, expected) => {
  expect(problems(edit)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
});

test('embedding under a composite parent key is refused, naming the table and its key columns', () => {
  expect(problems((s) => (s.entities[0].from.key = ['a', 'b']))).toContain(
    'entities[0].embed: embedding needs a single-column parent key; public.users has 2 (a, b)',
  );
  const unwind = problems((s) => {
    s.source = { connection: 'SOURCE', database: 'app' };
    s.target = { connection: 'TARGET' };
    s.entities[0].from = { collection: 'users', key: ['a', 'b'], version: 'updated_at' };
    s.entities[0].to = { table: 'public.users' };
  });
  expect(unwind).toEqual(['entities[0].embed: embedding needs a single-column parent key; public.users has 2 (a, b)']);
  expect(problems((s) => (s.entities[0].embed = []))).toEqual([]);
});

/** Sets an own property even for "__proto__", as JSON.parse of a spec file does (plain assignment would set the prototype). */
const own = (obj: object, name: string, value: unknown) => Object.defineProperty(obj, name, { value, enumerable: true, writable: true, configurable: true });

test.each([
  [
    'a mapped source field',
    (s: any, name: string) => own(s.entities[0].fields, name, 'x'),
    (name: string) => `entities[0].fields.${name}: the field name must be a name other than __proto__`,
  ],
  ['a mapped target field', (s: any, name: string) => (s.entities[0].fields.email = name), () => 'entities[0].fields.email: a name other than __proto__'],
  ['a key column', (s: any, name: string) => (s.entities[0].from.key = [name]), () => 'entities[0].from.key[0]: a name other than __proto__'],
  [
    'a split target',
    (s: any, name: string) => (s.entities[0].transforms[0].into = ['first_name', name]),
    () => 'entities[0].transforms[0].into[1]: a name other than __proto__',
  ],
  [
    'an embedded child field',
    (s: any, name: string) => (s.entities[0].embed[0].fields.amount = name),
    () => 'entities[0].embed[0].fields.amount: a name other than __proto__',
  ],
  [
    'a default',
    (s: any, name: string) => own(s.entities[0].defaults, name, 1),
    (name: string) => `entities[0].defaults.${name}: the field name must be a name other than __proto__`,
  ],
])('%s named __proto__, constructor or prototype is refused, not silently dropped', (_what, edit, expected) => {
  for (const name of ['__proto__', 'constructor', 'prototype']) {
    expect(problems((s) => edit(s, name))).toEqual(expect.arrayContaining([expect.stringContaining(expected(name))]));
  }
});

test('a "__proto__" key in a spec file is reported once, as a reserved name', () => {
  const text = JSON.stringify(example()).replace('"from":{', '"from":{"__proto__":{"table":"x"},');
  expect(parseSpec(JSON.parse(text))).toEqual({
    ok: false,
    problems: [expect.stringMatching(/^entities\[0\]\.from\.__proto__: the field name must be a name other than __proto__/)],
  });
});

test('every problem is reported, not just the first', () => {
  const found = problems((s) => {
    s.extra = 1;
    s.id = 'X X';
    s.entities[0].from.table = 'a;b';
  });
  expect(found.length).toBeGreaterThanOrEqual(3);
});

test('non-objects are rejected with a path', () => {
  expect(parseSpec(null)).toEqual({ ok: false, problems: [expect.stringMatching(/^\(spec\): .*expected object/)] });
});
