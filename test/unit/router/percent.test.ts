import { keyBucket, readsNew } from '../../../lib/router/percent';

/** The percentage-read hash: stable, monotone in the percentage, and evenly spread. */
const keys = [
  ...Array.from({ length: 20_000 }, (_, i) => [i]),
  ...Array.from({ length: 5_000 }, (_, i) => [`acct-${i}`, i % 7]),
  ...Array.from({ length: 5_000 }, (_, i) => [{ $numberLong: String(2n ** 60n + BigInt(i)) }]),
];

test('a key always lands in the same bucket', () => {
  for (const key of keys.slice(0, 1000)) expect(keyBucket(key)).toBe(keyBucket(JSON.parse(JSON.stringify(key))));
  expect(keyBucket([42])).toBe(keyBucket([42]));
  expect(keyBucket([42])).not.toBe(keyBucket(['42']));
});

test('monotone: a key on the new side at p% stays there at every higher percentage', () => {
  const steps = [0, 0.5, 1, 5, 25, 50, 99.99, 100];
  const leftNew = keys.filter((key) => steps.some((p, i) => i > 0 && readsNew(key, steps[i - 1]) && !readsNew(key, p)));
  expect(leftNew).toEqual([]);
});

test('the share on the new side is close to the percentage, also for sequential integer keys', () => {
  for (const p of [1, 5, 25, 50, 75]) {
    const share = keys.filter((k) => readsNew(k, p)).length / keys.length;
    expect(Math.abs(share - p / 100)).toBeLessThan(0.01);
  }
  expect(keys.filter((k) => readsNew(k, 0))).toHaveLength(0);
  expect(keys.filter((k) => readsNew(k, 100))).toHaveLength(keys.length);
});
