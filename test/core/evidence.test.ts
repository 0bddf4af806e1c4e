import { describe, expect, it } from 'vitest';
import { mean, probit, sampleStandardDeviation, weightedMean, weightedVariance } from 'simple-statistics';
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

describe('weightedStat over typed arrays', () => {
  /** weightedStat as it was before it gathered into typed arrays: arrays grown by push. */
  function weightedStatByPush(values: readonly number[], weights: readonly number[]): WeightedStat {
    const x: number[] = [];
    const w: number[] = [];
    values.forEach((v, i) => {
      if (Number.isFinite(v)) {
        x.push(v);
        w.push(weights[i]);
      }
    });
    if (x.length === 0) return { mean: null, count: 0, sd: null, ci95Low: null, ci95High: null };
    const m = weightedMean(x, w);
    if (x.length < 2) return { mean: m, count: x.length, sd: null, ci95Low: null, ci95High: null };
    const sd = Math.sqrt(weightedVariance(x, w));
    const sumW = w.reduce((a, b) => a + b, 0);
    const sumW2 = w.reduce((a, b) => a + b * b, 0);
    const half = (probit(0.975) * sd) / Math.sqrt((sumW * sumW) / sumW2);
    return { mean: m, count: x.length, sd, ci95Low: m - half, ci95High: m + half };
  }

  it('gives exactly the figures it gave from plain arrays, NaN and infinities left out', () => {
    let seed = 7;
    const next = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 2 - 1;
    const values = Array.from({ length: 5000 }, (_, i) =>
      i % 97 === 0 ? NaN : i % 211 === 0 ? Infinity : i % 50 === 0 ? -0 : next() * 40,
    );
    const weights = Array.from({ length: 5000 }, (_, i) => 1 + (i % 7));
    expect(weightedStat(values, weights)).toEqual(weightedStatByPush(values, weights));
    expect(weightedStat(Float64Array.from(values), Float64Array.from(weights))).toEqual(weightedStatByPush(values, weights));
    for (const n of [0, 1, 2, 3])
      expect(weightedStat(values.slice(1, 1 + n), weights)).toEqual(weightedStatByPush(values.slice(1, 1 + n), weights));
    expect(weightedStat([NaN, NaN], [1, 1])).toEqual(weightedStatByPush([NaN, NaN], [1, 1]));
  });
});
