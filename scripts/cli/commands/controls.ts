import { Command, InvalidArgumentError, Option } from 'commander';
import * as switchyard from '../../../lib/client';
import type { Session } from '../../../lib/client';
import { Phase, PHASES } from '../../../lib/spec/lifecycle';
import type { ApproveAction, ConsequenceArgs, ControlAction, MigrationStatus } from '../../../workflows/migration-api';
import { defaultActor } from '../actor';

/**
 * The steering commands. Each is one validated update: a command the workflow cannot apply now
 * (approving a phase that is not pending, resuming what is not paused) comes back rejected with
 * the reason, and the CLI exits 2.
 */
interface Control<A> {
  name: ControlAction;
  description: string;
  call: (session: Session, id: string, args: A) => Promise<MigrationStatus>;
  options: (cmd: Command) => Command;
  args: (opts: Options) => A;
}

/** Parsed options: strings, except --rows-per-second, which its parser turns into a number. */
type Options = Record<string, string | undefined> & { rowsPerSecond?: number };

const APPROVE_ACTIONS: ApproveAction[] = ['repair', 'retry', 'wait', 'flip', 'drop', 'keep'];

const phaseOption = (flags: string, what: string) => new Option(flags, what).choices(PHASES);

function wholeNumber(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number ≥ 0 (0 lifts the limit)');
  return n;
}

const byOption = (cmd: Command) => cmd.option('--by <name>', 'who does it (default: $SWITCHYARD_ACTOR or the OS user)');
const by = (o: Options) => o.by ?? defaultActor();

export function register(program: Command): void {
  addControl(program, {
    name: 'approve',
    description: 'approve the phase waiting for a human',
    call: switchyard.approve,
    options: (cmd) =>
      cmd
        .addOption(phaseOption('--phase <phase>', 'the phase you approve (rejected unless it is the pending one)'))
        .option('--by <name>', 'approver, recorded in the history (default: $SWITCHYARD_ACTOR or the OS user)')
        .option('--note <text>', 'why, recorded in the history')
        .addOption(new Option('--action <action>', 'the answer to a pending choice (status lists them)').choices(APPROVE_ACTIONS))
        .option('--confirm <text>', 'what the pending approval asks you to name: the quarantined count, or what a drop removes (status shows it)'),
    args: (o) => ({
      phase: o.phase as Phase | undefined,
      by: by(o),
      note: o.note,
      ...(o.action ? { action: o.action as ApproveAction } : {}),
      ...(o.confirm !== undefined ? { confirm: o.confirm } : {}),
    }),
  });
  addControl(program, {
    name: 'pause',
    description: 'hold timers and data copying at the next safe point',
    call: switchyard.pause,
    options: (cmd) => byOption(cmd).option('--reason <text>', 'why'),
    args: (o) => ({ by: by(o), reason: o.reason }),
  });
  addControl(program, {
    name: 'resume',
    description: 'resume a paused migration',
    call: switchyard.resume,
    options: (cmd) => byOption(cmd).option('--reason <text>', 'why'),
    args: (o) => ({ by: by(o), reason: o.reason }),
  });
  addControl(program, {
    name: 'throttle',
    description: 'limit backfill and verification to N rows per second per entity',
    call: switchyard.throttle,
    options: (cmd) => byOption(cmd).requiredOption('--rows-per-second <n>', 'rows per second, 0 for no limit', wholeNumber),
    args: (o) => ({ by: by(o), rowsPerSecond: o.rowsPerSecond! }),
  });
  addControl(program, {
    name: 'rollback',
    description: 'roll back to an earlier phase (default: the one before), running the compensations',
    call: switchyard.rollback,
    options: (cmd) =>
      byOption(cmd)
        .addOption(phaseOption('--to <phase>', 'the earlier phase to land in'))
        .requiredOption('--reason <text>', 'why, recorded in the history and the routing log'),
    args: (o) => ({ by: by(o), to: o.to as Phase | undefined, reason: o.reason! }),
  });
  addControl(program, {
    name: 'abort',
    description: 'roll everything back (writes and reads to the old database) and end the migration',
    call: switchyard.abort,
    options: (cmd) => byOption(cmd).requiredOption('--reason <text>', 'why, recorded in the history and the routing log'),
    args: (o) => ({ by: by(o), reason: o.reason! }),
  });
}

function addControl<A>(program: Command, control: Control<A>): void {
  control
    .options(program.command(control.name).description(control.description).argument('<id>', 'migration (workflow) id'))
    .option('--json', 'print the resulting status as JSON')
    .option('--dry-run', 'print what it would do now (the words the console confirms with) and change nothing')
    .action(async (id: string, opts: Options) => {
      await switchyard.withTemporal(async (session) => {
        if (opts.dryRun) return printConsequence(session, id, consequenceArgs(control.name, control.args(opts)));
        const status = await control.call(session, id, control.args(opts));
        if (opts.json) console.log(JSON.stringify(status, null, 2));
        else console.log(`${control.name}: ${id} is now ${status.phase ?? '-'} (${status.state})`);
      });
    });
}

/** The consequence query's arguments from an action's update arguments. */
function consequenceArgs(action: ControlAction, args: unknown): ConsequenceArgs {
  const a = args as { to?: ConsequenceArgs['to']; rowsPerSecond?: number; action?: ApproveAction };
  return { action, to: a.to, rowsPerSecond: a.rowsPerSecond, approveAction: a.action };
}

async function printConsequence(session: Session, id: string, args: ConsequenceArgs): Promise<void> {
  const { accepted, words } = await switchyard.consequence(session, id, args);
  if (!accepted) throw new switchyard.RequestRefused(`${args.action} would be refused: ${words}`);
  console.log(`${args.action} ${id}: ${words}`);
}
