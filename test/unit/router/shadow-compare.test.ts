import { differingFields, shadowComparer, ShadowOutcome } from '../../../lib/router/shadow-reads';
import type { RouterRecord, Side } from '../../../lib/router/types';
import { writeOrder } from '../../../lib/router/writes';

test('differingFields compares canonical forms and names the fields that differ', () => {
  const when = new Date('2024-01-01T00:00:00Z');
  expect(differingFields({ _id: 1, n: 5n, at: when }, { _id: 1, n: 5, at: new Date(when) })).toEqual([]);
  // A null and a missing field are different values (docs/types.md).
  expect(differingFields({ _id: 1, gone: null }, { _id: 1 })).toEqual(['gone']);
  expect(differingFields({ _id: 1, email: 'a', name: 'x' }, { _id: 1, email: 'b', extra: 1, name: 'x' })).toEqual(['email', 'extra']);
  expect(differingFields(undefined, { _id: 1 })).toEqual(['(missing in old)']);
  expect(differingFields({ _id: 1 }, undefined)).toEqual(['(missing in new)']);
  expect(differingFields(undefined, undefined)).toEqual([]);
});

test('writeOrder puts the primary first', () => {
  expect(writeOrder('old')).toEqual(['old']);
  expect(writeOrder('old_then_new')).toEqual(['old', 'new']);
  expect(writeOrder('new_then_old')).toEqual(['new', 'old']);
  expect(writeOrder('new')).toEqual(['new']);
});

/** Compares key 1 served from `served` and returns the outcome; `sides` yields each read of a side in turn. */
async function compareOnce(served: RouterRecord, sides: Record<Side, RouterRecord[]>): Promise<ShadowOutcome | 'raced'> {
  const comparer = shadowComparer({ maxInFlight: 4, sampleSize: 10, recheckDelayMs: 1 });
  const reads = { old: [...sides.old], new: [...sides.new] };
  const read = async (side: Side) => reads[side].shift();
  const outcome = new Promise<ShadowOutcome>((resolve) => comparer.compare('users', [1], { side: 'old', record: served }, read, resolve));
  const raced = (async () => {
    while (comparer.stats().inFlight > 0) await new Promise((r) => setTimeout(r, 1));
    return comparer.stats().raced ? ('raced' as const) : undefined;
  })();
  return Promise.race([outcome, raced.then((r) => r ?? outcome)]);
}

test('a shadow difference counts only once it has settled', async () => {
  const v = (version: number, email = `v${version}`) => ({ _id: 1, email, version });
  // The new side caught up by the recheck (a dual write in flight): a match.
  expect(await compareOnce(v(1), { old: [v(1)], new: [v(0), v(1)] })).toBe('match');
  // Neither side moved: a mismatch.
  expect(await compareOnce(v(1), { old: [v(1)], new: [v(1, 'wrong'), v(1, 'wrong')] })).toBe('mismatch');
  // The served side moved on and the sides still differ: a write is in flight, neither way.
  expect(await compareOnce(v(1), { old: [v(2)], new: [v(2), v(3)] })).toBe('raced');
});
