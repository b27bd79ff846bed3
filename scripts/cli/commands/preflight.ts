import { Command } from 'commander';
import { workflowUiUrl } from '../../../lib/config';
import { temporalClient } from '../temporal';
import { UsageError } from '../errors';

export function register(program: Command): void {
  program
    .command('preflight')
    .description('check named connections (reachable, version, read/write) through the worker')
    .argument('<connections...>', 'connection names, resolved by the worker from SWITCHYARD_CONN_<NAME>')
    .option('--json', 'print the report as JSON')
    .action(async (connections: string[], opts: { json?: boolean }) => {
      const { client, config, close } = await temporalClient();
      try {
        const workflowId = `preflight-${Date.now()}`;
        const handle = await client.workflow.start('preflightWorkflow', {
          taskQueue: config.taskQueue,
          workflowId,
          args: [{ connections }],
        });
        let result: { connections: Array<Record<string, unknown>> };
        try {
          result = await handle.result();
        } catch (err) {
          const cause = (err as { cause?: { cause?: Error; message?: string } }).cause;
          throw new UsageError(cause?.cause?.message ?? cause?.message ?? String(err));
        }
        if (opts.json) {
          console.log(JSON.stringify(result, null, 2));
          return;
        }
        for (const c of result.connections) {
          console.log(`${c.name}: ok  ${c.product} ${c.serverVersion}  ${c.address}  read=${c.canRead} write=${c.canWrite}  ${c.latencyMs}ms`);
        }
        console.log(`history: ${workflowUiUrl(config, workflowId)}`);
      } finally {
        await close();
      }
    });
}
