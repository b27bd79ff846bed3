import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/**
 * Takes the local-stack defaults from scripts/env.sh (the one place they live) into this
 * process's environment: the SWITCHYARD_*, TEMPORAL_* and PATH values. Skipped when a caller
 * (test.sh, the user) already sourced it, so what they exported wins.
 */
export function loadStackEnv(): void {
  if (process.env.SWITCHYARD_ROOT) return;
  const out = execFileSync('bash', ['-c', 'source scripts/env.sh && env -0'], { cwd: ROOT });
  for (const entry of out.toString().split('\0')) {
    const i = entry.indexOf('=');
    if (i > 0 && (entry.startsWith('SWITCHYARD_') || entry.startsWith('TEMPORAL_') || entry.startsWith('PATH='))) {
      process.env[entry.slice(0, i)] = entry.slice(i + 1);
    }
  }
}
