import { Decimal128, Double, Long } from 'mongodb';
import { microsOf, Numeric, Value } from './values';

/**
 * Orders two values of one entity's version field as the version guard does: numbers and int64
 * by value, dates by their instant to the microsecond, decimals and text as numbers or text.
 * Returns undefined when the two cannot be ordered (different kinds, or a null), so a caller
 * treats the pair as unknown rather than guessing.
 */
export function compareVersions(a: Value | undefined, b: Value | undefined): number | undefined {
  const x = orderable(a);
  const y = orderable(b);
  if (x === undefined || y === undefined) return undefined;
  if (x instanceof Date && y instanceof Date) return Math.sign(x.getTime() - y.getTime()) || Math.sign(microsOf(x) - microsOf(y));
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  if ((typeof x === 'number' || typeof x === 'bigint') && (typeof y === 'number' || typeof y === 'bigint')) return x < y ? -1 : x > y ? 1 : 0;
  return undefined;
}

function orderable(v: Value | undefined): number | bigint | string | Date | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') return v;
  if (v instanceof Long) return v.toBigInt();
  if (v instanceof Double) return v.value;
  if (v instanceof Numeric || v instanceof Decimal128) return Number(v.toString());
  return undefined;
}
