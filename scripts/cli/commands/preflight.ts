import { Command } from 'commander';
import * as switchyard from '../../../lib/client';
import { workflowUiUrl } from '../../../lib/config';

export function register(program: Command): void {
  program
    .command('preflight')
    .description('check named connections (reachable, version, read/write) through the worker')
    .argument('<connections...>', 'connection names, resolved by the worker from SWITCHYARD_CONN_<NAME>')
    .option('--json', 'print the report as JSON')
    .action(async (connections: string[], opts: { json?: boolean }) => {
      await switchyard.withTemporal(async (session) => {
        const { workflowId, result } = await switchyard.preflight(session, connections);
        if (opts.json) {
          console.log(JSON.stringify(result, null, 2));
          return;
        }
        for (const c of result.connections) {
          console.log(`${c.name}: ok  ${c.product} ${c.serverVersion}  ${c.address}  read=${c.canRead} write=${c.canWrite}  ${c.latencyMs}ms`);
        }
        console.log(`history: ${workflowUiUrl(session.config, workflowId)}`);
      });
    });
}
