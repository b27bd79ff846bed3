import { outbox } from '../../../lib/router/outbox';

/** The bounded buffer in front of the control store. */
test('keeps items while sending fails, de-duplicates them, refuses beyond capacity and drains on recovery', async () => {
  let up = false;
  const received: string[] = [];
  const box = outbox<string>(
    3,
    async (items) => {
      if (!up) throw new Error('control store down');
      received.push(...items);
    },
    2,
  );
  for (const id of ['a', 'b', 'a', 'c', 'd']) box.add(id, `item ${id}`);
  await box.kick();
  expect(box.stats()).toEqual({ buffered: 3, sent: 0, dropped: 1, sendFailures: 1 });

  up = true;
  await box.kick();
  expect(received).toEqual(['item a', 'item b', 'item c']);
  expect(box.stats()).toEqual({ buffered: 0, sent: 3, dropped: 1, sendFailures: 1 });
});
