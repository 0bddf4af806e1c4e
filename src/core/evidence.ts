import { probit, weightedMean, weightedVariance } from 'simple-statistics';

/**
 * The statistics spreadlab decides on: a size-weighted mean with its 95 % interval, the same mean pooled over
 * several runs, the spread of a figure across seeds, and the evidence rule every decision uses (the verdict,
 * `tune`, sweeps and the adaptive strategy).
 *
 * Rules:
 * - weightedStat: mean of the finite values weighted by their weights; 95 % interval mean ± z·sd/√n_eff, with
 *   sd the weighted (population) standard deviation, n_eff = (Σw)² / Σw² and z = probit(0.975); fewer than 2
 *   values give no interval.
 * - pooledStat: the stats of several runs as one sample: counts add up; the mean and variance are the
 *   mixture's, each run weighted by its effective size (recovered from its interval, else its count); exact
 *   when every fill has the same size (the built-in loops' case).
 * - seedSpread: mean, sample sd and the 95 % Student-t interval of one figure over a configuration's seeds
 *   (seeds are independent replicates); fewer than 2 values give no sd or interval.
 * - evidenceOf, the evidence rule: no mean → "none"; fewer than `minCount` observations → "too-few";
 *   the lower 95 % bound above 0 → "positive" (consistently positive); the upper bound below 0 → "negative"
 *   (consistently negative); otherwise "spans-zero" (not enough evidence either way).
 * Known limits: the intervals are normal approximations (fills are treated as independent, which overlapping
 * markout horizons are not), so they are a guide, not a test.
 */
export interface WeightedStat {
  mean: number | null;
  count: number;
  sd: number | null;
  ci95Low: number | null;
  ci95High: number | null;
}

/** The fewest fills a decision is taken on (verdict, tune, sweeps, the adaptive strategy), unless told otherwise. */
export const DEFAULT_MIN_FILLS = 30;

/**
 * The z of weightedStat's intervals, as its figures have always been computed (simple-statistics' probit gives
 * 1.9572 here, 0.14 % under the exact 1.95996; kept so summaries stay byte-identical).
 */
const Z95 = probit(0.975);
/** The exact normal quantile at 0.975, for the Student-t expansion. */
const NORMAL_975 = 1.959963984540054;

/**
 * Size-weighted mean of the finite values, with its 95 % interval as stated in the header. The finite values
 * and their weights are gathered into typed arrays sized by a first count: a day's fills (tens of thousands)
 * pushed into growing arrays cost far more than the statistics themselves.
 */
export function weightedStat(values: ArrayLike<number>, weights: ArrayLike<number>): WeightedStat {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) count++;
  if (count === 0) return { mean: null, count: 0, sd: null, ci95Low: null, ci95High: null };
  const x = new Float64Array(count);
  const w = new Float64Array(count);
  for (let i = 0, k = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) {
      x[k] = values[i];
      w[k++] = weights[i];
    }
  }
  // simple-statistics reads its inputs by index and length only, so typed arrays give its exact figures
  const mean = weightedMean(x as unknown as number[], w as unknown as number[]);
  if (count < 2) return { mean, count, sd: null, ci95Low: null, ci95High: null };
  const sd = Math.sqrt(weightedVariance(x as unknown as number[], w as unknown as number[]));
  let sumW = 0;
  let sumW2 = 0;
  for (let k = 0; k < count; k++) {
    sumW += w[k];
    sumW2 += w[k] * w[k];
  }
  const half = (Z95 * sd) / Math.sqrt((sumW * sumW) / sumW2);
  return { mean, count, sd, ci95Low: mean - half, ci95High: mean + half };
}

/** Several runs' stats of one figure as one sample (see the header). */
export function pooledStat(stats: readonly WeightedStat[]): WeightedStat {
  const present = stats.filter((s): s is WeightedStat & { mean: number } => s.mean !== null && s.count > 0);
  if (present.length === 0) return { mean: null, count: 0, sd: null, ci95Low: null, ci95High: null };
  if (present.length === 1) return present[0];
  const parts = present.map((s) => {
    const half = s.ci95High !== null && s.ci95Low !== null ? (s.ci95High - s.ci95Low) / 2 : 0;
    const nEff = s.sd !== null && s.sd > 0 && half > 0 ? ((Z95 * s.sd) / half) ** 2 : s.count;
    return { mean: s.mean, variance: (s.sd ?? 0) ** 2, count: s.count, nEff };
  });
  const count = parts.reduce((a, p) => a + p.count, 0);
  const nEff = parts.reduce((a, p) => a + p.nEff, 0);
  const mean = parts.reduce((a, p) => a + p.nEff * p.mean, 0) / nEff;
  const variance = parts.reduce((a, p) => a + p.nEff * (p.variance + (p.mean - mean) ** 2), 0) / nEff;
  const sd = Math.sqrt(variance);
  const half = (Z95 * sd) / Math.sqrt(nEff);
  return { mean, count, sd, ci95Low: mean - half, ci95High: mean + half };
}

/** A figure over a configuration's seeds. */
export interface SeedSpread {
  /** Values that exist (NA runs are left out). */
  n: number;
  mean: number | null;
  sd: number | null;
  ci95Low: number | null;
  ci95High: number | null;
}

/** Mean, sample sd and Student-t 95 % interval over the seeds' values (nulls left out). */
export function seedSpread(values: readonly (number | null)[]): SeedSpread {
  const x = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = x.length;
  if (n === 0) return { n, mean: null, sd: null, ci95Low: null, ci95High: null };
  const mean = x.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, sd: null, ci95Low: null, ci95High: null };
  const sd = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = (studentT975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, ci95Low: mean - half, ci95High: mean + half };
}

/** Two-sided 95 % Student-t quantiles (t at 0.975) for 1 to 30 degrees of freedom. */
const T975 = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281, 2.201, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098,
  2.1009, 2.093, 2.086, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

/**
 * The Student-t quantile at 0.975 for `df` degrees of freedom: the table above up to 30, then the
 * Cornish–Fisher expansion around the normal quantile (error below 1e-4 there).
 */
export function studentT975(df: number): number {
  if (df <= T975.length) return T975[Math.max(1, Math.round(df)) - 1];
  const z = NORMAL_975;
  return (
    z +
    (z ** 3 + z) / (4 * df) +
    (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2) +
    (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * df ** 3)
  );
}

export type Evidence = 'none' | 'too-few' | 'positive' | 'negative' | 'spans-zero';

/** The evidence rule (see the header). */
export function evidenceOf(stat: WeightedStat, minCount: number = DEFAULT_MIN_FILLS): Evidence {
  if (stat.mean === null || stat.count === 0) return 'none';
  if (stat.count < minCount) return 'too-few';
  if (stat.ci95Low !== null && stat.ci95Low > 0) return 'positive';
  if (stat.ci95High !== null && stat.ci95High < 0) return 'negative';
  return 'spans-zero';
}

/**
 * Roughly how many observations would make an interval that spans zero exclude it, if the mean and sd held:
 * the interval narrows as 1/√n, so n × (half-width / |mean|)². Null without an interval or with a zero mean.
 */
export function countToResolve(stat: WeightedStat): number | null {
  if (stat.mean === null || stat.mean === 0 || stat.ci95Low === null || stat.ci95High === null) return null;
  const half = (stat.ci95High - stat.ci95Low) / 2;
  return Math.ceil(stat.count * (half / Math.abs(stat.mean)) ** 2);
}
