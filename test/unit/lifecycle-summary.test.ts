import { parseSpec } from '../../lib/spec';
import { lifecycleSummary } from '../../lib/spec/lifecycle-summary';

const spec = (extra: Record<string, unknown>) => {
  const parsed = parseSpec({
    id: 'm',
    source: { connection: 'PG' },
    target: { connection: 'PG2' },
    control: { connection: 'PG' },
    entities: [{ name: 'e', from: { table: 'a', key: ['id'], version: 'v' }, to: { table: 'b' } }],
    ...extra,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
};

test('plan states what the default lifecycle adds up to, and how a CDC migration without routers is gated', () => {
  expect(lifecycleSummary(spec({ sync: 'cdc' }))).toEqual([
    'lifecycle: sync cdc; approvals before write_switch, complete, decommission',
    '  soaks: CDC 10m, shadow reads 1h, read ramp 1→5→25→50→100% at 30m a step, rollback window 24h: at least 27h40m besides copying and verifying',
    '  gates every 30s: shadow mismatches ≤ 0.1%, new-database errors ≤ 1%, from at least 100 router samples; CDC lag ≤ 5 s',
    '  no application router needed: while none reports, shadow_read and read_ramp are gated on the verification they follow and on CDC lag, not on minSamples',
  ]);
  expect(
    lifecycleSummary(spec({ timers: { dualWriteSoak: '1m', shadowReadSoak: '1m', rampStepBake: '1m', rollbackWindow: '5m' }, ramp: [50, 100], approvals: [] })),
  ).toEqual([
    'lifecycle: sync dual_write; approvals before (none)',
    '  soaks: dual-write 1m, shadow reads 1m, read ramp 50→100% at 1m a step, rollback window 5m: at least 9m besides copying and verifying',
    '  gates every 30s: shadow mismatches ≤ 0.1%, new-database errors ≤ 1%, from at least 100 router samples',
  ]);
});
