import type { ScheduleResult } from './run-schedule';
import { CDC_FAULT_KINDS, FAULT_KINDS } from './schedule';

/** The run's table: schedules, faults injected by kind, violations by kind with seed and key. */
export function report(results: ScheduleResult[], command: string): string {
  const lines = [`command: ${command}`, ''];
  lines.push('| seed | target | sync | faults injected | ending | ops | violations | seconds |', '|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const s = r.schedule;
    const faults =
      Object.entries(r.injected)
        .map(([k, n]) => `${k}${n! > 1 ? `×${n}` : ''}`)
        .join(', ') || '—';
    lines.push(`| ${s.seed} | ${s.target} | ${s.sync} | ${faults} | ${r.ending} | ${r.ops} | ${r.violations.length} | ${Math.round(r.ms / 1000)} |`);
  }
  lines.push('', '| fault kind | injected | planned |', '|---|---|---|');
  const cdc = results.some((r) => r.schedule.cdcFaults);
  for (const kind of [...FAULT_KINDS, ...(cdc ? CDC_FAULT_KINDS : [])]) {
    const injected = results.reduce((n, r) => n + (r.injected[kind] ?? 0), 0);
    const planned = results.reduce((n, r) => n + plannedKinds(r).filter((k) => k === kind).length, 0);
    lines.push(`| ${kind} | ${injected} | ${planned} |`);
  }
  const all = results.flatMap((r) => r.violations);
  const kinds = [...new Set(all.map((v) => v.kind))].sort();
  lines.push('', `schedules: ${results.length}, violations: ${all.length}`);
  if (kinds.length) {
    lines.push('', '| violation kind | count | seeds (key) | example |', '|---|---|---|---|');
    for (const kind of kinds) {
      const of = all.filter((v) => v.kind === kind);
      const where = [...new Set(of.map((v) => `${v.seed} (${v.key})`))].slice(0, 8).join(', ');
      lines.push(`| ${kind} | ${of.length} | ${where} | ${of[0].detail.replace(/\|/g, '/').slice(0, 160)} |`);
    }
  }
  return lines.join('\n');
}

function plannedKinds(r: ScheduleResult): string[] {
  const { faults, cdcFaults } = r.schedule;
  return [...faults.map((f) => f.kind), ...(cdcFaults ? ['direct_writes', ...cdcFaults.map((f) => f.kind)] : [])];
}
