import { Decimal128, Double, Long } from 'mongodb';
import { compareVersions } from '../../lib/mapping/version-order';
import { Numeric, PreciseDate } from '../../lib/mapping/values';

test('versions order by value across the forms the two databases give them; other pairs are unknown', () => {
  expect(compareVersions(9, 1)).toBe(1);
  expect(compareVersions(1n, 9)).toBe(-1);
  expect(compareVersions(Long.fromNumber(5) as never, 5n)).toBe(0);
  expect(compareVersions(new Double(2.5), 2)).toBe(1);
  expect(compareVersions(new Numeric('10.5'), Decimal128.fromString('10.25'))).toBe(1);
  // A timestamptz version is ordered to the microsecond, beyond what a Date holds.
  expect(compareVersions(new PreciseDate(1000, 7), new PreciseDate(1000, 3))).toBe(1);
  expect(compareVersions(new Date(999), new PreciseDate(1000, 0))).toBe(-1);
  expect(compareVersions('b', 'a')).toBe(1);
  expect(compareVersions(null, 1)).toBeUndefined();
  expect(compareVersions('1', 1)).toBeUndefined();
});
