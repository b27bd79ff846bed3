import type { LoadStats } from '../../examples/shop/load';
import type { RouterMetrics } from '../../lib/router';
import type { MigrationStatus } from '../../workflows/migration-api';
import type { VerifyResult } from '../../workflows/verify-api';

/** The final verification of each entity, as the workflow recorded it. */
export function verificationReport(status: MigrationStatus): string[] {
  const lines = ['Verification (final pass, PostgreSQL users+orders vs MongoDB users):'];
  for (const [entity, e] of Object.entries(status.entities)) {
    const r = e.verify?.result as VerifyResult | undefined;
    if (!r) {
      lines.push(`  ${entity}: no verification result (${e.verify?.state ?? 'not run'}${e.verify?.error ? `: ${e.verify.error}` : ''})`);
      continue;
    }
    const t = r.found.totals;
    lines.push(
      `  ${entity}: ${r.clean ? 'CLEAN' : 'NOT CLEAN'} — ${r.rowsCompared} rows compared; counts source ${r.countsAfter.source}, target ${r.countsAfter.target}`,
      `    differences found ${t.all} (missing ${t.missing}, extra ${t.extra}, different ${t.different}); remaining ${r.remaining.totals.all}; reconcile ${r.reconcile.outcome}`,
    );
  }
  return lines;
}

export interface Summary {
  migrationId: string;
  seconds: number;
  status: MigrationStatus;
  load: LoadStats;
  router: RouterMetrics;
  backlog: number;
  uiUrl: string;
}

export function summary(s: Summary): string[] {
  const { load, router } = s;
  const rollbacks = s.status.transitions.filter((t) => t.to.startsWith('rollback')).length;
  const lines = [
    `Summary: migration ${s.migrationId} ${s.status.state} in ${s.seconds.toFixed(0)} s, ${s.status.transitions.length} transitions, ${rollbacks} rollbacks`,
    `  phases   ${[...new Set(s.status.transitions.map((t) => t.to))].join(' → ')}`,
    `  traffic  ${load.served} requests served, ${load.failed} failed, ${load.shed} shed; p50 ${load.p50Ms.toFixed(1)} ms, p99 ${load.p99Ms.toFixed(1)} ms`,
    `  router   reads old ${router.reads.old}, new ${router.reads.new}; shadow comparisons ${router.shadow.matches + router.shadow.mismatches}, mismatches ${router.shadow.mismatches}; secondary write failures ${router.secondaryFailures}; reconcile queue ${s.backlog}`,
    ...load.failures.slice(0, 5).map((f) => `  failure  ${f}`),
    `  Temporal UI: ${s.uiUrl}`,
  ];
  return lines;
}
