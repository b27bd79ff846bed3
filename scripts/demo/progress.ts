import type { LoadStats } from '../../examples/shop/load';
import type { RouterMetrics } from '../../lib/router';
import type { MigrationStatus } from '../../workflows/migration-api';
import type { EntityProgress, PhaseProgress } from '../cli/entity-progress';

/** Everything the live view shows, gathered once a second. */
export interface Snapshot {
  elapsedMs: number;
  status?: MigrationStatus;
  progress: EntityProgress[];
  load: LoadStats;
  router: RouterMetrics;
  backlog?: number;
}

const clock = (ms: number) => `${Math.floor(ms / 60000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}`;
const pct = (p?: PhaseProgress) => (p ? `${p.done}/${p.total || '?'}${p.clean === undefined ? '' : p.clean ? ' clean' : ' DIFFERS'}` : '-');

export function phaseLabel(s?: MigrationStatus): string {
  if (!s?.phase) return 'starting';
  return s.phase === 'read_ramp' ? `read_ramp ${s.rampPercent}%` : s.phase;
}

/** The compact block: migration, copy, gates, traffic. Lines fit 100 columns. */
export function formatSnapshot(s: Snapshot): string[] {
  const st = s.status;
  const routing = st?.routing ? `writes ${st.routing.writes}, reads ${st.routing.reads} (${st.routing.readPercent}% new)` : 'old only';
  const copy = s.progress.map((p) => `${p.entity}: backfill ${pct(p.backfill)}  verify ${pct(p.verify)}`).join('   ') || 'waiting for the backfill';
  const shadow = s.router.shadow;
  const compared = shadow.matches + shadow.mismatches;
  const gate = st?.gates.latest ? `gate ${st.gates.latest.verdict}` : 'gate -';
  const { load } = s;
  return [
    `[${clock(s.elapsedMs)}] phase ${phaseLabel(st)} (${st?.state ?? 'starting'})   ${routing}`,
    `  copy     ${copy}`,
    `  checks   shadow reads ${compared}, mismatches ${shadow.mismatches}   ${gate}   reconcile queue ${s.backlog ?? '?'}`,
    `  traffic  served ${load.served}, failed ${load.failed}   p50 ${load.p50Ms.toFixed(1)} ms, p99 ${load.p99Ms.toFixed(1)} ms   ` +
      `reads new ${s.router.reads.new}/${s.router.reads.new + s.router.reads.old}, fallbacks ${s.router.fallbacks}`,
  ];
}

/**
 * A terminal redraws the block in place; anything else (a pipe, CI) gets one plain line per phase
 * change and a heartbeat line every 15 s, so a log stays readable.
 */
export function liveView(out: NodeJS.WriteStream) {
  let drawn = 0;
  let lastHead = '';
  let lastPrint = 0;
  return {
    show(s: Snapshot) {
      const lines = formatSnapshot(s);
      if (out.isTTY) {
        const width = out.columns || 100;
        out.write(`${drawn ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l.slice(0, width - 1)}`).join('\n')}\n`);
        drawn = lines.length;
        return;
      }
      const head = `${phaseLabel(s.status)} ${s.status?.state}`;
      if (head === lastHead && s.elapsedMs - lastPrint < 15_000) return;
      lastHead = head;
      lastPrint = s.elapsedMs;
      out.write(`${lines.join(' |').replace(/\s{2,}/g, ' ')}\n`);
    },
    /** Leaves the last block on screen; what follows prints below it. */
    release() {
      drawn = 0;
    },
  };
}
