import { describe, expect, it } from 'vitest';
import { BAD_NUMBER, EMPTY, NEGATIVE, NOT_WHOLE_STEPS, parseScaled, parseScaledString, parseSteps, parseStepsString, stepScale, TOO_PRECISE } from '../../src/data/decimal.ts';

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
});
