import { Command, CommanderError } from 'commander';
import { RequestRefused } from '../../lib/client';
import { redactSecrets } from '../../lib/redact';
import { UsageError } from './errors';
import * as preflight from './commands/preflight';
import * as start from './commands/start';
import * as status from './commands/status';
import * as controls from './commands/controls';
import * as list from './commands/list';
import * as validate from './commands/validate';
import * as plan from './commands/plan';
import * as controlRoles from './commands/control-roles';
import * as consoleCommand from './commands/console';

const program = new Command('switchyard').description('zero-downtime database migrations as durable Temporal workflows').exitOverride().showHelpAfterError();

for (const command of [preflight, start, status, controls, list, validate, plan, controlRoles, consoleCommand]) command.register(program);

program.parseAsync(process.argv).then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    if (err instanceof UsageError || err instanceof RequestRefused) {
      console.error(`switchyard: ${redactSecrets(err.message)}`);
      process.exit(2);
    }
    // One line an operator can act on; the stack trace only when asked for.
    const detail = err instanceof Error ? (process.env.SWITCHYARD_DEBUG ? (err.stack ?? err.message) : err.message.replace(/\s*\n\s*/g, ' ')) : String(err);
    console.error(`switchyard: unexpected failure: ${redactSecrets(detail)}`);
    process.exit(1);
  },
);
