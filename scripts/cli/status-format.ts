/** The human form of `switchyard status`: fits an 80-column terminal. */
import type { MigrationStatus } from '../../workflows/migration-api';
import type { EntityProgress } from './entity-progress';

const WIDTH = 80;

function clip(text: string, width = WIDTH): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function pct(n: number, d: number): string {
  return d > 0 ? `${Math.min(100, Math.floor((n / d) * 100))}%` : '-';
}

function cdcLine(c: NonNullable<MigrationStatus['cdc']>): string {
  if (c.lost) return `cdc       LOST: ${c.lost}`;
  if (!c.lag) return 'cdc       slot ready; the stream starts after the backfill';
  if (c.writePauseMs !== undefined) return `cdc       stream drained at the write switch; writes held ${c.writePauseMs} ms`;
  const held = c.holding ? `; ${c.holding} waits for lag` : '';
  const warn = c.lag.warnings.length ? `; ${c.lag.warnings.join('; ')}` : '';
  return `cdc       lag ${c.lag.seconds.toFixed(2)} s, ${c.lag.bytes} B behind, ${c.lag.retainedBytes} B retained at ${c.lag.at}${held}${warn}`;
}

function routerAcksLine(a: NonNullable<MigrationStatus['routerAcks']>): string {
  if (a.acked === null) return `routers   waiting since ${a.at.slice(11, 19)} for every router to follow routing v${a.version}`;
  if (!a.waiting.length) return `routers   ${a.acked} follow routing v${a.version}; any others lapsed or left`;
  return `routers   ${a.acked} follow routing v${a.version}; ${a.waiting.length} not after ${Math.round((a.waitedMs ?? 0) / 1000)} s: ${a.waiting.join(', ')}`;
}

/** The commands that answer a pending approval, with what it must name; undefined for a plain approve. */
function answersOf(p: NonNullable<MigrationStatus['pendingApproval']>): string | undefined {
  const confirm = (action?: string) => (p.confirm !== undefined && action !== 'keep' ? ` --confirm ${p.confirm}` : '');
  if (!p.choices) return p.confirm !== undefined ? `approve${confirm()}` : undefined;
  return p.choices.map((c) => (c === 'rollback' ? c : `approve --action ${c}${confirm(c)}`)).join(' | ');
}

function quarantineLine(q: NonNullable<MigrationStatus['quarantine']>): string {
  const accepted = q.accepted ? `; ${q.accepted.count} accepted by ${q.accepted.by}` : '';
  return `quarantine ${q.count} records in the new database at ${q.at.slice(11, 19)}${accepted}`;
}

/** The state on one line, then each table or collection and its retired name, never cut: what a drop by hand needs. */
function decommissionLines(d: NonNullable<MigrationStatus['decommission']>): string[] {
  const until = d.state === 'retired' || d.state === 'retiring' ? ` until ${d.retainUntil} (rollback restores)` : '';
  const failed = d.error ? [clip(`          last drop failed: ${d.error}`)] : [];
  return [clip(`old       ${d.state}${until}`), ...(d.dropped ?? d.retired).map((n) => `          ${n.name} as ${n.retiredAs}`), ...failed];
}

export function formatStatus(s: MigrationStatus, progress: EntityProgress[]): string {
  const lines: string[] = [];
  const phase = s.phase === 'read_ramp' ? `read_ramp ${s.rampPercent}%` : (s.phase ?? '-');
  lines.push(clip(`migration ${s.migrationId}   phase ${phase}   state ${s.state}`));
  if (s.routing) {
    lines.push(clip(`routing   v${s.routing.version} writes=${s.routing.writes} reads=${s.routing.reads} ${s.routing.readPercent}% new`));
  }
  if (s.pendingApproval) lines.push(clip(`approval  ${s.pendingApproval.phase} pending since ${s.pendingApproval.since} (${s.pendingApproval.reason})`));
  // The reason is clipped to the terminal; the commands that answer the choice are not.
  if (s.pendingApproval) {
    const answers = answersOf(s.pendingApproval);
    if (answers) lines.push(`choices   ${answers}`);
  }
  if (s.failure) lines.push(clip(`failure   ${s.failure}`));
  // null: never throttled by an operator; 0: an operator lifted the limit, which is worth seeing.
  if (s.rowsPerSecond != null) lines.push(`throttle  ${s.rowsPerSecond ? `${s.rowsPerSecond} rows/s` : 'lifted (unlimited)'}`);
  if (progress.length) lines.push('', 'entity               backfill                 verify');
  for (const p of progress) {
    const b = p.backfill ? `${p.backfill.state} ${pct(p.backfill.done, p.backfill.total)} ${p.backfill.done}/${p.backfill.total}` : '-';
    const v = p.verify
      ? `${p.verify.state} ${pct(p.verify.done, p.verify.total)}${p.verify.clean === undefined ? '' : p.verify.clean ? ' clean' : ' DIFFERS'}`
      : '-';
    // Figures are never cut: a long backfill column pushes the verify column right instead.
    lines.push(clip(`${p.entity.padEnd(20).slice(0, 20)} ${b.padEnd(24)} ${v}`));
  }
  // On lines of their own: beside the verdict they would not fit.
  for (const p of progress) {
    if (p.verify?.unconfirmed) lines.push(clip(`verify    ${p.entity}: ${p.verify.unconfirmed} keys unconfirmed (still changing at every recheck)`));
  }
  if (s.cdc) lines.push('', clip(cdcLine(s.cdc)));
  if (s.reconcileQueue)
    lines.push(
      '',
      clip(
        `reconcile ${s.reconcileQueue.depth ?? '?'} keys queued at ${s.reconcileQueue.at}${s.reconcileQueue.error ? `; last drain failed: ${s.reconcileQueue.error}` : ''}`,
      ),
    );
  if (s.routerAcks) lines.push(clip(routerAcksLine(s.routerAcks)));
  if (s.quarantine) lines.push(clip(quarantineLine(s.quarantine)));
  if (s.decommission) lines.push(...decommissionLines(s.decommission));
  const g = s.gates.latest;
  if (g) {
    // Figures on a line of their own: with large counts they would not fit beside the verdict.
    lines.push('', `gates     ${g.verdict} at ${g.at.slice(11, 19)}`);
    lines.push(
      clip(
        `          mismatch ${(g.mismatchRate * 100).toFixed(2)}% (${g.figures.mismatches}/${g.figures.comparisons}), errors ${(g.errorRate * 100).toFixed(2)}% (${g.figures.errors}/${g.figures.operations})`,
      ),
    );
    for (const r of g.reasons) lines.push(clip(`          ${r}`));
  }
  lines.push('', 'history');
  for (const t of s.transitions.slice(-15)) {
    lines.push(clip(`${t.at.slice(11, 19)} ${t.from} → ${t.to} by ${t.by}: ${t.reason}`));
  }
  return lines.join('\n');
}
