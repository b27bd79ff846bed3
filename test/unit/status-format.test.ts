import { formatStatus } from '../../scripts/cli/status-format';
import type { MigrationStatus } from '../../workflows/migration-api';

// Only the fields the throttle line reads matter here; the rest of the status is left out on purpose.
const status = (rowsPerSecond: number | null) =>
  ({
    migrationId: 'm',
    phase: 'backfill',
    state: 'running',
    rowsPerSecond,
    transitions: [],
    gates: { thresholds: null, latest: null },
  }) as unknown as MigrationStatus;

const throttleLine = (rowsPerSecond: number | null) =>
  formatStatus(status(rowsPerSecond), [])
    .split('\n')
    .filter((l) => l.startsWith('throttle'));

test('the throttle line shows an operator limit, a lifted limit, and nothing when never throttled', () => {
  expect(throttleLine(40)).toEqual(['throttle  40 rows/s']);
  expect(throttleLine(0)).toEqual(['throttle  lifted (unlimited)']);
  expect(throttleLine(null)).toEqual([]);
});

test('the routers line shows a wait for acknowledgements, its outcome and the routers that never followed', () => {
  const routersLine = (routerAcks: MigrationStatus['routerAcks']) =>
    formatStatus({ ...status(null), routerAcks }, [])
      .split('\n')
      .filter((l) => l.startsWith('routers'));
  const at = '2026-12-05T05:00:00.000Z';
  expect(routersLine(null)).toEqual([]);
  expect(routersLine({ version: 8, acked: null, waiting: [], at })).toEqual(['routers   waiting since 05:00:00 for every router to follow routing v8']);
  expect(routersLine({ version: 8, acked: 3, waiting: [], waitedMs: 240, at })).toEqual(['routers   3 follow routing v8; any others lapsed or left']);
  expect(routersLine({ version: 8, acked: 2, waiting: ['app-1'], waitedMs: 60000, at })).toEqual(['routers   2 follow routing v8; 1 not after 60 s: app-1']);
});

test('a pending choice lists the commands that answer it, whatever the clipped reason shows', () => {
  const pending = {
    ...status(null),
    state: 'rolling_back',
    pendingApproval: { phase: 'complete', since: 't', reason: 'the new database does not answer…', choices: ['wait', 'flip'] },
  } as unknown as MigrationStatus;
  expect(
    formatStatus(pending, [])
      .split('\n')
      .filter((l) => l.startsWith('choices')),
  ).toEqual(['choices   approve --action wait | approve --action flip']);
});

test('an approval that must name what it accepts shows the exact commands, with --confirm where it is needed', () => {
  const lines = (extra: Partial<MigrationStatus>) =>
    formatStatus({ ...status(null), state: 'waiting_approval', ...extra } as MigrationStatus, [])
      .split('\n')
      .filter((l) => /^(choices|quarantine|old|  ) /.test(l));
  const names = 'users__switchyard_retired_m1,orders__switchyard_retired_m1';
  expect(
    lines({
      pendingApproval: { phase: 'write_switch', since: 't', reason: '2 records are quarantined', confirm: '2' },
      quarantine: { count: 2, entities: { users: 2 }, at: '2026-12-05T05:00:00.000Z' },
    }),
  ).toEqual(['choices   approve --confirm 2', 'quarantine 2 records in the new database at 05:00:00']);
  expect(
    lines({
      pendingApproval: { phase: 'decommission', since: 't', reason: 'retention over', choices: ['drop', 'keep', 'rollback'], confirm: names },
      decommission: {
        state: 'retired',
        retired: [
          { name: 'users', retiredAs: 'users__switchyard_retired_m1' },
          { name: 'orders', retiredAs: 'orders__switchyard_retired_m1' },
        ],
        at: 'a',
        retainUntil: '2026-12-12T05:00:00.000Z',
      },
    }),
  ).toEqual([
    `choices   approve --action drop --confirm ${names} | approve --action keep | rollback`,
    'old       retired until 2026-12-12T05:00:00.000Z (rollback restores)',
    '          users as users__switchyard_retired_m1',
    '          orders as orders__switchyard_retired_m1',
  ]);
});

test('entity figures are never cut: 51,551 rows show as 51551/51551 within 80 columns', () => {
  const progress = [
    {
      entity: 'orders_with_a_long_name',
      backfill: { state: 'completed' as const, done: 51551, total: 51551 },
      verify: { state: 'completed' as const, done: 51551, total: 51551, clean: true },
    },
  ];
  const lines = formatStatus(status(null), progress).split('\n');
  const row = lines.find((l) => l.startsWith('orders_with'))!;
  expect(row).toContain('completed 100% 51551/51551');
  expect(row).toContain('completed 100% clean');
  expect(row.length).toBeLessThanOrEqual(80);
});

test('keys a verification could not confirm, still changing at every recheck, are counted under the entity table (issue #13 item 6)', () => {
  const verify = (unconfirmed?: number) => ({ state: 'completed' as const, done: 500, total: 500, clean: true, ...(unconfirmed ? { unconfirmed } : {}) });
  const lines = formatStatus(status(null), [
    { entity: 'users', verify: verify(3) },
    { entity: 'orders', verify: verify() },
  ]).split('\n');
  expect(lines.filter((l) => l.includes('unconfirmed'))).toEqual(['verify    users: 3 keys unconfirmed (still changing at every recheck)']);
});
