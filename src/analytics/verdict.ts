import type { WeightedStat } from './markouts.ts';
import type { Summary } from './summary.ts';

/**
 * The seed guide's rule of thumb as one line: realized spread at the main horizon (30 s by default) with its
 * 95 % interval. Positive: the spread pays for the adverse selection. Negative: the spread is too narrow for
 * this market; the seed's advice is to widen by 5 bps. An interval that spans zero is called out as not yet
 * distinguishable from zero.
 */
export function verdict(summary: Summary): string {
  const h = summary.mainHorizon;
  const stat = summary.realizedSpreadStats[h];
  if (stat.mean === null) return `verdict: no fills with a complete ${h} markout, so realized spread cannot be judged yet.`;
  const figure = `realized spread at ${h} ${signed(stat.mean)} bps`;
  const interval =
    stat.ci95Low === null
      ? `(n=${stat.count}, too few fills for an interval)`
      : `(95% CI ${signed(stat.ci95Low)} to ${signed(stat.ci95High!)}, n=${stat.count})`;
  const judgement =
    stat.mean > 0
      ? 'positive: the spread covers adverse selection'
      : "negative: the spread is too narrow for this market's adverse selection; the seed's advice: widen by 5 bps";
  return `verdict: ${figure} ${interval}: ${judgement}${spansZero(stat) ? ' (but the interval spans zero: not yet distinguishable from noise)' : ''}.`;
}

/** True when the 95 % interval exists and contains zero: the mean is not yet distinguishable from zero. */
export function spansZero(stat: WeightedStat): boolean {
  return stat.ci95Low !== null && stat.ci95High !== null && stat.ci95Low <= 0 && stat.ci95High >= 0;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
}
