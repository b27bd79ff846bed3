import { Binary, Decimal128, Double, ObjectId } from 'mongodb';

/**
 * The neutral value model: what a PostgreSQL row or a MongoDB document decodes to, what the
 * mapping works on, and what connectors encode from. It is exact for every supported type, so a
 * value decoded on one side and encoded on the other round-trips.
 */
export type Value = null | boolean | number | string | bigint | Date | Numeric | Binary | ObjectId | Double | Decimal128 | Value[] | { [field: string]: Value };

/**
 * An exact decimal (PostgreSQL numeric), kept as text: numeric may have more digits than
 * Decimal128's 34, and nothing here may round.
 */
export class Numeric {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  /** Quarantine documents and logs show it the way MongoDB extended JSON shows a decimal. */
  toJSON(): { $numberDecimal: string } {
    return { $numberDecimal: this.text };
  }
}

/** A PostgreSQL timestamp with its sub-millisecond digits (0–999 µs), which a JS Date cannot hold. */
export class PreciseDate extends Date {
  constructor(
    ms: number,
    readonly micros: number,
  ) {
    super(ms);
  }
}

export function microsOf(date: Date): number {
  return date instanceof PreciseDate ? date.micros : 0;
}

/** ISO 8601 in UTC with six fractional digits: 2024-05-01T10:00:00.123456Z. */
export function isoMicros(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, -1)}${String(microsOf(date)).padStart(3, '0')}Z`;
}

/** "1.5E+3" → "1500"; plain text stays as it is, so equal decimals compare equal as text. */
export function plainDecimal(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?[eE]([+-]?\d+)$/.exec(text);
  if (!m) return text;
  const [, sign, int, frac = '', expText] = m;
  const digits = int + frac;
  const point = int.length + Number(expText);
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.replace(/^0+(?=\d)/, '');
  return `${sign === '-' ? '-' : ''}${out}`;
}

/** Plain decimal text as a column of that scale prints it: "1.5" at scale 2 → "1.50", "-0" → "0.00". */
export function decimalAtScale(text: string, scale: number): string {
  const negative = text.startsWith('-');
  const [int, frac = ''] = text.replace(/^[-+]/, '').split('.');
  const digits = `${int.replace(/^0+(?=\d)/, '') || '0'}${scale ? `.${frac.padEnd(scale, '0')}` : ''}`;
  return negative && /[1-9]/.test(digits) ? `-${digits}` : digits;
}

/** A plain {…} object from any realm (test sandboxes and structuredClone have their own Object). */
export function isPlainObject(v: unknown): v is { [field: string]: Value } {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}
