import type { Key, KeyPart, KeyRange } from './types';

/**
 * Orders keys in memory the way the sources order them (PostgreSQL with C collation, MongoDB's
 * _id): numbers by value, whatever their form; strings by their UTF-8 bytes; ObjectIds by hex.
 * For engines that cannot read a key range in order (DynamoDB hashes its partition keys,
 * Cassandra orders by token): they filter and sort a scan with it.
 */
export function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = comparePart(a[i], b[i]);
    if (c) return c;
  }
  return a.length - b.length;
}

function comparePart(a: KeyPart, b: KeyPart): number {
  const x = sortable(a);
  const y = sortable(b);
  if (x.rank !== y.rank) return x.rank - y.rank;
  if (x.rank === 0) return compareNumbers(x.value as number | bigint, y.value as number | bigint);
  if (x.rank === 1) return Number(x.value) - Number(y.value);
  return Buffer.compare(Buffer.from(x.value as string), Buffer.from(y.value as string));
}

function sortable(p: KeyPart): { rank: number; value: number | bigint | boolean | string } {
  if (typeof p === 'number') return { rank: 0, value: p };
  if (typeof p === 'object' && '$numberLong' in p) return { rank: 0, value: BigInt(p.$numberLong) };
  if (typeof p === 'boolean') return { rank: 1, value: p };
  if (typeof p === 'object' && '$oid' in p) return { rank: 3, value: p.$oid.toLowerCase() };
  return { rank: 2, value: p };
}

function compareNumbers(a: number | bigint, b: number | bigint): number {
  const integral = (n: number | bigint) => typeof n === 'bigint' || Number.isInteger(n);
  if (!integral(a) || !integral(b)) return Number(a) - Number(b);
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** The key lies in [from, to) and strictly after `after`. */
export function keyInRange(key: Key, range: KeyRange & { after?: Key }): boolean {
  if (range.from && compareKeys(key, range.from) < 0) return false;
  if (range.to && compareKeys(key, range.to) >= 0) return false;
  if (range.after && compareKeys(key, range.after) <= 0) return false;
  return true;
}
