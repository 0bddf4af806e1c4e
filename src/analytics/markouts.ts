import type { Series } from '../core/series.ts';
import { sideSign } from '../core/units.ts';
import type { FillRecord } from '../sim/backtest.ts';

export { weightedStat, type WeightedStat } from '../core/evidence.ts';

/**
 * Markouts: how the mid moved after each of our fills, the measure of adverse selection.
 *
 * Rules (prices in ticks, sign so that positive is good for us):
 * - mid(t) is the venue's mid in force at time t: that of the last complete book (a message boundary: a
 *   snapshot, or a delta flagged last) at or before t, as the backtest's mid path records it; the mid at
 *   a fill is the one in force when the fill happened, so a fill caused by a message that moved through
 *   our order is measured against the complete book before that message, never a half-applied (often
 *   crossed) one.
 * - effective half-spread: buy mid(t) − price; sell price − mid(t).
 * - markout at horizon h: buy mid(t+h) − price; sell price − mid(t+h). In bps: 10 000 × markout / mid(t).
 * - A fill whose t + h lies after the end of the run has no markout at h: it is marked incomplete and left
 *   out of every figure at that horizon (never filled in with the last mid).
 * - Run figures are size-weighted means in bps with their 95 % interval (weightedStat, core/evidence.ts).
 * - Adverse selection at h = effective − realized, both over the fills complete at h, so the identity
 *   holds exactly.
 * Known limits: the mid is the displayed book's; a one-sided book keeps the last two-sided mid.
 */
export interface FillMarkouts {
  /** Mid at the fill, ticks (NaN before the first two-sided book). */
  mid: number;
  effectiveTicks: number;
  effectiveBps: number;
  /** Per horizon: mid after h, markout in ticks and bps; NaN when t + h is past the end. */
  midAfter: number[];
  markoutTicks: number[];
  markoutBps: number[];
}

export function fillMarkouts(fill: FillRecord, midPath: Series, horizonsUs: number[], endTs: number): FillMarkouts {
  const mid = fill.midIndex >= 0 ? midPath.values[0][fill.midIndex] / 2 : NaN;
  const sign = sideSign(fill.side);
  const effectiveTicks = sign * (mid - fill.price);
  // Arrays made by map are as long as the horizons; pushed into, each would reserve 16 numbers (a day's fills: 16 MB).
  const midAfter = horizonsUs.map((h) => {
    const at = fill.exchTs + h;
    const index = at > endTs ? -1 : midPath.indexAt(at);
    return index >= 0 ? midPath.values[0][index] / 2 : NaN;
  });
  const markoutTicks = midAfter.map((after) => sign * (after - fill.price));
  const markoutBps = markoutTicks.map((markout) => (10_000 * markout) / mid);
  return { mid, effectiveTicks, effectiveBps: (10_000 * effectiveTicks) / mid, midAfter, markoutTicks, markoutBps };
}
