import { diffRecords, settledDiffs } from '../../activities/verify-diff';

const keyOf = (r: Record<string, unknown>) => [r._id as number];
/** Records as a fetch returns them, none rejected. */
const fetched = (records: Array<Record<string, number>>) => ({ records, rejected: [] });

describe('settledDiffs', () => {
  it('confirms a difference only when the source record is what it was at the first comparison', () => {
    const target = [
      { _id: 1, qty: 1 },
      { _id: 2, qty: 1 },
      { _id: 9, qty: 1 },
    ];
    const first = diffRecords(
      fetched([
        { _id: 1, qty: 5 },
        { _id: 2, qty: 5 },
        { _id: 3, qty: 5 },
      ]),
      fetched(target),
      keyOf,
    );
    expect(first.map((d) => d.kind)).toEqual(['different', 'different', 'missing', 'extra']);

    // Key 1 unchanged at the source (a real mismatch); key 2 written again meanwhile (in flight);
    // key 3 still missing with the same source record; key 9 still extra.
    const recheck = diffRecords(
      fetched([
        { _id: 1, qty: 5 },
        { _id: 2, qty: 6 },
        { _id: 3, qty: 5 },
      ]),
      fetched(target),
      keyOf,
    );
    expect(settledDiffs(first, recheck).map((d) => d.key)).toEqual([[1], [3], [9]]);
  });

  it('drops a difference the source closed by deleting the record, and one the target caught up with', () => {
    const first = diffRecords(
      fetched([
        { _id: 1, qty: 5 },
        { _id: 2, qty: 5 },
      ]),
      fetched([
        { _id: 1, qty: 1 },
        { _id: 2, qty: 1 },
      ]),
      keyOf,
    );
    const recheck = diffRecords(
      fetched([{ _id: 2, qty: 5 }]),
      fetched([
        { _id: 1, qty: 1 },
        { _id: 2, qty: 5 },
      ]),
      keyOf,
    );
    expect(recheck.map((d) => d.kind)).toEqual(['extra']);
    expect(settledDiffs(first, recheck)).toEqual([]);
  });
});
