/**
 * Figures over time, read back from the migration's own history: every gate check, every routing
 * publication, every CDC stream slice and every child progress report is an event there with its
 * time and result, so the console keeps nothing of its own to draw its charts and rates.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { BackfillProgress } from '../workflows/backfill-api';
import type { ProgressReport } from '../workflows/migration-api';
import type { VerifyProgress } from '../workflows/verify-api';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface GatePoint {
  at: number;
  verdict: string;
  errorRate: number | null;
  mismatchRate: number | null;
  lagSeconds: number | null;
}

export interface Series {
  gates: GatePoint[];
  /** Share of reads sent to the new database, from each routing publication. */
  readPercent: { at: number; percent: number }[];
  /** CDC lag measured by each finished stream slice. */
  cdcLag: { at: number; seconds: number }[];
  /** Rows per second of each entity's running backfill or verification, from its last two progress reports. */
  rates: Record<string, { backfill?: number; verify?: number }>;
}

const ms = (t: HistoryEvent['eventTime']) => (t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0);
const decode = (p: temporal.api.common.v1.IPayloads | null | undefined): unknown =>
  p?.payloads?.length ? defaultPayloadConverter.fromPayload(p.payloads[0]) : undefined;

export function seriesOf(events: HistoryEvent[]): Series {
  const scheduled = new Map<string, string>();
  const series: Series = { gates: [], readPercent: [], cdcLag: [], rates: {} };
  const reports: Record<string, { at: number; done: number }[]> = {};
  for (const e of events) {
    const at = ms(e.eventTime);
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
    const c = e.activityTaskCompletedEventAttributes;
    if (c) activityPoint(series, scheduled.get(String(c.scheduledEventId)), at, decode(c.result));
    const sig = e.workflowExecutionSignaledEventAttributes;
    if (sig?.signalName === 'childProgress') {
      const r = decode(sig.input) as ProgressReport | undefined;
      if (r) {
        const key = `${r.kind}/${r.progress.entity}`;
        const point = { at, done: doneOf(r) };
        // Fewer rows done than the last report: a new pass (the final verification, a restarted child) began.
        if ((reports[key]?.at(-1)?.done ?? 0) > point.done) reports[key] = [];
        (reports[key] ??= []).push(point);
      }
    }
  }
  for (const [key, points] of Object.entries(reports)) {
    const [kind, entity] = key.split('/') as ['backfill' | 'verify', string];
    const [a, b] = points.slice(-2);
    if (b && b.at > a.at) (series.rates[entity] ??= {})[kind] = ((b.done - a.done) * 1000) / (b.at - a.at);
  }
  return series;
}

function doneOf(r: ProgressReport): number {
  return r.kind === 'backfill' ? (r.progress as BackfillProgress).rowsCopied : (r.progress as VerifyProgress).rowsCompared;
}

function activityPoint(series: Series, type: string | undefined, at: number, result: unknown): void {
  const r = result as Record<string, unknown> | undefined;
  if (!r) return;
  if (type === 'checkGates') {
    const figures = (r.figures ?? {}) as { lagSeconds?: number | null };
    series.gates.push({
      at,
      verdict: String(r.verdict),
      errorRate: (r.errorRate as number | null) ?? null,
      mismatchRate: (r.mismatchRate as number | null) ?? null,
      lagSeconds: figures.lagSeconds ?? null,
    });
  } else if (type === 'publishRouting' && typeof r.readPercent === 'number') {
    series.readPercent.push({ at, percent: r.readPercent });
  } else if (type === 'cdcStream' && typeof r.lagSeconds === 'number') {
    series.cdcLag.push({ at, seconds: r.lagSeconds });
  }
}
