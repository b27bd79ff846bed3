import { routingFor, RoutingState } from '../../../lib/control';
import { routedRead } from '../../../lib/router/reads';
import type { EntityAccess, RouterRecord } from '../../../lib/router/types';

const access = (get: EntityAccess['get']): EntityAccess => ({
  get,
  insert: async () => undefined,
  update: async () => undefined,
  delete: async () => undefined,
});

test('a percent read the new database does not answer in time is served by the old one and counted as an error', async () => {
  const state: RoutingState = { ...routingFor('read_ramp', 100), migrationId: 'm', version: 1, actor: 't', reason: 't', at: '' };
  const record: RouterRecord = { _id: 1, email: 'old@x.io' };
  const calls: string[] = [];
  const sides = { old: access(async () => record), new: access(() => new Promise(() => undefined)) };
  const served = await routedRead(
    state,
    [1],
    sides,
    {
      onCall: (side, ok) => calls.push(`${side}:${ok ? 'ok' : 'error'}`),
      onServed: (side) => calls.push(`served:${side}`),
      onFallback: () => calls.push('fallback'),
      behindNew: () => false,
      sampled: () => false,
      shadow: () => undefined,
    },
    20,
  );
  expect(served).toEqual(record);
  expect(calls).toEqual(['new:error', 'fallback', 'old:ok', 'served:old']);
});
