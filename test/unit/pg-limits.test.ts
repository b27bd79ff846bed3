import { limitViolation, typeLimit, TypeLimit } from '../../lib/connectors/pg/limits';

/** atttypmod values as PostgreSQL 15 reports them for these declarations. */
const limit = (type: string, typmod: number) => typeLimit(type, typmod) as TypeLimit;
const numeric10_2 = limit('numeric', 655366);
const numeric3_neg2 = limit('numeric', 198658);
const numeric2_5 = limit('numeric', 131081);
const varchar5 = limit('varchar', 9);
const char2 = limit('bpchar', 6);
const timestamptz3 = limit('timestamptz', 3);

describe('type modifier limits from atttypmod', () => {
  test('numeric precision and scale (negative scale included), lengths and fractional-second precision', () => {
    expect(numeric10_2).toEqual({ kind: 'numeric', decl: 'numeric(10,2)', precision: 10, scale: 2 });
    expect(numeric3_neg2).toMatchObject({ decl: 'numeric(3,-2)', precision: 3, scale: -2 });
    expect(numeric2_5).toMatchObject({ precision: 2, scale: 5 });
    expect(varchar5).toEqual({ kind: 'length', decl: 'varchar(5)', max: 5 });
    expect(char2).toEqual({ kind: 'length', decl: 'char(2)', max: 2 });
    expect(timestamptz3).toEqual({ kind: 'fraction', decl: 'timestamptz(3)', digits: 3 });
  });

  test('no modifier, six fractional digits and types without limits give no limit', () => {
    expect(typeLimit('numeric', -1)).toBeUndefined();
    expect(typeLimit('varchar', -1)).toBeUndefined();
    expect(typeLimit('timestamptz', 6)).toBeUndefined();
    expect(typeLimit('int4', -1)).toBeUndefined();
  });
});

describe('limitViolation', () => {
  test('numeric(10,2): more decimal places than the scale are refused, trailing zeros are not decimals', () => {
    expect(limitViolation(numeric10_2, '1.005')).toBe('1.005 has 3 decimal places; numeric(10,2) keeps 2');
    expect(limitViolation(numeric10_2, '1.5E-3')).toBe('1.5E-3 has 4 decimal places; numeric(10,2) keeps 2');
    expect(limitViolation(numeric10_2, '1.50000')).toBeUndefined();
    expect(limitViolation(numeric10_2, '-0.01')).toBeUndefined();
  });

  test('numeric(10,2): more integer digits than precision minus scale overflow; leading zeros and exponents count exactly', () => {
    expect(limitViolation(numeric10_2, '123456789.5')).toBe('123456789.5 has 9 integer digits; numeric(10,2) holds 8');
    expect(limitViolation(numeric10_2, '1E+8')).toBe('1E+8 has 9 integer digits; numeric(10,2) holds 8');
    expect(limitViolation(numeric10_2, '-99999999.99')).toBeUndefined();
    expect(limitViolation(numeric10_2, '00000000012345678')).toBeUndefined();
    expect(limitViolation(numeric10_2, '1.2345678E+7')).toBeUndefined();
  });

  test('numeric: NaN, zero and -0 fit; infinity fits no constrained numeric', () => {
    expect(['NaN', '0', '-0', '0.000000'].map((t) => limitViolation(numeric10_2, t))).toEqual([undefined, undefined, undefined, undefined]);
    expect(limitViolation(numeric10_2, '-Infinity')).toBe('-Infinity does not fit numeric(10,2); only unconstrained numeric holds infinity');
  });

  test('numeric with a negative scale keeps multiples of a power of ten; scale above precision keeps small values', () => {
    expect(limitViolation(numeric3_neg2, '12300')).toBeUndefined();
    expect(limitViolation(numeric3_neg2, '12345')).toBe('12345 is not a multiple of 1e2; numeric(3,-2) keeps multiples of 1e2');
    expect(limitViolation(numeric3_neg2, '123400')).toBe('123400 has 6 integer digits; numeric(3,-2) holds 5');
    expect(limitViolation(numeric2_5, '0.00099')).toBeUndefined();
    expect(limitViolation(numeric2_5, '0.001')).toBe('0.001 is too large; numeric(2,5) holds only absolute values below 1e-3');
  });

  test('a long numeric is shown by its first 40 characters', () => {
    expect(limitViolation(numeric10_2, `0.${'1'.repeat(60)}`)).toBe(`0.${'1'.repeat(38)}… has 60 decimal places; numeric(10,2) keeps 2`);
  });

  test('varchar(n)/char(n) count code points like PostgreSQL, and refuse excess spaces PostgreSQL would cut', () => {
    expect(limitViolation(varchar5, '😀😀😀😀😀')).toBeUndefined();
    expect(limitViolation(varchar5, 'abcdef')).toBe('6 characters; varchar(5) holds at most 5');
    expect(limitViolation(varchar5, 'abcde ')).toBe('6 characters; varchar(5) holds at most 5');
    expect(limitViolation(char2, 'é😀')).toBeUndefined();
    expect(limitViolation(char2, 'abc')).toBe('3 characters; char(2) holds at most 2');
  });

  test('fractional seconds beyond the precision are refused only when they are not zero', () => {
    expect(limitViolation(timestamptz3, '2024-05-01T10:00:00.123000Z')).toBeUndefined();
    expect(limitViolation(timestamptz3, '2024-05-01T10:00:00.000000Z')).toBeUndefined();
    expect(limitViolation(timestamptz3, '2024-05-01T10:00:00.123400Z')).toBe(
      '2024-05-01T10:00:00.123400Z has 4 fractional second digits; timestamptz(3) keeps 3',
    );
    expect(limitViolation(limit('time', 0), '10:00:00.5')).toBe('10:00:00.5 has 1 fractional second digits; time(0) keeps 0');
  });
});
