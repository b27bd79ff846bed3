import { Command } from 'commander';
import { controlRolesSql } from '../../../lib/control/roles';
import { UsageError } from '../errors';

export function register(program: Command): void {
  program
    .command('control-roles')
    .description(
      'print the SQL that gives the control store two roles: the worker role owns schema switchyard, the router (application) role only reads routing and appends; ' +
        'pipe it to psql as an administrator of the control database (docs/router.md, "Control store roles")',
    )
    .requiredOption('--worker <role>', 'existing role the worker connects as (owns the schema)')
    .requiredOption('--router <role>', 'existing role the applications’ routers connect as')
    .action((opts: { worker: string; router: string }) => {
      try {
        process.stdout.write(controlRolesSql(opts));
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    });
}
