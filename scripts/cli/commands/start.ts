import { Command } from 'commander';
import * as switchyard from '../../../lib/client';
import { workflowUiUrl } from '../../../lib/config';
import { loadSpecFile } from '../../../lib/spec/file';
import { UsageError } from '../errors';
import { defaultActor } from '../actor';

export function register(program: Command): void {
  program
    .command('start')
    .description('start a migration from a spec file (workflow id = spec id)')
    .argument('<spec>', 'path of the spec JSON file')
    .option('--auto-approve', 'approve every phase the spec gates on a human (never after a rollback)')
    .option('--by <name>', 'who starts it (default: $SWITCHYARD_ACTOR or the OS user)')
    .action(async (path: string, opts: { autoApprove?: boolean; by?: string }) => {
      const parsed = await loadSpecFile(path);
      if (!parsed.ok) throw new UsageError(`${path} is not a valid spec:\n  ${parsed.problems.join('\n  ')}`);
      const { spec } = parsed;
      await switchyard.withTemporal(async (session) => {
        await switchyard.start(session, spec, { autoApprove: !!opts.autoApprove, actor: opts.by ?? defaultActor() });
        console.log(`started migration ${spec.id}`);
        console.log(`workflow id: ${spec.id}`);
        console.log(`Temporal UI: ${workflowUiUrl(session.config, spec.id)}`);
      });
    });
}
