import { countToResolve, DEFAULT_MIN_FILLS, evidenceOf, type Evidence, type WeightedStat } from '../core/evidence.ts';
import type { Summary } from './summary.ts';

/**
 * The verdict line: the guide's rule of thumb ("widen by 5 bps while realized spread is negative, narrow once
 * it is consistently positive"), judged on realized spread at the main horizon *net of fees and rebates*
 * (summary.netRealizedSpreadStats) and on evidence (the rule in core/evidence.ts):
 * - consistently positive (lower 95 % bound above 0, at least `minFills` fills): the spread pays for adverse
 *   selection and fees; next step: narrow by 1 bp to trade more, while it stays positive;
 * - consistently negative (upper bound below 0): next step: widen by 5 bps; when realized spread before
 *   fees is positive, the fees are named as the cause; the quoted spread that would break even is estimated
 *   as twice the net shortfall (half of a wider quote lands on each side), if adverse selection stayed;
 * - the interval spans 0, or fewer than `minFills` fills, or none: not enough evidence; next step: run longer
 *   or on more data, with the number of fills that would settle it at this mean and spread.
 */
export interface VerdictOptions {
  /** The fewest fills with a complete markout to judge on (default DEFAULT_MIN_FILLS). */
  minFills?: number;
}

export interface Verdict {
  evidence: Evidence;
  /** good: consistently positive; bad: consistently negative; unsure: not enough evidence. */
  tone: 'good' | 'bad' | 'unsure';
  text: string;
}

export function judgeRun(summary: Summary, options: VerdictOptions = {}): Verdict {
  const minFills = options.minFills ?? DEFAULT_MIN_FILLS;
  const h = summary.mainHorizon;
  const net = summary.netRealizedSpreadStats[h];
  const gross = summary.realizedSpreadStats[h];
  const evidence = evidenceOf(net, minFills);
  if (evidence === 'none') {
    return {
      evidence,
      tone: 'unsure',
      text: `verdict: no fills with a complete ${h} markout, so realized spread cannot be judged yet. Next: run longer, or on more data.`,
    };
  }
  const feeBps = gross.mean! - net.mean!;
  const fees =
    feeBps === 0 ? 'no fees' : `before fees ${signed(gross.mean!)}, ${feeBps > 0 ? 'fees' : 'rebates'} ${signed(-feeBps)} a fill`;
  const figure = `realized spread at ${h} net of fees ${signed(net.mean!)} bps ${interval(net, fees)}`;
  switch (evidence) {
    case 'positive':
      return {
        evidence,
        tone: 'good',
        text: `verdict: ${figure}: consistently positive: the spread pays for adverse selection and fees. Next: narrow by 1 bp to trade more, while it stays positive.`,
      };
    case 'negative': {
      const cause =
        gross.mean! > 0
          ? 'the spread covers adverse selection but not the fees'
          : `adverse selection takes more than the spread${feeBps > 0 ? ', and fees add to the loss' : ''}`;
      return {
        evidence,
        tone: 'bad',
        text: `verdict: ${figure}: consistently negative: ${cause}. Next: widen by 5 bps (about ${(2 * -net.mean!).toFixed(1)} bps more quoted spread would break even if adverse selection stayed as it is).`,
      };
    }
    case 'too-few':
      return {
        evidence,
        tone: 'unsure',
        text: `verdict: ${figure}: not enough evidence: only ${net.count} fill${net.count === 1 ? '' : 's'} with a complete ${h} markout (at least ${minFills} needed). Next: run longer / more data.`,
      };
    default: {
      const needed = countToResolve(net);
      return {
        evidence,
        tone: 'unsure',
        text: `verdict: ${figure}: not enough evidence: the interval spans 0. Next: run longer / more data: only ${net.count} fills${needed === null ? '' : `; about ${needed} would settle it if the mean and spread held`}.`,
      };
    }
  }
}

/** The verdict line of a run (see judgeRun). */
export function verdict(summary: Summary, options: VerdictOptions = {}): string {
  return judgeRun(summary, options).text;
}

function interval(stat: WeightedStat, fees: string): string {
  const n = `${stat.count} fill${stat.count === 1 ? '' : 's'}`;
  return stat.ci95Low === null
    ? `(${n}, too few for an interval; ${fees})`
    : `(95% CI ${signed(stat.ci95Low)} to ${signed(stat.ci95High!)}, ${n}; ${fees})`;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
}
