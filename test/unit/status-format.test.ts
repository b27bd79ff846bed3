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
