import { Double } from 'mongodb';
import type { CastType } from '../spec/schema';
import { FidelityError } from './errors';
import { isoMicros, Numeric, PreciseDate, Value } from './values';

/**
 * Casts between the spec's cast types. A cast must be exact in both directions, so any value
 * that would not survive the reverse cast unchanged is refused rather than approximated.
 */
export function castValue(field: string, value: Value, from: CastType, to: CastType): Value {
  if (value === null || from === to) return value;
  const text = asText(field, value, from);
  const out = parseText(field, text, to);
  if (asText(field, out, to) !== text) throw new FidelityError(field, `cast ${from} → ${to} of ${JSON.stringify(text)} is not exact`);
  return out;
}

function asText(field: string, value: Value, type: CastType): string {
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'number':
      if (typeof value === 'number') return String(value);
      if (value instanceof Double) return String(value.value);
      break;
    case 'bigint':
      if (typeof value === 'bigint') return value.toString();
      break;
    case 'decimal':
      if (value instanceof Numeric) return value.text;
      break;
    case 'boolean':
      if (typeof value === 'boolean') return String(value);
      break;
    case 'timestamp':
      if (value instanceof Date) return isoMicros(value);
      break;
  }
  throw new FidelityError(field, `expected a ${type} value to cast`);
}

function parseText(field: string, text: string, type: CastType): Value {
  const bad = () => new FidelityError(field, `${JSON.stringify(text)} is not a ${type}`);
  switch (type) {
    case 'string':
      return text;
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || (Number.isNaN(n) && text !== 'NaN')) throw bad();
      return n;
    }
    case 'bigint':
      if (!/^-?\d+$/.test(text)) throw bad();
      return BigInt(text);
    case 'decimal':
      if (!/^-?\d+(\.\d+)?$/.test(text)) throw bad();
      return new Numeric(text);
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw bad();
      return text === 'true';
    case 'timestamp': {
      const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
      if (!m) throw bad();
      const frac = (m[2] ?? '').padEnd(6, '0');
      return new PreciseDate(Date.parse(`${m[1]}.${frac.slice(0, 3)}${m[3]}`), Number(frac.slice(3)));
    }
  }
}
