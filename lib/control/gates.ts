/**
 * Health-gate arithmetic, pure so the gate activity and its unit test share it. A gate interval
 * with fewer comparisons than `minSamples` says nothing about the new database: it is
 * inconclusive, neither green nor a breach. The same holds for each rate on its own: one
 * mismatch among a handful of comparisons (a read racing a dual write) must not roll back.
 */
import type { Gates, Sync } from '../spec/lifecycle';
import type { GateFigures } from './store';

export type GateVerdict = 'green' | 'inconclusive' | 'breach';

export interface GateEvaluation {
  verdict: GateVerdict;
  mismatchRate: number;
  errorRate: number;
  /** One line per failed or inconclusive check, with the figures that decided it. */
  reasons: string[];
}

/**
 * `shadowing`: the phase compares reads against the new database (shadow reads, the read ramp).
 * From the write switch on every read goes to the new database and nothing is compared, so the
 * samples that count are the calls to it (operations), not comparisons.
 */
export function evaluateGates(f: GateFigures, gates: Gates, sync: Sync, shadowing = true): GateEvaluation {
  const mismatchRate = f.comparisons > 0 ? f.mismatches / f.comparisons : 0;
  const errorRate = f.operations > 0 ? f.errors / f.operations : 0;
  const breaches: string[] = [];
  if (f.comparisons >= gates.minSamples && mismatchRate > gates.maxMismatchRate) {
    breaches.push(`mismatch rate ${rate(mismatchRate)} (${f.mismatches}/${f.comparisons}) above ${rate(gates.maxMismatchRate)}`);
  }
  if (f.operations >= gates.minSamples && errorRate > gates.maxErrorRate) {
    breaches.push(`new-database error rate ${rate(errorRate)} (${f.errors}/${f.operations}) above ${rate(gates.maxErrorRate)}`);
  }
  if (sync === 'cdc' && f.lagSeconds !== null && f.lagSeconds > gates.maxLagSeconds) {
    breaches.push(`CDC lag ${f.lagSeconds}s above ${gates.maxLagSeconds}s`);
  }
  if (breaches.length) return { verdict: 'breach', mismatchRate, errorRate, reasons: breaches };
  const gaps: string[] = [];
  // A CDC migration needs no application router. With none reporting there are no shadow reads to
  // count, and minSamples would keep the gate inconclusive forever: the phase is gated instead on
  // the verification it passed to get here and on CDC lag (docs/lifecycle.md). Once a router
  // reports, its shadow reads count as usual.
  const routerless = sync === 'cdc' && f.instances === 0;
  if (!shadowing) {
    if (f.operations < gates.minSamples) gaps.push(`${f.operations} calls to the new database, need ${gates.minSamples}`);
  } else if (!routerless && f.comparisons < gates.minSamples) {
    gaps.push(`${f.comparisons} shadow comparisons, need ${gates.minSamples}`);
  }
  if (sync === 'cdc' && f.lagSeconds === null) gaps.push('no CDC lag reported');
  return { verdict: gaps.length ? 'inconclusive' : 'green', mismatchRate, errorRate, reasons: gaps };
}

/**
 * The counts reported since `baseline` (an earlier cumulative reading of the same routing
 * version): the gate judges recent traffic, not everything since the version was published.
 */
export function windowFigures(cumulative: GateFigures, baseline?: GateFigures): GateFigures {
  if (!baseline) return cumulative;
  const since = (k: 'comparisons' | 'mismatches' | 'operations' | 'errors') => Math.max(0, cumulative[k] - baseline[k]);
  return { ...cumulative, comparisons: since('comparisons'), mismatches: since('mismatches'), operations: since('operations'), errors: since('errors') };
}

function rate(r: number): string {
  return `${(r * 100).toPrecision(3)}%`;
}
