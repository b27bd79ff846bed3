import type { Key, KeyRange } from './types';

/** Sorted (sampled) keys → n contiguous ranges with about the same number of keys each. */
export function boundariesToRanges(sortedKeys: Key[], n: number): KeyRange[] {
  const cuts: Key[] = [];
  for (let i = 1; i < n; i++) {
    const at = Math.floor((i * sortedKeys.length) / n);
    const k = sortedKeys[at];
    if (at > 0 && (!cuts.length || JSON.stringify(cuts[cuts.length - 1]) !== JSON.stringify(k))) cuts.push(k);
  }
  const ranges: KeyRange[] = [];
  for (let i = 0; i <= cuts.length; i++) ranges.push({ ...(i > 0 ? { from: cuts[i - 1] } : {}), ...(i < cuts.length ? { to: cuts[i] } : {}) });
  return ranges;
}
