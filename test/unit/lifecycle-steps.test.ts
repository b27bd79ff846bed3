import { evaluateGates, windowFigures } from '../../lib/control/gates';
import { routingFor } from '../../lib/control/routing';
import { gatesSchema } from '../../lib/spec/lifecycle';
import { buildSteps, needsApproval, rollbackTarget, stepLabel } from '../../workflows/migration-steps';

const steps = buildSteps([1, 50, 100]);
const at = (label: string) => steps.findIndex((s) => stepLabel(s) === label);

describe('migration steps', () => {
  it('lists every phase once and the read ramp once per percentage', () => {
    expect(steps.map(stepLabel)).toEqual([
      'preflight',
      'dual_write',
      'backfill',
      'verify',
      'shadow_read',
      'read_ramp 1%',
      'read_ramp 50%',
      'read_ramp 100%',
      'write_switch',
      'complete',
      'decommission',
    ]);
  });

  it.each([
    ['dual_write', 'preflight'],
    ['backfill', 'dual_write'],
    ['verify', 'backfill'],
    ['shadow_read', 'verify'],
    ['read_ramp 1%', 'shadow_read'],
    ['read_ramp 50%', 'read_ramp 1%'],
    ['write_switch', 'read_ramp 100%'],
    ['complete', 'write_switch'],
  ])('rolls back from %s to %s by default (the phase table)', (from, to) => {
    expect(rollbackTarget(steps, at(from))).toEqual({ step: at(to) });
  });

  it('rolls back to a named earlier phase, and refuses later phases, preflight and decommission', () => {
    expect(rollbackTarget(steps, at('complete'), 'backfill')).toEqual({ step: at('backfill') });
    expect(rollbackTarget(steps, at('write_switch'), 'read_ramp')).toEqual({ step: at('read_ramp 100%') });
    expect(rollbackTarget(steps, at('verify'), 'shadow_read')).toEqual({ error: 'cannot roll back to shadow_read: it is not before verify' });
    expect(rollbackTarget(steps, 0)).toEqual({ error: 'nothing to roll back: the migration has not passed preflight' });
    expect(rollbackTarget(steps, at('decommission'))).toEqual({ error: 'decommission cannot be rolled back: the old tables are dropped or being dropped' });
    // A decommission whose final verification failed has retired nothing yet.
    expect(rollbackTarget(steps, at('decommission'), undefined, true)).toEqual({ step: at('complete') });
  });

  it('asks for approval once per phase, at its first step', () => {
    const approvals = ['read_ramp', 'write_switch'] as const;
    expect(steps.map((_, i) => needsApproval(steps, i, approvals))).toEqual([false, false, false, false, false, true, false, false, true, false, false]);
  });
});

describe('routing table', () => {
  it('matches docs/architecture.md', () => {
    expect(routingFor('preflight')).toEqual({ phase: 'preflight', writes: 'old', reads: 'old', readPercent: 0 });
    expect(routingFor('shadow_read')).toMatchObject({ writes: 'old_then_new', reads: 'old_shadow', readPercent: 0 });
    expect(routingFor('read_ramp', 25)).toMatchObject({ writes: 'old_then_new', reads: 'percent', readPercent: 25 });
    expect(routingFor('write_switch')).toMatchObject({ writes: 'new_then_old', reads: 'new', readPercent: 100 });
    expect(routingFor('complete')).toMatchObject({ writes: 'new', reads: 'new', readPercent: 100 });
  });

  it('under CDC sync, has applications write only the old database until the write switch', () => {
    expect(routingFor('dual_write', 0, 'cdc')).toMatchObject({ writes: 'old', reads: 'old' });
    expect(routingFor('read_ramp', 50, 'cdc')).toMatchObject({ writes: 'old', reads: 'percent', readPercent: 50 });
    expect(routingFor('write_switch', 0, 'cdc')).toMatchObject({ writes: 'new_then_old', reads: 'new' });
    expect(routingFor('complete', 0, 'cdc')).toMatchObject({ writes: 'new', reads: 'new' });
  });
});

describe('health gates', () => {
  const gates = gatesSchema.parse({ minSamples: 100, maxMismatchRate: 0.01, maxErrorRate: 0.02, maxLagSeconds: 5 });
  const figures = { comparisons: 1000, mismatches: 0, operations: 1000, errors: 0, lagSeconds: null, instances: 2 };

  it('is green under the thresholds and inconclusive without enough samples', () => {
    expect(evaluateGates(figures, gates, 'dual_write').verdict).toBe('green');
    expect(evaluateGates({ ...figures, comparisons: 10 }, gates, 'dual_write')).toMatchObject({
      verdict: 'inconclusive',
      reasons: ['10 shadow comparisons, need 100'],
    });
  });

  it('judges the counts since a baseline reading, so a late burst is not diluted by the green before it', () => {
    const baseline = { ...figures, comparisons: 100_000, operations: 100_000 };
    const now = { ...baseline, comparisons: 100_200, mismatches: 50, operations: 100_200, instances: 3 };
    expect(evaluateGates(now, gates, 'dual_write').verdict).toBe('green');
    const recent = windowFigures(now, baseline);
    expect(recent).toEqual({ comparisons: 200, mismatches: 50, operations: 200, errors: 0, lagSeconds: null, instances: 3 });
    expect(evaluateGates(recent, gates, 'dual_write').verdict).toBe('breach');
    expect(windowFigures(now)).toBe(now);
  });

  it('does not breach on a rate from fewer than minSamples calls', () => {
    const few = { ...figures, comparisons: 30, mismatches: 1, operations: 40, errors: 5 };
    expect(evaluateGates(few, gates, 'dual_write')).toMatchObject({ verdict: 'inconclusive', reasons: ['30 shadow comparisons, need 100'] });
    expect(evaluateGates({ ...few, operations: 1000, errors: 500 }, gates, 'dual_write').verdict).toBe('breach');
  });

  it('names every breached threshold with its figures', () => {
    const r = evaluateGates({ ...figures, mismatches: 20, errors: 30, lagSeconds: 9 }, gates, 'cdc');
    expect(r.verdict).toBe('breach');
    expect(r.reasons).toEqual(['mismatch rate 2.00% (20/1000) above 1.00%', 'new-database error rate 3.00% (30/1000) above 2.00%', 'CDC lag 9s above 5s']);
  });

  it('CDC with no router reporting: gated on verification and lag, not on shadow samples that cannot come', () => {
    const none = { comparisons: 0, mismatches: 0, operations: 0, errors: 0, lagSeconds: 1, instances: 0 };
    expect(evaluateGates(none, gates, 'cdc')).toMatchObject({ verdict: 'green', reasons: [] });
    expect(evaluateGates({ ...none, lagSeconds: 9 }, gates, 'cdc').verdict).toBe('breach');
    // A router that reports brings minSamples back; dual writes always need one.
    expect(evaluateGates({ ...none, comparisons: 10, instances: 1 }, gates, 'cdc').verdict).toBe('inconclusive');
    expect(evaluateGates(none, gates, 'dual_write').verdict).toBe('inconclusive');
  });

  it('after the write switch nothing is shadow-compared: calls to the new database are the samples', () => {
    const after = { comparisons: 0, mismatches: 0, operations: 500, errors: 0, lagSeconds: null, instances: 2 };
    expect(evaluateGates(after, gates, 'dual_write', false)).toMatchObject({ verdict: 'green', reasons: [] });
    expect(evaluateGates({ ...after, operations: 10 }, gates, 'dual_write', false)).toMatchObject({
      verdict: 'inconclusive',
      reasons: ['10 calls to the new database, need 100'],
    });
    expect(evaluateGates({ ...after, errors: 100 }, gates, 'dual_write', false).verdict).toBe('breach');
    expect(evaluateGates(after, gates, 'dual_write').verdict).toBe('inconclusive');
  });

  it('needs a lag report when sync is CDC, and ignores lag otherwise', () => {
    expect(evaluateGates(figures, gates, 'cdc')).toMatchObject({ verdict: 'inconclusive', reasons: ['no CDC lag reported'] });
    expect(evaluateGates({ ...figures, lagSeconds: 60 }, gates, 'dual_write').verdict).toBe('green');
  });
});
