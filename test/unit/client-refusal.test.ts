import { refusal, RequestRefused } from '../../lib/client/errors';

describe('refusal', () => {
  it('turns a query failing on a history that no longer replays into a refusal saying the routing is unchanged and where the recovery is', () => {
    // The message the SDK gives a status query on such a workflow (seen in torture seed 100).
    const err = new Error('[TMPRL1100] Nondeterminism error: Update machine does not handle this event: HistoryEvent(id: 160, ActivityTaskScheduled)');
    const refused = refusal(err);
    expect(refused).toBeInstanceOf(RequestRefused);
    expect(refused?.message).toBe(
      "the migration's history no longer replays on this worker ([TMPRL1100] Nondeterminism error: Update machine does not handle this event: " +
        'HistoryEvent(id: 160, ActivityTaskScheduled)); its routing is unchanged and nothing is lost, but it cannot move until it is reset: ' +
        'see docs/operations.md, "A migration whose history no longer replays"',
    );
  });

  it('leaves other failures unexpected', () => {
    expect(refusal(new Error('connection refused'))).toBeUndefined();
  });
});
