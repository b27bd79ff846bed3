import { Command } from 'commander';
import { MultiBar, Presets } from 'cli-progress';
import * as switchyard from '../../../lib/client';
import type { Session } from '../../../lib/client';
import { entityProgress, EntityProgress } from '../entity-progress';
import { formatStatus } from '../status-format';

const TERMINAL = new Set(['completed', 'failed', 'aborted']);

export function register(program: Command): void {
  program
    .command('status')
    .description('phase, state, routing, per-entity progress, gates and history of a migration')
    .argument('<id>', 'migration (workflow) id')
    .option('--json', 'print one JSON object with every status field')
    .option('--watch', 'show progress bars per entity until the migration stops running')
    .action(async (id: string, opts: { json?: boolean; watch?: boolean }) => {
      await switchyard.withTemporal(async (session) => {
        if (opts.watch && !opts.json) await watch(session, id);
        const status = await switchyard.status(session, id);
        const progress = entityProgress(status);
        if (opts.json) console.log(JSON.stringify({ ...status, progress }, null, 2));
        else console.log(formatStatus(status, progress));
      });
    });
}

/** Bars for backfill and verification of each entity, refreshed every second, while the migration is busy. */
async function watch(session: Session, id: string): Promise<void> {
  // Sized for 80 columns; without a terminal (a pipe, a CI log) a frame is printed every 2 s.
  const bars = new MultiBar(
    {
      format: '{entity} {phase} [{bar}] {percentage}% {value}/{total} | {state}',
      barsize: 14,
      hideCursor: true,
      noTTYOutput: true,
    },
    Presets.shades_classic,
  );
  const byKey = new Map<string, ReturnType<MultiBar['create']>>();
  const draw = (progress: EntityProgress[], state: string) => {
    for (const p of progress) {
      for (const phase of ['backfill', 'verify'] as const) {
        const figures = p[phase];
        if (!figures) continue;
        const key = `${p.entity}:${phase}`;
        const payload = { entity: p.entity.padEnd(18).slice(0, 18), phase: phase.padEnd(8), state };
        const bar = byKey.get(key) ?? bars.create(Math.max(figures.total, 1), 0, payload);
        byKey.set(key, bar);
        bar.setTotal(Math.max(figures.total, figures.done, 1));
        bar.update(figures.done, payload);
      }
    }
  };
  try {
    for (;;) {
      const status = await switchyard.status(session, id);
      draw(entityProgress(status), status.state);
      if (TERMINAL.has(status.state) || status.state === 'waiting_approval') break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    bars.stop();
  }
}
