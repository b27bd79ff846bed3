import { Command } from 'commander';
import * as switchyard from '../../../lib/client';
import { allBlockers } from '../../../lib/plan';
import { loadSpecFile } from '../../../lib/spec';
import { lifecycleSummary } from '../../../lib/spec/lifecycle-summary';
import { UsageError } from '../errors';

export function register(program: Command): void {
  program
    .command('plan')
    .description(
      'check the spec against its named connections through the worker and print what the migration will do and what blocks it (exit 2 on any blocker)',
    )
    .argument('<spec>', 'path to the spec JSON file')
    .option('--json', 'print the plan as JSON')
    .action(async (path: string, opts: { json?: boolean }) => {
      const loaded = await loadSpecFile(path);
      if (!loaded.ok) throw new UsageError(`${path} is not a valid spec:\n${loaded.problems.join('\n')}`);
      await switchyard.withTemporal(async (session) => {
        const { result: plan } = await switchyard.plan(session, loaded.spec);
        if (opts.json) console.log(JSON.stringify(plan, null, 2));
        else {
          for (const c of plan.connections) {
            const proven = [c.canRead && 'read', c.canWrite && 'write'].filter(Boolean).join(' and ') || 'nothing';
            console.log(`${c.role} ${c.connection}: ${proven} proven${c.database ? ` in database ${c.database}` : ''}`);
          }
          for (const e of plan.entities) {
            console.log(`entity ${e.entity}: ${e.source} → ${e.target}`);
            console.log(`  key: ${e.key.join(', ')}   version: ${e.version ?? '(none: append-only)'}   estimated rows: ${e.estimatedRows ?? 'unknown'}`);
            for (const index of e.indexes) console.log(`  index to create: ${index}`);
            for (const warning of e.warnings ?? []) console.log(`  warning: ${warning}`);
          }
          for (const line of lifecycleSummary(loaded.spec)) console.log(line);
        }
        const blockers = allBlockers(plan);
        if (blockers.length)
          throw new UsageError(`${blockers.length} blocker${blockers.length === 1 ? '' : 's'}:\n${blockers.map((b) => `blocker: ${b}`).join('\n')}`);
        if (!opts.json) console.log('no blockers');
      });
    });
}
