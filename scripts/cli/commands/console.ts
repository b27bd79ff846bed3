import { Command, InvalidArgumentError } from 'commander';
import { startConsole } from '../../../console/server';
import { defaultActor } from '../actor';

function portNumber(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a TCP port (0-65535)');
  return n;
}

export function register(program: Command): void {
  program
    .command('console')
    .description('serve the operator console in the browser (docs/operations.md, "Console")')
    .option('--host <address>', 'address to bind; beyond loopback SWITCHYARD_CONSOLE_TOKEN is required', '127.0.0.1')
    .option('--port <n>', 'port to listen on', portNumber, 8300)
    .action(async (opts: { host: string; port: number }) => {
      const served = await startConsole({ host: opts.host, port: opts.port, tokens: process.env.SWITCHYARD_CONSOLE_TOKEN, localActor: defaultActor() });
      console.log(`switchyard console on ${served.url} (Ctrl-C stops it)`);
      await new Promise<void>((resolve) => ['SIGINT', 'SIGTERM'].forEach((sig) => process.once(sig, () => resolve())));
      await served.close();
    });
}
