import { FidelityError } from '../../mapping/errors';
import { Numeric, plainDecimal } from '../../mapping/values';

/** DynamoDB's number type: at most 38 significant digits, magnitude between 1E-130 and below 1E+126. */
const MAX_DIGITS = 38;
const MAX_EXPONENT = 125;
const MIN_EXPONENT = -130;

/**
 * A decimal text as DynamoDB stores and returns it: plain notation, no leading zeros, no trailing
 * zeros after the point (1.10 → 1.1, 007 → 7). Throws FidelityError for what N cannot hold
 * exactly: more than 38 significant digits or a magnitude out of range are never rounded.
 */
export function toDynamoNumber(field: string, text: string): string {
  const plain = plainDecimal(text.trim());
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(plain);
  if (!m || (!m[2] && !m[3])) throw new FidelityError(field, `${JSON.stringify(text)} is not a finite decimal; a DynamoDB number cannot hold it`);
  const sign = m[1];
  const int = m[2].replace(/^0+/, '');
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (!int && !frac) return '0';
  const digits = (int + frac).replace(/^0+/, '').replace(/0+$/, '');
  // Exponent of the leading significant digit, as DynamoDB counts magnitude.
  const exponent = int ? int.length - 1 : -(frac.length - frac.replace(/^0+/, '').length) - 1;
  if (digits.length > MAX_DIGITS)
    throw new FidelityError(field, `${digits.length} significant digits; a DynamoDB number holds at most ${MAX_DIGITS} and is never rounded`);
  if (exponent > MAX_EXPONENT || exponent < MIN_EXPONENT)
    throw new FidelityError(field, `magnitude 1E${exponent} is outside DynamoDB's number range (1E-130 to below 1E+126)`);
  return `${sign}${int || '0'}${frac ? `.${frac}` : ''}`;
}

/** A JS double as an N text; NaN, ±Infinity and -0 have no DynamoDB form. */
export function doubleToDynamo(field: string, n: number): string {
  if (!Number.isFinite(n)) throw new FidelityError(field, `${n} has no DynamoDB number form`);
  if (Object.is(n, -0)) throw new FidelityError(field, 'the double -0 has no DynamoDB number form (DynamoDB stores 0)');
  return toDynamoNumber(field, String(n));
}

const MAX_INT64 = (1n << 63n) - 1n;

/**
 * An N text back into the narrowest value that holds it exactly (DynamoDB has one number type):
 * a safe integer or a double whose shortest form is this text → number; a larger integer within
 * int64 → bigint; anything else → Numeric (an exact decimal).
 */
export function fromDynamoNumber(text: string): number | bigint | Numeric {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
    const big = BigInt(text);
    return big <= MAX_INT64 && big >= -MAX_INT64 - 1n ? big : new Numeric(text);
  }
  const n = Number(text);
  return Number.isFinite(n) && plainDecimal(String(n)) === text ? n : new Numeric(text);
}
