import { describe, expect, it } from 'vitest';
import { csvField, numberText } from '../../src/core/csv.ts';
import { na } from '../../src/report/run-tables.ts';
import { Rng } from '../../src/core/rng.ts';

describe('numberText', () => {
  it('is the text String gives, on the edges of its faster path and on µs timestamps', () => {
    const values = [0, -0, 1, -1, 999_999_999, -999_999_999, 1e9, -1e9, 1e9 + 1, 100_000_000_000, 1_720_000_000_123_456];
    values.push(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1e21, 1.5e15 + 0.5, 0.1 + 0.2, 1.5e-7, NaN, Infinity);
    for (const v of values) expect(numberText(v)).toBe(String(v));
  });

  it('is the text String gives for integers of every length', () => {
    const rng = new Rng('number-text');
    for (let i = 0; i < 20_000; i++) {
      const v = Math.floor((rng.uniform() - 0.5) * 2 * 10 ** (i % 17));
      expect(numberText(v)).toBe(String(v));
    }
  });
});

describe('csvField', () => {
  it('quotes text holding a comma, a quote, a carriage return or a line feed, doubling its quotes', () => {
    expect(['plain', '', 'a,b', 'say "hi"', 'cr\r', 'two\nlines', '≤0.005'].map(csvField)).toEqual([
      'plain',
      '',
      '"a,b"',
      '"say ""hi"""',
      '"cr\r"',
      '"two\nlines"',
      '≤0.005',
    ]);
  });
});

describe('na', () => {
  it('rounds to digits as the number that rounding gives prints (no trailing zeros, −0 as 0), NA when the figure does not exist', () => {
    expect(na(NaN, 2)).toBe('NA');
    expect(na(-Infinity)).toBe('NA');
    expect(na(12.5)).toBe(12.5);
    const rng = new Rng('na');
    const values = [0, -0, -0.00001, 59998.95, 0.1 + 0.2, 1e-7, 123_456_789_012.345, 1e20, 1e21, 2.675];
    for (let i = 0; i < 5_000; i++) values.push((rng.uniform() - 0.5) * 2 * 10 ** ((i % 24) - 10));
    for (const v of values) for (let digits = 0; digits <= 8; digits++) expect(na(v, digits)).toBe(String(Number(v.toFixed(digits))));
  });
});
