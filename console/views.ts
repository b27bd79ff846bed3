/**
 * What the console's pages show, assembled from Temporal on each request: visibility for the list,
 * the `status` query (or a finished run's result) for each migration, its history for the figures
 * over time. Nothing is kept between requests.
 */
import * as switchyard from '../lib/client';
import type { Session } from '../lib/client';
import type { MigrationStatus } from '../workflows/migration-api';
import { entityProgress } from '../scripts/cli/entity-progress';
import { Series, seriesOf } from './history';

const STATUS_DEADLINE_MS = 2000;

export interface ListRow {
  id: string;
  phase: string;
  state: string;
  started: string;
  pendingApproval: { phase: string; since: string } | null;
  readPercent: number | null;
  gateVerdict: string | null;
  /** Why the status could not be read (no worker polls the task queue, the run ended without a result). */
  unavailable?: string;
}

/** Every migration; running ones with what their status query answers, closed ones as their search attributes last said. */
export async function listMigrations(session: Session, state?: string): Promise<ListRow[]> {
  const listed = await switchyard.list(session, { all: true });
  const rows = await Promise.all(
    listed.map(async (m): Promise<ListRow> => {
      const base = { id: m.id, phase: m.phase, state: m.state, started: m.started, pendingApproval: null, readPercent: null, gateVerdict: null };
      // A run that ended without finishing its state machine (terminated, timed out) is shown as that, not as the state it last published.
      if (m.execution !== 'RUNNING') return m.execution === 'COMPLETED' ? base : { ...base, state: m.execution.toLowerCase() };
      try {
        // A migration whose worker just died would hold the whole list for the server's query timeout.
        const deadline = Date.now() + STATUS_DEADLINE_MS;
        const s = await session.client.connection
          .withDeadline(deadline, () => switchyard.status(session, m.id))
          .catch((err: Error) => {
            throw Date.now() >= deadline ? new Error(`no answer within ${STATUS_DEADLINE_MS / 1000} s: is a worker polling its task queue?`) : err;
          });
        return {
          ...base,
          phase: s.phase ?? m.phase,
          state: s.state,
          pendingApproval: s.pendingApproval && { phase: s.pendingApproval.phase, since: s.pendingApproval.since },
          readPercent: s.routing?.readPercent ?? null,
          gateVerdict: s.gates.latest?.verdict ?? null,
        };
      } catch (err) {
        return { ...base, unavailable: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  return rows.filter((r) => !state || r.state === state).sort((a, b) => b.started.localeCompare(a.started));
}

export interface EntityRow {
  entity: string;
  kind: 'backfill' | 'verify';
  state: string;
  done: number;
  total: number;
  rowsPerSecond: number | null;
  etaSeconds: number | null;
  quarantined: number | null;
}

export interface MigrationView {
  status: MigrationStatus & { workflowStatus: string };
  entities: EntityRow[];
  /** The latest verification per entity; `final` once it is the decommission's. */
  verification: { final: boolean; results: Record<string, unknown> };
  series: Series;
}

export async function migrationView(session: Session, id: string): Promise<MigrationView> {
  const handle = switchyard.handle(session, id);
  const [status, history] = await Promise.all([switchyard.status(session, id), handle.fetchHistory()]);
  const series = seriesOf(history.events ?? []);
  const entities: EntityRow[] = [];
  for (const p of entityProgress(status)) {
    for (const kind of ['backfill', 'verify'] as const) {
      const phase = p[kind];
      if (!phase) continue;
      const rate = phase.state === 'running' ? (series.rates[p.entity]?.[kind] ?? null) : null;
      const result = status.entities[p.entity]?.[kind]?.result as { rowsQuarantined?: number } | undefined;
      entities.push({
        entity: p.entity,
        kind,
        state: phase.state,
        done: phase.done,
        total: phase.total,
        rowsPerSecond: rate,
        etaSeconds: rate && rate > 0 && phase.total > phase.done ? Math.round((phase.total - phase.done) / rate) : null,
        quarantined: kind === 'backfill' ? (result?.rowsQuarantined ?? null) : null,
      });
    }
  }
  const results = Object.fromEntries(Object.entries(status.entities).flatMap(([e, s]) => (s.verify?.result ? [[e, s.verify.result]] : [])));
  const final = status.phase === 'decommission' || (status.state === 'completed' && status.transitions.some((t) => t.to === 'decommission'));
  return { status, entities, verification: { final, results }, series };
}
