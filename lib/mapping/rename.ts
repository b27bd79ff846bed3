import type { Value } from './values';

export type Row = { [field: string]: Value };

/**
 * A spec "fields" map (source → target, null drops) in both directions. Unlisted fields keep
 * their name. Going back, a dropped field cannot be restored and is simply absent.
 */
export function renamer(fields: Record<string, string | null>) {
  const forwardMap = new Map(Object.entries(fields));
  const backwardMap = new Map<string, string>();
  for (const [from, to] of forwardMap) if (to !== null) backwardMap.set(to, from);
  return {
    forwardName: (name: string): string | null => (forwardMap.has(name) ? forwardMap.get(name)! : name),
    backwardName: (name: string): string | null => backwardMap.get(name) ?? (forwardMap.has(name) ? null : name),
    forward: (row: Row): Row => renameWith(row, (n) => (forwardMap.has(n) ? forwardMap.get(n)! : n)),
    backward: (row: Row): Row => renameWith(row, (n) => backwardMap.get(n) ?? (forwardMap.has(n) ? null : n)),
  };
}

function renameWith(row: Row, name: (field: string) => string | null): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    const to = name(k);
    if (to !== null && v !== undefined) out[to] = v;
  }
  return out;
}
