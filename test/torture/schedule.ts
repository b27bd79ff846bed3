import { rng } from './rng';

/** Every fault the harness injects; the report counts each kind. */
export const FAULT_KINDS = [
  'worker_kill',
  'worker_restart',
  'app_kill_mid_write',
  'new_db_outage',
  'control_outage',
  'temporal_restart',
  'rollback',
  'pause_resume',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Faults of CDC schedules (`--cdc`), done by the writer that bypasses the router
 * (direct-writer.ts); `direct_writes` counts that writer's acknowledged writes having happened.
 */
export const CDC_FAULT_KINDS = ['direct_writes', 'long_transaction', 'huge_transaction', 'truncate', 'slot_retention', 'undecodable_row'] as const;
export type CdcFaultKind = (typeof CDC_FAULT_KINDS)[number];
export type AnyFaultKind = FaultKind | CdcFaultKind;

export interface CdcFault {
  kind: Exclude<CdcFaultKind, 'direct_writes'>;
  /** Milliseconds after the migration started; slot_retention waits for the stream to run. */
  atMs: number;
  holdMs: number;
}

/** Phases a rollback is requested in (once the migration reaches them). */
export const ROLLBACK_PHASES = ['dual_write', 'backfill', 'shadow_read', 'read_ramp', 'write_switch', 'complete'] as const;

export interface Fault {
  kind: FaultKind;
  /** Milliseconds after the migration started; a rollback waits for its phase instead. */
  atMs: number;
  /** How long an outage or a pause lasts, or how long a killed worker stays down. */
  holdMs: number;
  phase?: (typeof ROLLBACK_PHASES)[number];
}

export interface Schedule {
  seed: number;
  target: 'mongo' | 'pg';
  sync: 'dual_write' | 'cdc';
  /** Hot keys 1..keys, half of them seeded; cold keys after them, all seeded, touched now and then. */
  keys: number;
  coldKeys: number;
  instances: number;
  faults: Fault[];
  /** CDC schedules only (`--cdc`): the writer that bypasses the router runs, and these faults. */
  cdcFaults?: CdcFault[];
}

/**
 * The whole plan of one schedule, from its seed alone. `kinds` forces those faults in (the CI
 * seeds' coverage); otherwise 2-4 kinds are drawn. Fault moments fall in the first 25 s, the time
 * a fault-free migration with these timers takes to reach `complete`.
 */
export function planSchedule(seed: number, opts: { cdc?: boolean } = {}): Schedule {
  const r = rng(seed);
  const target = r.pick(['mongo', 'pg'] as const);
  const drawn = r.pick(['dual_write', 'cdc'] as const);
  const sync = opts.cdc ? 'cdc' : drawn;
  const count = r.int(2, 4);
  const faults: Fault[] = [];
  for (let i = 0; i < count; i++) {
    const kind = r.pick(FAULT_KINDS);
    // One rollback per schedule: a second would wait on the first's approval.
    if (kind === 'rollback' && faults.some((f) => f.kind === 'rollback')) continue;
    const fault: Fault = { kind, atMs: r.int(1000, 25_000), holdMs: r.int(1000, 4000) };
    if (kind === 'rollback') fault.phase = r.pick(ROLLBACK_PHASES);
    faults.push(fault);
  }
  faults.sort((a, b) => a.atMs - b.atMs);
  const plan = { seed, target, sync, keys: r.int(4, 8), coldKeys: 300, instances: r.int(2, 3), faults };
  return opts.cdc ? { ...plan, cdcFaults: planCdcFaults(seed) } : plan;
}

/** 2-3 CDC faults from a stream of their own, so a seed's other draws stay what they were without --cdc. */
function planCdcFaults(seed: number): CdcFault[] {
  const r = rng(seed * 7919 + 13);
  const kinds = CDC_FAULT_KINDS.filter((k) => k !== 'direct_writes');
  const out: CdcFault[] = [];
  for (let n = r.int(2, 3); out.length < n;) {
    const kind = r.pick(kinds);
    if (!out.some((f) => f.kind === kind)) out.push({ kind, atMs: r.int(1000, 25_000), holdMs: r.int(1000, 4000) });
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}
