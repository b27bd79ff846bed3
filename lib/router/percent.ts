import { keyText } from '../connectors/keys';
import type { Key } from '../connectors/types';

/** Buckets per percent point: 0.01 % resolution for ramps like 0.5 %. */
const BUCKETS = 10_000;

/**
 * A key's fixed place in [0, 10000): FNV-1a over the key's JSON text, then a murmur3 finalizer
 * so that neighbouring keys (1, 2, 3 …) spread evenly. It depends on the key alone, never on the
 * percentage, which is what makes the ramp monotone.
 */
export function keyBucket(key: Key): number {
  const text = keyText(key);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % BUCKETS;
}

/** Whether a key reads from the new database at this percentage; a key on "new" stays there as the percentage grows. */
export function readsNew(key: Key, percent: number): boolean {
  return keyBucket(key) < percent * (BUCKETS / 100);
}
