import { appendFileSync } from 'node:fs';

/** The routing state a request started under, as the router saw it. */
export interface SeenRouting {
  version: number;
  writes: string;
  reads: string;
  readPercent: number;
}

/** One line of an instance's log (JSON lines): a request's start, its outcome, or the instance's own kill. */
export type LogLine =
  | { ev: 'inv'; id: string; w: number; op: 'put' | 'del' | 'get'; key: number; val?: string; ver?: number; t: number; routing: SeenRouting }
  | { ev: 'ok'; id: string; t: number; read?: { val: string; ver: number } | null }
  | { ev: 'fail'; id: string; t: number; err: string }
  | { ev: 'killed'; w: number; t: number };

/**
 * Appends synchronously: a SIGKILL right after a request started must still find its start in
 * the file, or the oracle would not know a write may have landed.
 */
export function opLog(path: string) {
  return (line: LogLine) => appendFileSync(path, `${JSON.stringify(line)}\n`);
}
