/**
 * The limits a column's type modifier puts on a value: numeric(p,s), varchar(n)/char(n),
 * timestamp(p)/timestamptz(p)/time(p)/timetz(p). Given a value beyond them, PostgreSQL either
 * coerces it (rounds numeric and fractional seconds, cuts a string whose excess is spaces) or
 * fails the whole statement, taking the batch down with it. So each value is checked exactly
 * here, before the write, and a misfit is quarantined on its own.
 */
export type TypeLimit =
  | { kind: 'numeric'; decl: string; precision: number; scale: number }
  | { kind: 'length'; decl: string; max: number }
  | { kind: 'fraction'; decl: string; digits: number };

/** Header size PostgreSQL adds to length and numeric modifiers (VARHDRSZ). */
const VARHDRSZ = 4;
const FRACTIONAL_SECONDS = new Set(['timestamptz', 'timestamp', 'time', 'timetz']);

/** The limit of base type `type` (pg_type.typname) under modifier `typmod` (atttypmod; -1: none). */
export function typeLimit(type: string, typmod: number): TypeLimit | undefined {
  if (typmod < 0) return undefined;
  if (type === 'numeric') {
    // PostgreSQL 15+ packs an 11-bit signed scale (numeric(3,-2) rounds to hundreds); older servers never set its sign bit.
    const packed = typmod - VARHDRSZ;
    const precision = (packed >> 16) & 0xffff;
    const scale = ((packed & 0x7ff) ^ 1024) - 1024;
    return { kind: 'numeric', decl: `numeric(${precision},${scale})`, precision, scale };
  }
  if (type === 'varchar' || type === 'bpchar') {
    const max = typmod - VARHDRSZ;
    return { kind: 'length', decl: `${type === 'varchar' ? 'varchar' : 'char'}(${max})`, max };
  }
  // Six digits is what these types keep anyway; only a lower precision rounds.
  if (FRACTIONAL_SECONDS.has(type) && typmod < 6) return { kind: 'fraction', decl: `${type}(${typmod})`, digits: typmod };
  return undefined;
}

/** Why `text` (the value in the type's input form) does not fit `limit`, or undefined when it does. */
export function limitViolation(limit: TypeLimit, text: string): string | undefined {
  switch (limit.kind) {
    case 'numeric':
      return numericViolation(limit, text);
    case 'length': {
      if (text.length <= limit.max) return undefined;
      // PostgreSQL counts characters (code points), not UTF-16 units: an emoji is one.
      const n = codePoints(text);
      return n > limit.max ? `${n} characters; ${limit.decl} holds at most ${limit.max}` : undefined;
    }
    case 'fraction': {
      const fraction = /\.(\d+)/.exec(text)?.[1].replace(/0+$/, '') ?? '';
      return fraction.length > limit.digits ? `${text} has ${fraction.length} fractional second digits; ${limit.decl} keeps ${limit.digits}` : undefined;
    }
  }
}

const DECIMAL_TEXT = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function numericViolation(limit: Extract<TypeLimit, { kind: 'numeric' }>, text: string): string | undefined {
  const { decl, precision, scale } = limit;
  if (text === 'NaN') return undefined;
  if (/^[+-]?Infinity$/.test(text)) return `${text} does not fit ${decl}; only unconstrained numeric holds infinity`;
  const m = DECIMAL_TEXT.exec(text);
  if (!m) return `${shown(text)} is not a decimal`;
  const [, int, frac = '', exp = '0'] = m;
  const digits = int + frac;
  const first = digits.search(/[1-9]/);
  if (first < 0) return undefined;
  const last = digits.search(/[1-9]0*$/);
  // Digit i stands for 10^(point - 1 - i).
  const point = int.length + Number(exp);
  const decimals = last + 1 - point;
  if (decimals > scale) {
    return scale >= 0
      ? `${shown(text)} has ${decimals} decimal places; ${decl} keeps ${scale}`
      : `${shown(text)} is not a multiple of 1e${-scale}; ${decl} keeps multiples of 1e${-scale}`;
  }
  const integerDigits = point - first;
  const room = precision - scale;
  if (integerDigits <= room) return undefined;
  return room > 0
    ? `${shown(text)} has ${integerDigits} integer digits; ${decl} holds ${room}`
    : `${shown(text)} is too large; ${decl} holds only absolute values below 1e${room}`;
}

/** A numeric can have thousands of digits; a reason shows the start of it. */
function shown(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next < 0xe000) i++;
    }
    n++;
  }
  return n;
}
