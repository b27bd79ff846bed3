import { Command } from 'commander';
import { loadSpecFile } from '../../../lib/spec';
import { UsageError } from '../errors';

export function register(program: Command): void {
  program
    .command('validate')
    .description('check a migration spec file: exit 0 when valid, otherwise exit 2 with one problem per line')
    .argument('<spec>', 'path to the spec JSON file')
    .action(async (path: string) => {
      const result = await loadSpecFile(path);
      if (!result.ok) throw new UsageError(`${path} is not a valid spec:\n${result.problems.join('\n')}`);
      const { spec } = result;
      console.log(
        `${path}: valid (migration ${spec.id}, ${spec.entities.length} ${spec.entities.length === 1 ? 'entity' : 'entities'}: ${spec.entities.map((e) => e.name).join(', ')})`,
      );
    });
}
