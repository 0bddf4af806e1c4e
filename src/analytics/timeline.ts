import { sideSign } from '../core/units.ts';
import type { BacktestResult } from '../sim/backtest.ts';

/**
 * Replays a finished run's record (mid path, fills, own quotes) in time order and reads its state at given
 * sample times: the PnL decomposition, position and quotes.
 *
 * PnL decomposition rules (exact: integers in half-tick-lots, i.e. ticks × lots / 2, until converted):
 * - spread capture: each fill earns side × (mid at the fill − price) × size;
 * - inventory: the position held earns position × Δmid at every change of the mid;
 * - fees (paid, ≤ 0) and rebates (earned, ≥ 0) are the fills' fees by sign;
 * - funding: the funding payments booked (a perpetual's; data/funding.ts), each counted from its time on.
 * Their sum is cash + position × mid − fees paid + rebates earned + funding, the ledger's equity: the
 * telescoping sum of position × Δmid plus each fill's (mid − price) is exactly cash + position × final mid.
 */
export interface TimelineSample {
  time: number;
  /** Twice the mid in force, ticks (NaN before the first two-sided book). */
  mid2: number;
  ownBid: number;
  ownAsk: number;
  position: number;
  /** Cumulative, half-tick-lots. */
  spreadCapture: number;
  inventory: number;
  /** Cumulative, µTL (signed: fees ≤ 0, rebates ≥ 0, funding either). */
  fees: bigint;
  rebates: bigint;
  funding: bigint;
}

/** State after everything stamped at or before each of `times` (ascending). */
export function sampleTimeline(result: BacktestResult, times: number[]): TimelineSample[] {
  const { midPath, fills, quotePath, funding: payments } = result;
  const mids = midPath.values[0];
  const samples: TimelineSample[] = [];
  let midIndex = -1;
  let fillIndex = 0;
  let quoteIndex = -1;
  let position = 0;
  let spreadCapture = 0;
  let inventory = 0;
  let fees = 0n;
  let rebates = 0n;
  let funding = 0n;
  let paymentIndex = 0;
  const mid2 = (): number => (midIndex >= 0 ? mids[midIndex] : NaN);

  for (const time of times) {
    const lastMidByTime = midPath.indexAt(time);
    for (;;) {
      // Fills that happened while mid entry `midIndex` was in force come before the next mid change.
      const fill = fills[fillIndex];
      if (fill && fill.midIndex <= midIndex && fill.exchTs <= time) {
        if (fill.midIndex >= 0) spreadCapture += sideSign(fill.side) * (mid2() - 2 * fill.price) * fill.size;
        if (fill.fee >= 0n) fees -= fill.fee;
        else rebates -= fill.fee;
        position = fill.positionAfter;
        fillIndex++;
        continue;
      }
      // The mid changes up to `time`, but not past the one in force at the next fill. The position holds
      // meanwhile, so the inventory PnL of those changes telescopes to position × (last mid − first mid),
      // exact in integers (mids are whole half-ticks), without stepping through each change.
      const lastMid = fill ? Math.min(lastMidByTime, fill.midIndex) : lastMidByTime;
      if (lastMid > midIndex) {
        inventory += position * (mids[lastMid] - mids[Math.max(midIndex, 0)]);
        midIndex = lastMid;
        continue;
      }
      break;
    }
    while (quoteIndex + 1 < quotePath.length && quotePath.time[quoteIndex + 1] <= time) quoteIndex++;
    for (; paymentIndex < payments.length && payments[paymentIndex].ts <= time; paymentIndex++) funding += payments[paymentIndex].amount;
    samples.push({
      time,
      mid2: mid2(),
      ownBid: quoteIndex >= 0 ? quotePath.values[0][quoteIndex] : NaN,
      ownAsk: quoteIndex >= 0 ? quotePath.values[1][quoteIndex] : NaN,
      position,
      spreadCapture,
      inventory,
      fees,
      rebates,
      funding,
    });
  }
  return samples;
}

/** Sample times from start to end (both included) every `step` µs. */
export function sampleTimes(start: number, end: number, step: number): number[] {
  const times: number[] = [];
  for (let t = start; t < end; t += step) times.push(t);
  times.push(end);
  return times;
}

/**
 * The samples of `samples` (ascending times) taken at each of `times` (ascending), or null when one of
 * `times` is not among them. A sample is the state at its time alone, so these are what sampleTimeline would
 * give at `times`, without replaying the record again (the risk intervals are every 60th sample of a day's
 * 1 s timeline).
 */
export function samplesAt(samples: TimelineSample[], times: number[]): TimelineSample[] | null {
  const found: TimelineSample[] = [];
  let k = 0;
  for (const time of times) {
    while (k < samples.length && samples[k].time < time) k++;
    if (k === samples.length || samples[k].time !== time) return null;
    found.push(samples[k]);
  }
  return found;
}
