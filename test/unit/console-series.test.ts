import { defaultPayloadConverter } from '@temporalio/common';
import { seriesOf } from '../../console/history';

/** A childProgress signal event of the migration's history, `seconds` after the epoch. */
const report = (seconds: number, kind: 'backfill' | 'verify', done: number) => ({
  eventId: seconds,
  eventTime: { seconds, nanos: 0 },
  workflowExecutionSignaledEventAttributes: {
    signalName: 'childProgress',
    input: {
      payloads: [
        defaultPayloadConverter.toPayload({
          kind,
          workflowId: `m--${kind}--users`,
          progress: kind === 'backfill' ? { entity: 'users', rowsCopied: done } : { entity: 'users', rowsCompared: done },
        }),
      ],
    },
  },
});

test('rows per second come from the last two reports of the running pass', () => {
  const events = [report(10, 'backfill', 0), report(12, 'backfill', 1000), report(14, 'backfill', 3000)];
  expect(seriesOf(events as never).rates).toEqual({ users: { backfill: 1000 } });
});

test('a verification pass that starts again from 0 (the final verification) has no rate until it reports twice, never a negative one', () => {
  const first = [report(20, 'verify', 1000), report(22, 'verify', 3005)];
  expect(seriesOf([...first, report(60, 'verify', 0)] as never).rates).toEqual({});
  expect(seriesOf([...first, report(60, 'verify', 0), report(62, 'verify', 600)] as never).rates).toEqual({ users: { verify: 300 } });
});
