import { binlogChanges, WatchedTable } from '../../lib/connectors/mysql/binlog/changes';
import { bytesBetween, comparePositions, parsePosition } from '../../lib/connectors/mysql/binlog/position';
import type { Committed } from '../../lib/connectors/mysql/binlog/reader';

const users: WatchedTable = { entity: 'users', toKey: (row) => [Number(row.id)], versionOf: (row) => (row.v === undefined ? null : Number(row.v)) };
const watched = new Map([['app.users', users]]);
const at = (offset: number, changes: Committed['changes']): Committed => ({ position: { file: 'binlog.000001', offset }, timestampMs: 0, changes, ddl: [] });

test('row images name records: inserts and updates in place write only newer versions, deleted or re-keyed records replace not-older ones, deletes are bounded by the last image, other tables are ignored', () => {
  const changes = binlogChanges(
    [
      at(100, [
        { table: 'app.users', kind: 'insert', row: { id: 1, v: 1 } },
        { table: 'app.users', kind: 'update', before: { id: 2, v: 1 }, after: { id: 2, v: 2 } },
        { table: 'app.other', kind: 'insert', row: { id: 9 } },
      ]),
      at(200, [
        { table: 'app.users', kind: 'update', before: { id: 3, v: 7 }, after: { id: 4, v: 8 } },
        { table: 'app.users', kind: 'delete', row: { id: 1, v: 5 } },
      ]),
    ],
    watched,
  );
  expect([...changes.keys()]).toEqual(['users']);
  expect([...changes.get('users')!.keys.values()]).toEqual([
    { key: [1], guard: 'notOlder', version: 5 },
    { key: [2], guard: 'newer', version: 2 },
    { key: [4], guard: 'notOlder', version: 8 },
    { key: [3], guard: 'notOlder', version: 7 },
  ]);
  expect(changes.get('users')!.truncated).toBe(false);
  expect(binlogChanges([at(300, [{ table: 'app.users', kind: 'truncate' }])], watched).get('users')!.truncated).toBe(true);
});

test('binlog positions order by file, then offset; lag in bytes spans rotated files', () => {
  const files = [
    { name: 'binlog.000001', bytes: 1000 },
    { name: 'binlog.000002', bytes: 500 },
    { name: 'binlog.000003', bytes: 80 },
  ];
  expect(parsePosition('binlog.000002:42')).toEqual({ file: 'binlog.000002', offset: 42 });
  expect(comparePositions(parsePosition('binlog.000001:900'), parsePosition('binlog.000002:4'))).toBeLessThan(0);
  expect(bytesBetween(files, parsePosition('binlog.000001:900'), parsePosition('binlog.000003:80'))).toBe(100 + 500 + 80);
  expect(bytesBetween(files, parsePosition('binlog.000003:80'), parsePosition('binlog.000003:80'))).toBe(0);
});
