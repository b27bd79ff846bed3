import { readFileSync } from 'node:fs';
import { parseSpec } from '../../lib/spec/schema';
import { consequenceOf } from '../../workflows/migration-consequences';
import { initialState, steps } from '../../workflows/migration-state';
import type { MigrationState } from '../../workflows/migration-types';

function stateAt(label: string, extra: Partial<MigrationState> = {}): MigrationState {
  const parsed = parseSpec(JSON.parse(readFileSync(`${__dirname}/../../examples/specs/users-to-mongo.json`, 'utf8')));
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const s = initialState({ spec: parsed.spec }, parsed.spec.id);
  s.plan = { spec: { ...parsed.spec, ramp: [5, 50, 100] }, timersMs: {} as never, routingVersion: 0 };
  s.step = steps(s).findIndex((x) => (x.phase === 'read_ramp' ? `read_ramp ${x.percent}%` : x.phase) === label);
  s.nextStep = s.step + 1;
  return { ...s, ...extra };
}

test('a rollback from 100 % of reads back to verify says where reads and writes go and what it undoes', () => {
  expect(consequenceOf(stateAt('read_ramp 100%'), { action: 'rollback', to: 'verify' })).toBe(
    'every read goes to the old database; writes go to the old database first, then the new one (old: SOURCE, new: TARGET); ' +
      'undoes read_ramp 100%, read_ramp 50%, read_ramp 5%, shadow_read; the migration then waits in verify for a human to approve going forward again',
  );
});

test('a rollback past the write switch copies the keys written since it back first', () => {
  const words = consequenceOf(stateAt('complete', { switchVersion: 12 }), { action: 'rollback', to: 'read_ramp' });
  expect(words).toMatch(/^reads go to the new database for 100 % of keys and to the old one for the rest; writes go to the old database first/);
  expect(words).toContain('keys written since the write switch (routing version 12 on) are copied back into the old database first');
});

test('approving names the step that starts and its routing; an abort says the migration ends', () => {
  expect(consequenceOf(stateAt('shadow_read'), { action: 'approve' })).toBe(
    'read_ramp 5% starts: reads go to the new database for 5 % of keys and to the old one for the rest; writes go to the old database first, then the new one (old: SOURCE, new: TARGET)',
  );
  expect(consequenceOf(stateAt('backfill'), { action: 'abort' })).toMatch(
    /^every read goes to the old database; writes go to the old database only .*ends as aborted/,
  );
  expect(consequenceOf(stateAt('backfill', { rowsPerSecond: 50 }), { action: 'throttle', rowsPerSecond: 0 })).toBe(
    'backfill and verification copy and compare without a rate limit (now: 50 rows/s); routing does not change',
  );
});
