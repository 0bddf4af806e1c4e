import { describe, expect, it } from 'vitest';
import { mean, sampleStandardDeviation } from 'simple-statistics';
import {
  countToResolve,
  evidenceOf,
  pooledStat,
  seedSpread,
  studentT975,
  weightedStat,
  type WeightedStat,
} from '../../src/core/evidence.ts';

const stat = (mean: number | null, count: number, lo: number | null, hi: number | null): WeightedStat => ({
  mean,
  count,
  sd: lo === null ? null : 1,
  ci95Low: lo,
  ci95High: hi,
});

describe('the evidence rule', () => {
  it('positive only when the lower bound is above 0, negative only when the upper bound is below 0', () => {
    expect(evidenceOf(stat(2, 40, 0.5, 3.5))).toBe('positive');
    expect(evidenceOf(stat(-2, 40, -3.5, -0.5))).toBe('negative');
    expect(evidenceOf(stat(1, 40, -0.5, 2.5))).toBe('spans-zero');
    expect(evidenceOf(stat(1, 40, 0, 2))).toBe('spans-zero');
  });

  it('fewer fills than the minimum, or none, decide nothing', () => {
    expect(evidenceOf(stat(5, 29, 4, 6))).toBe('too-few');
    expect(evidenceOf(stat(5, 29, 4, 6), 10)).toBe('positive');
    expect(evidenceOf(stat(null, 0, null, null))).toBe('none');
  });

  it('estimates the fills that would settle an interval spanning 0', () => {
    // half-width 2 around a mean of 1: the interval must shrink by 2, so 4 × the fills
    expect(countToResolve(stat(1, 50, -1, 3))).toBe(200);
    expect(countToResolve(stat(0, 50, -1, 1))).toBeNull();
  });
});

describe('pooled stats over runs', () => {
  it('equal the stat of all fills together when fills have equal sizes', () => {
    const a = [1, 2, 3, 4, -1, 0.5];
    const b = [3, -2, 5, 1];
    const pooled = pooledStat([
      weightedStat(
        a,
        a.map(() => 1),
      ),
      weightedStat(
        b,
        b.map(() => 1),
      ),
    ]);
    const all = weightedStat(
      [...a, ...b],
      [...a, ...b].map(() => 1),
    );
    expect(pooled.count).toBe(10);
    for (const key of ['mean', 'sd', 'ci95Low', 'ci95High'] as const) expect(pooled[key]).toBeCloseTo(all[key]!, 9);
  });

  it('skip runs without figures; one run is itself', () => {
    const one = weightedStat([1, 2, 3], [1, 1, 1]);
    expect(pooledStat([one, { mean: null, count: 0, sd: null, ci95Low: null, ci95High: null }])).toBe(one);
    expect(pooledStat([]).mean).toBeNull();
  });
});

describe('spread across seeds', () => {
  it('mean, sample sd and the Student-t interval', () => {
    const values = [1.2, 0.7, 2.1, 1.5];
    const s = seedSpread([...values, null]);
    expect(s.n).toBe(4);
    expect(s.mean).toBeCloseTo(mean(values), 12);
    expect(s.sd).toBeCloseTo(sampleStandardDeviation(values), 12);
    expect(s.ci95High! - s.mean!).toBeCloseTo((3.1824 * s.sd!) / 2, 9);
    expect(seedSpread([3])).toMatchObject({ n: 1, mean: 3, sd: null, ci95Low: null });
  });

  it('t quantiles: the table, then an expansion that joins it and tends to the normal quantile', () => {
    expect(studentT975(1)).toBeCloseTo(12.7062, 4);
    expect(studentT975(10)).toBeCloseTo(2.2281, 4);
    expect(Math.abs(studentT975(31) - 2.0395)).toBeLessThan(2e-4);
    expect(Math.abs(studentT975(60) - 2.0003)).toBeLessThan(2e-4);
    expect(studentT975(1e6)).toBeCloseTo(1.959964, 5);
  });
});
