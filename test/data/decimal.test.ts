import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BAD_NUMBER,
  EMPTY,
  NEGATIVE,
  NOT_WHOLE_STEPS,
  parseScaled,
  parseScaledString,
  parseSteps,
  parseStepsString,
  parseUint,
  scanned,
  scanScaled,
  scanUint,
  stepScale,
  TOO_LARGE,
  TOO_PRECISE,
} from '../../src/data/decimal.ts';

const b = (s: string) => Buffer.from(s, 'latin1');
const scaled = (s: string, d: number) => parseScaled(b(s), 0, s.length, d);

describe('exact decimal parsing', () => {
  it('scales decimals to integers without float error', () => {
    expect(scaled('61837.63', 2)).toBe(6183763);
    expect(scaled('61837.63000000', 2)).toBe(6183763);
    expect(scaled('0.1', 8)).toBe(10_000_000);
    expect(scaled('3', 2)).toBe(300);
    expect(scaled('.5', 1)).toBe(5);
    expect(scaled('0.000001', 6)).toBe(1);
    expect(scaled('-0', 2)).toBe(0);
  });

  it('refuses digits beyond the step, junk, negatives and empty fields', () => {
    expect(scaled('61837.635', 2)).toBe(TOO_PRECISE);
    expect(scaled('12a', 2)).toBe(BAD_NUMBER);
    expect(scaled('1.2.3', 2)).toBe(BAD_NUMBER);
    expect(scaled('-1.5', 2)).toBe(NEGATIVE);
    expect(scaled('', 2)).toBe(EMPTY);
    expect(scaled('.', 2)).toBe(BAD_NUMBER);
  });

  it('accepts exponent forms only when exact', () => {
    expect(scaled('1e-8', 8)).toBe(1);
    expect(scaled('2.5E2', 0)).toBe(250);
    expect(scaled('1e-9', 8)).toBe(TOO_PRECISE);
  });

  it('converts to whole steps for steps that are not powers of ten', () => {
    const half = stepScale(0.5, 'tickSize');
    expect(half).toMatchObject({ decimals: 1, units: 5 });
    expect(parseSteps(b('6421.5'), 0, 6, half)).toBe(12843);
    expect(parseSteps(b('6421.3'), 0, 6, half)).toBe(NOT_WHOLE_STEPS);
    const ten = stepScale(10, 'lotSize');
    expect(parseStepsString('18640', ten)).toBe(1864);
    expect(parseStepsString('18645', ten)).toBe(NOT_WHOLE_STEPS);
    expect(parseScaledString('0.00100000', 5)).toBe(100);
  });

  it('reads many digits, leading zeros, a trailing dot and exponents to the same doubles as exact integer arithmetic', () => {
    expect(scaled('000061837.63', 2)).toBe(6183763);
    expect(scaled('61837.', 2)).toBe(6183700);
    expect(scaled('1.', 0)).toBe(1);
    expect(scaled('9007199254740991', 0)).toBe(9007199254740991);
    expect(scaled('9007199254740992', 0)).toBe(TOO_LARGE);
    expect(scaled('90071992547409.91', 2)).toBe(9007199254740991);
    expect(scaled('12345678901234567890', 0)).toBe(TOO_LARGE);
    expect(scaled('0.10000000000000000000000', 8)).toBe(10_000_000);
    expect(scaled('-0.000', 3)).toBe(0);
    expect(scaled('-', 2)).toBe(BAD_NUMBER);
    expect(scaled('+1', 2)).toBe(BAD_NUMBER);
    expect(scaled('1e2', 0)).toBe(100);
    expect(scaled('1.5e-2', 3)).toBe(15);
    expect(scaled('0.123e2', 2)).toBe(1230);
    expect(scaled('1e', 0)).toBe(BAD_NUMBER);
    expect(scaled('-1e2', 0)).toBe(NEGATIVE);
    // every plain decimal below 2^53 scaled units: the exact value, whatever its zeros
    const plain = fc.tuple(fc.stringMatching(/^[0-9]{0,12}$/), fc.stringMatching(/^[0-9]{0,10}$/), fc.boolean(), fc.integer({ min: 0, max: 8 }));
    fc.assert(
      fc.property(plain, ([whole, frac, dot, decimals]) => {
        const text = dot ? `${whole}.${frac}` : whole;
        const got = scaled(text, decimals);
        const digits = dot ? frac : '';
        let expected: number;
        if (whole.length + digits.length === 0) expected = text === '' ? EMPTY : BAD_NUMBER;
        else if (/[1-9]/.test(digits.slice(decimals))) expected = TOO_PRECISE;
        else {
          const exact = BigInt(`${whole || '0'}${digits.slice(0, decimals).padEnd(decimals, '0')}`);
          expected = exact > BigInt(Number.MAX_SAFE_INTEGER) ? TOO_LARGE : Number(exact);
        }
        expect(got).toBe(expected);
      }),
    );
  });

  it('scans a number up to the first byte that cannot continue it, for readers that split as they go', () => {
    const row = b('61837.63,0.5,1e-8,12a,,1723161255408000,17x');
    expect(scanScaled(row, 0, row.length, 2)).toBe(6183763);
    expect(row[scanned.end]).toBe(44);
    expect(scanScaled(row, 9, row.length, 1)).toBe(5);
    expect(scanned.end).toBe(12);
    // where a reader must fall back on the whole rule: the scan stops before an exponent, a letter, an empty field
    expect(scanScaled(row, 13, row.length, 8)).toBe(100_000_000);
    expect(row[scanned.end]).toBe(101);
    expect(scanScaled(row, 18, row.length, 0)).toBe(12);
    expect(scanned.end).toBe(20);
    expect(scanScaled(row, 22, row.length, 2)).toBe(BAD_NUMBER);
    expect(scanned.end).toBe(22);
    expect(scanScaled(b('1.239'), 0, 5, 2)).toBe(TOO_PRECISE);
    expect(scanUint(row, 23, row.length)).toBe(1723161255408000);
    expect(row[scanned.end]).toBe(44);
    expect(scanUint(row, 40, row.length)).toBe(17);
    expect(scanned.end).toBe(42);
    expect(parseUint(row, 40, row.length)).toBe(-1);
    expect(parseUint(row, 23, 39)).toBe(1723161255408000);
    expect(parseUint(row, 22, 22)).toBe(-1);
  });
});
