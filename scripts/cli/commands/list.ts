import { Command } from 'commander';
import { withTemporal } from '../migration-client';

export function register(program: Command): void {
  program
    .command('list')
    .description('migrations with their phase and state (from the search attributes)')
    .option('--all', 'include closed migrations')
    .option('--json', 'print a JSON array')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      await withTemporal(async ({ client }) => {
        const query = `WorkflowType = 'migrationWorkflow'${opts.all ? '' : ` AND ExecutionStatus = 'Running'`}`;
        const rows: Array<{ id: string; phase: string; state: string; started: string }> = [];
        for await (const wf of client.workflow.list({ query })) {
          const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
          rows.push({
            id: wf.workflowId,
            phase: String(sa.MigrationPhase?.[0] ?? '-'),
            state: String(sa.MigrationState?.[0] ?? wf.status.name.toLowerCase()),
            started: wf.startTime.toISOString(),
          });
        }
        if (opts.json) {
          console.log(JSON.stringify(rows, null, 2));
          return;
        }
        if (rows.length === 0) console.log(opts.all ? 'no migrations' : 'no running migrations (--all lists closed ones too)');
        for (const r of rows) console.log(`${r.id.padEnd(32).slice(0, 32)} ${r.phase.padEnd(13)} ${r.state.padEnd(16)} ${r.started.slice(0, 16)}`);
      });
    });
}
