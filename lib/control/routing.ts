/**
 * The routing state the migration workflow publishes and applications (lib/router) obey. Pure
 * data and functions only: the workflow bundle imports this module.
 */
import type { Phase, Sync } from '../spec/lifecycle';

/**
 * Which database takes writes, in order: the first is the primary, the second best-effort.
 * 'held': none for now; routers hold writes until the next state (CDC sync, while the stream
 * drains before the write switch: heldWritesRouting).
 */
export type WriteMode = 'old' | 'old_then_new' | 'new_then_old' | 'new' | 'held';
/** The database a write mode writes first, whose answer the application gets; while writes are held, old still has every write. */
export function writePrimary(mode: WriteMode): 'old' | 'new' {
  return mode === 'new' || mode === 'new_then_old' ? 'new' : 'old';
}

/** Where reads go: old only; old with a shadow compare against new; a percentage to new; new. */
export type ReadMode = 'old' | 'old_shadow' | 'percent' | 'new';

export interface Routing {
  phase: Phase;
  writes: WriteMode;
  reads: ReadMode;
  /** Share of reads sent to the new database (0-100); 0 unless reads is 'percent' or 'new'. */
  readPercent: number;
}

export interface RoutingState extends Routing {
  migrationId: string;
  /** Increases with every change; applications compare it to skip stale states. */
  version: number;
  actor: string;
  reason: string;
  at: string;
}

const TABLE: Record<Phase, Omit<Routing, 'phase' | 'readPercent'>> = {
  preflight: { writes: 'old', reads: 'old' },
  dual_write: { writes: 'old_then_new', reads: 'old' },
  backfill: { writes: 'old_then_new', reads: 'old' },
  verify: { writes: 'old_then_new', reads: 'old' },
  shadow_read: { writes: 'old_then_new', reads: 'old_shadow' },
  read_ramp: { writes: 'old_then_new', reads: 'percent' },
  write_switch: { writes: 'new_then_old', reads: 'new' },
  complete: { writes: 'new', reads: 'new' },
  decommission: { writes: 'new', reads: 'new' },
};

/**
 * The routing of a phase (docs/architecture.md, "Phases and routing states"). With CDC sync the
 * stream keeps the new database current, so applications write only the old one until the switch.
 */
export function routingFor(phase: Phase, rampPercent = 0, sync: Sync = 'dual_write'): Routing {
  const { reads, writes: dualWrites } = TABLE[phase];
  const writes = sync === 'cdc' && dualWrites === 'old_then_new' ? 'old' : dualWrites;
  const readPercent = reads === 'new' ? 100 : reads === 'percent' ? rampPercent : 0;
  return { phase, writes, reads, readPercent };
}

/**
 * CDC sync, entering the write switch: writes wait in the routers while the stream applies the
 * last of the old database's changes, so the new database has every write before it becomes
 * primary. Reads go to the old database meanwhile: it alone is current.
 */
export function heldWritesRouting(): Routing {
  return { phase: 'write_switch', writes: 'held', reads: 'old', readPercent: 0 };
}
