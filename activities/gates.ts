import { evaluateGates, GateEvaluation, GateFigures, readGateFigures, routingFor, windowFigures } from '../lib/control';
import { log } from '../lib/log';
import { metrics } from '../lib/metrics';
import type { Gates, Phase, Sync } from '../lib/spec/lifecycle';
import { controlPool } from './control-pool';

export interface CheckGatesInput {
  control: string;
  migrationId: string;
  /** The phase being gated, for the log line (absent from inputs scheduled before it was added). */
  phase?: Phase;
  /** Figures are those reported under this routing version: the current phase or ramp step. */
  routingVersion: number;
  gates: Gates;
  sync: Sync;
  /** The workflow's own CDC stream lag; it replaces whatever the routers reported. */
  lagSeconds?: number;
  /** A cumulative reading from an earlier interval: only counts reported since then are judged (the sliding window). */
  baseline?: GateFigures;
}

export interface GateCheck extends GateEvaluation {
  routingVersion: number;
  /** The figures judged: since the baseline when one was given, else everything reported under the version. */
  figures: GateFigures;
  /** Everything reported under the routing version so far: the next intervals' baseline. */
  cumulative?: GateFigures;
}

/** Reads what the application routers reported for the current routing and judges it. */
export async function checkGates(input: CheckGatesInput): Promise<GateCheck> {
  const reported = await readGateFigures(controlPool(input.control), input.migrationId, input.routingVersion);
  const figures = { ...windowFigures(reported, input.baseline), lagSeconds: input.lagSeconds ?? reported.lagSeconds };
  // Only phases whose reads are compared produce shadow comparisons; the others are judged on calls.
  const shadowing = !input.phase || ['old_shadow', 'percent'].includes(routingFor(input.phase).reads);
  const evaluation = evaluateGates(figures, input.gates, input.sync, shadowing);
  const m = { migration_id: input.migrationId };
  metrics.mismatchRate.set(m, evaluation.mismatchRate);
  metrics.errorRate.set(m, evaluation.errorRate);
  if (figures.lagSeconds !== null) metrics.lagSeconds.set(m, figures.lagSeconds);
  metrics.gateChecks.inc({ ...m, verdict: evaluation.verdict });
  log.info({ migrationId: input.migrationId, phase: input.phase, figures, ...evaluation }, `gate ${evaluation.verdict}`);
  return { ...evaluation, routingVersion: input.routingVersion, figures, cumulative: reported };
}
