import { formatStatus } from '../../scripts/cli/status-format';
import type { MigrationStatus } from '../../workflows/migration-api';

// Only the fields the throttle line reads matter here; the rest of the status is left out on purpose.
const status = (rowsPerSecond: number | null) => ({
  migrationId: 'm', phase: 'backfill', state: 'running', rowsPerSecond, transitions: [], gates: { thresholds: null, latest: null },
}) as unknown as MigrationStatus;

const throttleLine = (rowsPerSecond: number | null) => formatStatus(status(rowsPerSecond), []).split('\n').filter((l) => l.startsWith('throttle'));

test('the throttle line shows an operator limit, a lifted limit, and nothing when never throttled', () => {
  expect(throttleLine(40)).toEqual(['throttle  40 rows/s']);
  expect(throttleLine(0)).toEqual(['throttle  lifted (unlimited)']);
  expect(throttleLine(null)).toEqual([]);
});

test('entity figures are never cut: 51,551 rows show as 51551/51551 within 80 columns', () => {
  const progress = [{
    entity: 'orders_with_a_long_name',
    backfill: { state: 'completed' as const, done: 51551, total: 51551 },
    verify: { state: 'completed' as const, done: 51551, total: 51551, clean: true },
  }];
  const lines = formatStatus(status(null), progress).split('\n');
  const row = lines.find((l) => l.startsWith('orders_with'))!;
  expect(row).toContain('completed 100% 51551/51551');
  expect(row).toContain('completed 100% clean');
  expect(row.length).toBeLessThanOrEqual(80);
});
