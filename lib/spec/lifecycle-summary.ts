import { parseDuration } from './duration';
import type { MigrationSpec } from './schema';

/**
 * What the lifecycle settings of a spec add up to, for `switchyard plan`: the soaks and their
 * least total, the approvals, and what the health gates need. The defaults are meant for
 * production (more than a day of soaks); this says so before a migration starts.
 */
export function lifecycleSummary(spec: MigrationSpec): string[] {
  const t = spec.timers;
  const ms = (d: string) => parseDuration(d);
  const least = ms(t.dualWriteSoak) + ms(t.shadowReadSoak) + spec.ramp.length * ms(t.rampStepBake) + ms(t.rollbackWindow);
  const cdc = spec.sync === 'cdc';
  const g = spec.gates;
  const lines = [
    `lifecycle: sync ${spec.sync}; approvals before ${spec.approvals.length ? spec.approvals.join(', ') : '(none)'}`,
    `  soaks: ${cdc ? 'CDC' : 'dual-write'} ${t.dualWriteSoak}, shadow reads ${t.shadowReadSoak}, read ramp ${spec.ramp.join('→')}% at ${t.rampStepBake} a step, rollback window ${t.rollbackWindow}: at least ${human(least)} besides copying and verifying`,
    `  gates every ${t.gateInterval}: shadow mismatches ≤ ${pct(g.maxMismatchRate)}, new-database errors ≤ ${pct(g.maxErrorRate)}, from at least ${g.minSamples} router samples${cdc ? `; CDC lag ≤ ${g.maxLagSeconds} s` : ''}`,
  ];
  if (cdc) {
    lines.push(
      `  no application router needed: while none reports, shadow_read and read_ramp are gated on the verification they follow and on CDC lag, not on minSamples`,
    );
  }
  return lines;
}

function pct(r: number): string {
  return `${+(r * 100).toPrecision(3)}%`;
}

function human(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.round((ms % 3_600_000) / 60_000);
  return h ? `${h}h${m ? `${m}m` : ''}` : `${m}m`;
}
