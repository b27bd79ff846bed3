import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serverBlockers } from '../../lib/plan/server-blockers';
import { MigrationSpec, parseSpec } from '../../lib/spec';

function spec(edit: (s: Record<string, any>) => void): MigrationSpec {
  const json = JSON.parse(readFileSync(join(__dirname, '../../examples/specs/users-to-mongo.json'), 'utf8'));
  edit(json);
  const parsed = parseSpec(json);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

const pgSource = (walLevel: string) => ({ name: 'SOURCE', kind: 'postgres' as const, walLevel });

test('sync "cdc" from a PostgreSQL source with wal_level other than logical is a blocker naming the setting', () => {
  const cdc = spec((s) => (s.sync = 'cdc'));
  expect(serverBlockers(cdc, { source: pgSource('replica') })).toEqual([
    'source SOURCE: wal_level is replica; sync "cdc" needs wal_level = logical (postgresql.conf, then restart)',
  ]);
  expect(serverBlockers(cdc, { source: pgSource('logical') })).toEqual([]);
  expect(
    serverBlockers(
      spec(() => undefined),
      { source: pgSource('replica') },
    ),
  ).toEqual([]);
});

test('sync "cdc" from MongoDB and a FerretDB target with dialect "mongodb" are blockers', () => {
  const fromMongo = spec((s) => {
    s.sync = 'cdc';
    s.source.database = 'app';
  });
  expect(serverBlockers(fromMongo, { source: { name: 'SOURCE', kind: 'mongodb' } })).toEqual(['sync "cdc" needs a PostgreSQL source; use "dual_write"']);
  const mongoDialect = spec((s) => (s.target.dialect = 'mongodb'));
  expect(serverBlockers(mongoDialect, { target: { name: 'TARGET', kind: 'mongodb', isFerretDb: true } })).toEqual([
    'target TARGET is FerretDB, which rejects Decimal128, NaN and Infinity: set target.dialect to "ferretdb"',
  ]);
  expect(serverBlockers(mongoDialect, { target: { name: 'TARGET', kind: 'mongodb', isFerretDb: false } })).toEqual([]);
});
