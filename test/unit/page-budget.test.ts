import { readWithinBudget, SizeHint } from '../../lib/connectors/page';

/** A source of items of the given sizes that records how many each chunk asked for. */
function source(sizes: number[]) {
  const asked: number[] = [];
  let next = 0;
  const read = async (count: number) => {
    asked.push(count);
    const chunk = sizes.slice(next, next + count);
    next += chunk.length;
    return chunk;
  };
  return { asked, read };
}

const size = (n: number) => n;

test('without a size hint the first chunk is one item, the next what the remaining budget holds at that size', async () => {
  const s = source(Array(10).fill(100));
  const hint: SizeHint = {};
  const page = await readWithinBudget(s.read, size, { limit: 100, maxBytes: 350 }, hint);
  expect(s.asked).toEqual([1, 3]);
  expect(page).toEqual({ items: [100, 100, 100, 100], bytes: 400, full: true });
  expect(hint.average).toBe(100);
});

test('with a hint a page of small items is one chunk of the limit', async () => {
  const s = source(Array(50).fill(10));
  const page = await readWithinBudget(s.read, size, { limit: 20, maxBytes: 1000 }, { average: 10 });
  expect(s.asked).toEqual([20]);
  expect(page).toMatchObject({ bytes: 200, full: true });
});

test('an item larger than the whole budget comes back alone; the items after it stay unread', async () => {
  const s = source([5000, 10, 10]);
  const page = await readWithinBudget(s.read, size, { limit: 100, maxBytes: 1000 }, { average: 10 });
  expect(s.asked).toEqual([100]);
  expect(page).toEqual({ items: [5000], bytes: 5000, full: true });
  const alone = await readWithinBudget(source([5000, 10]).read, size, { limit: 100, maxBytes: 1000 }, {});
  expect(alone).toEqual({ items: [5000], bytes: 5000, full: true });
});

test('a short chunk ends the range (not full); items smaller than expected are fetched in further chunks', async () => {
  const s = source([10, 10, 10, 10, 10]);
  const page = await readWithinBudget(s.read, size, { limit: 100, maxBytes: 1000 }, { average: 400 });
  expect(s.asked).toEqual([3, 97]);
  expect(page).toEqual({ items: [10, 10, 10, 10, 10], bytes: 50, full: false });
});

test('no budget given: the default (16 MiB) applies', async () => {
  const s = source(Array(5).fill(8 * 1024 * 1024));
  const page = await readWithinBudget(s.read, size, { limit: 100 }, {});
  expect(page.items).toHaveLength(2);
  expect(page.full).toBe(true);
});
