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
