import { Command } from 'commander';
import * as switchyard from '../../../lib/client';

export function register(program: Command): void {
  program
    .command('list')
    .description('migrations with their phase and state (from the search attributes)')
    .option('--all', 'include closed migrations')
    .option('--json', 'print a JSON array')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const rows = await switchyard.withTemporal((session) => switchyard.list(session, { all: opts.all }));
      if (opts.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) console.log(opts.all ? 'no migrations' : 'no running migrations (--all lists closed ones too)');
      for (const r of rows) console.log(`${r.id.padEnd(32).slice(0, 32)} ${r.phase.padEnd(13)} ${r.state.padEnd(16)} ${r.started.slice(0, 16)}`);
    });
}
