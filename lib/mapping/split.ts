import { FidelityError } from './errors';
import type { Value } from './values';

/**
 * "Jean Paul Sartre" into 2 parts → ["Jean", "Paul Sartre"]: the last part keeps the rest, so
 * joining the parts again gives back the original text exactly. Fewer pieces leave later parts null.
 */
export function splitText(field: string, value: Value, parts: number, separator: string): Value[] {
  if (value === null || value === undefined) return new Array<Value>(parts).fill(null);
  if (typeof value !== 'string') throw new FidelityError(field, 'split needs a string');
  const pieces = value.split(separator);
  const head = pieces.slice(0, parts - 1);
  const rest = pieces.length >= parts ? [pieces.slice(parts - 1).join(separator)] : [];
  const out: Value[] = [...head, ...rest];
  while (out.length < parts) out.push(null);
  return out;
}

/** The inverse of splitText: null parts end the text; all null gives null. */
export function joinText(field: string, values: Value[], separator: string): Value {
  const present: string[] = [];
  for (const v of values) {
    if (v === null || v === undefined) break;
    if (typeof v !== 'string') throw new FidelityError(field, 'concat needs strings');
    present.push(v);
  }
  return present.length ? present.join(separator) : null;
}
