import { allowedFinal, judgeFinal, Write } from '../../torture/oracle/allowed';
import type { Op } from '../../torture/oracle/history';
import { judgeRead } from '../../torture/oracle/reads';

const put = (id: string, val: string, ver: number, t0: number, t1 = Infinity): Write => ({ id, state: { val, ver }, t0, t1, acked: t1 !== Infinity });
const del = (id: string, t0: number, t1 = Infinity): Write => ({ id, state: null, t0, t1, acked: t1 !== Infinity });
const seed: Write = { id: 'seed', state: { val: 's', ver: 1 }, t0: 0, t1: 0, acked: true };
const routing = (writes: string, reads: string) => ({ version: 1, writes, reads, readPercent: 0 });
const read = (writer: number, got: { val: string; ver: number } | null, t0: number, t1: number, r = routing('old_then_new', 'old')): Op => ({
  id: `${writer}-99`,
  writer,
  op: 'get',
  key: 1,
  t0,
  t1,
  acked: true,
  read: got,
  routing: r,
});

describe('torture oracle: allowed final states', () => {
  it('allows only the last acknowledged write when writes did not overlap', () => {
    const writes = [seed, put('1-1', 'a', 10, 10, 20), put('2-1', 'b', 30, 30, 40)];
    expect(allowedFinal(writes).map((w) => w.id)).toEqual(['2-1']);
    expect(judgeFinal(writes, { val: 'b', ver: 30 })).toBeUndefined();
    expect(judgeFinal(writes, { val: 'a', ver: 10 })).toBe('older_version');
    expect(judgeFinal(writes, null)).toBe('lost_write');
    expect(judgeFinal(writes, { val: 'zzz', ver: 5 })).toBe('unknown_value');
  });

  it('allows every write that raced the last acknowledged one, and writes without an outcome', () => {
    const writes = [seed, put('1-1', 'a', 10, 10, 35), put('2-1', 'b', 30, 30, 40), put('3-1', 'c', 5, 5)];
    expect(
      allowedFinal(writes)
        .map((w) => w.id)
        .sort(),
    ).toEqual(['1-1', '2-1', '3-1']);
  });

  it('names a deleted key that came back', () => {
    const writes = [seed, put('1-1', 'a', 10, 10, 20), del('2-1', 30, 40)];
    expect(judgeFinal(writes, null)).toBeUndefined();
    expect(judgeFinal(writes, { val: 'a', ver: 10 })).toBe('deleted_back');
  });
});

describe('torture oracle: read guarantees', () => {
  const writes = [seed, put('1-1', 'a', 10, 10, 20), put('2-1', 'b', 30, 30, 40)];

  it("flags a read older than the reader's own acknowledged write", () => {
    expect(judgeRead(read(2, { val: 'a', ver: 10 }, 50, 55, routing('old_then_new', 'percent')), writes)?.kind).toBe('stale_own_write');
    expect(judgeRead(read(2, { val: 'b', ver: 30 }, 50, 55), writes)).toBeUndefined();
  });

  it("flags a stale read from the primary after another instance's acknowledged write, but not from a secondary", () => {
    expect(judgeRead(read(1, { val: 'a', ver: 10 }, 50, 55, routing('old_then_new', 'old')), writes)?.kind).toBe('stale_primary_read');
    expect(judgeRead(read(1, { val: 'a', ver: 10 }, 50, 55, routing('old_then_new', 'percent')), writes)).toBeUndefined();
  });

  it('accepts a read racing the write it returns, and flags a value never written', () => {
    expect(judgeRead(read(1, { val: 'b', ver: 30 }, 25, 35), writes)).toBeUndefined();
    expect(judgeRead(read(1, { val: 'x', ver: 3 }, 25, 35), writes)?.kind).toBe('unknown_value');
  });

  it('treats "absent" without a delete as older than the seeded row', () => {
    expect(judgeRead(read(1, null, 5, 8), [seed])?.kind).toBe('stale_primary_read');
  });
});
