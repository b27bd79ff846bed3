import { unstreamedWrites } from '../../../lib/router/unstreamed';

test('a mark clears only once a watermark is later than the first poll sent after the write', () => {
  const u = unstreamedWrites(10);
  u.mark('kv', [1], 3);
  // Poll 2 was sent before the write ended: its clock says nothing about the write.
  u.polled(2, { polledAtMs: 1000, streamedThroughMs: 5000 });
  expect(u.has('kv', [1])).toBe(true);
  u.polled(3, { polledAtMs: 1100, streamedThroughMs: 1100 });
  expect(u.has('kv', [1])).toBe(true);
  u.polled(4, { polledAtMs: 1200, streamedThroughMs: 1101 });
  expect(u.has('kv', [1])).toBe(false);
});

test('a store without a watermark (no CDC stream yet) keeps marks', () => {
  const u = unstreamedWrites(10);
  u.mark('kv', [1], 0);
  u.polled(0, { polledAtMs: 1000, streamedThroughMs: null });
  u.polled(1, {});
  expect(u.has('kv', [1])).toBe(true);
});

test('past capacity every key reads as unstreamed until the newest dropped mark is due', () => {
  const u = unstreamedWrites(2);
  u.mark('kv', [1], 0);
  u.mark('kv', [2], 1);
  u.mark('kv', [3], 2);
  expect([u.has('kv', [9]), u.size()]).toEqual([true, 3]);
  u.polled(2, { polledAtMs: 100, streamedThroughMs: null });
  u.polled(3, { polledAtMs: 200, streamedThroughMs: 150 });
  // The dropped mark (key 1) and key 2 are due; key 3 took poll 2's time, 100 < 150: due too.
  expect([u.has('kv', [9]), u.has('kv', [3]), u.size()]).toEqual([false, false, 0]);
});

test('marks are cleared in write order, stopping at the first not yet due', () => {
  const u = unstreamedWrites(10);
  u.mark('kv', [1], 0);
  u.polled(0, { polledAtMs: 100, streamedThroughMs: null });
  u.mark('kv', [2], 1);
  u.polled(1, { polledAtMs: 300, streamedThroughMs: 200 });
  expect([u.has('kv', [1]), u.has('kv', [2])]).toEqual([false, true]);
  // Written again: the key's mark moves to the end with a later poll.
  u.mark('kv', [1], 2);
  u.polled(2, { polledAtMs: 400, streamedThroughMs: 350 });
  expect([u.has('kv', [1]), u.has('kv', [2])]).toEqual([true, false]);
});
