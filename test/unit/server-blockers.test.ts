import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINES } from '../../lib/connectors/engines';
import { dialectBlockers, mongoEngine } from '../../lib/connectors/mongo/engine';
import { pgEngine, walLevelBlockers } from '../../lib/connectors/pg/engine';
import { changeCaptureBlockers } from '../../lib/plan/server-blockers';
import { MigrationSpec, parseSpec } from '../../lib/spec';

function spec(edit: (s: Record<string, any>) => void): MigrationSpec {
  const json = JSON.parse(readFileSync(join(__dirname, '../../examples/specs/users-to-mongo.json'), 'utf8'));
  edit(json);
  const parsed = parseSpec(json);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

test('a PostgreSQL source with wal_level other than logical is a blocker naming the setting', () => {
  expect(walLevelBlockers('SOURCE', 'replica')).toEqual([
    'source SOURCE: wal_level is replica; sync "cdc" needs wal_level = logical (postgresql.conf, then restart)',
  ]);
  expect(walLevelBlockers('SOURCE', 'logical')).toEqual([]);
});

test('sync "cdc" from an engine without change data capture is a blocker naming the engines that have it', () => {
  const cdc = spec((s) => {
    s.sync = 'cdc';
    s.source.database = 'app';
  });
  expect(changeCaptureBlockers(cdc, { name: 'SOURCE', engine: mongoEngine }, ENGINES)).toEqual([
    'source SOURCE is MongoDB: sync "cdc" needs a source with change data capture (PostgreSQL, MySQL); use "dual_write"',
  ]);
  expect(changeCaptureBlockers(cdc, { name: 'SOURCE', engine: pgEngine }, ENGINES)).toEqual([]);
  expect(
    changeCaptureBlockers(
      spec(() => undefined),
      { name: 'SOURCE', engine: mongoEngine },
      ENGINES,
    ),
  ).toEqual([]);
});

test('a FerretDB target with dialect "mongodb" is a blocker', () => {
  const mongoDialect = spec((s) => (s.target.dialect = 'mongodb'));
  expect(dialectBlockers(mongoDialect, 'TARGET', true)).toEqual([
    'target TARGET is FerretDB, which rejects Decimal128, NaN and Infinity: set target.dialect to "ferretdb"',
  ]);
  expect(dialectBlockers(mongoDialect, 'TARGET', false)).toEqual([]);
});
