import { existsSync, readFileSync } from 'node:fs';

/**
 * The oracle's own reading of the instances' logs. It shares only the JSON-lines format with the
 * workload (written by test/torture/op-log.ts) and nothing with lib/.
 */
export interface Op {
  id: string;
  writer: number;
  op: 'put' | 'del' | 'get';
  key: number;
  val?: string;
  ver?: number;
  /** Start and end (ms); end is Infinity for a request without an outcome or a failed one: it may still land. */
  t0: number;
  t1: number;
  acked: boolean;
  read?: { val: string; ver: number } | null;
  routing: { version: number; writes: string; reads: string; readPercent: number };
}

export function readHistory(paths: string[]): Op[] {
  const ops = new Map<string, Op>();
  for (const path of paths) {
    if (!existsSync(path)) continue;
    for (const text of readFileSync(path, 'utf8').split('\n')) {
      if (!text) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text);
      } catch {
        continue; // a line cut by SIGKILL: its request never reported an outcome
      }
      if (line.ev === 'inv') {
        ops.set(line.id as string, {
          id: line.id as string,
          writer: line.w as number,
          op: line.op as Op['op'],
          key: line.key as number,
          val: line.val as string | undefined,
          ver: line.ver as number | undefined,
          t0: line.t as number,
          t1: Infinity,
          acked: false,
          routing: line.routing as Op['routing'],
        });
      } else if (line.ev === 'ok') {
        const op = ops.get(line.id as string);
        if (op) Object.assign(op, { t1: line.t as number, acked: true, read: line.read as Op['read'] });
      }
    }
  }
  return [...ops.values()];
}
