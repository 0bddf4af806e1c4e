import { mean, min, sampleStandardDeviation } from 'simple-statistics';
import type { MarketUnits } from '../core/market.ts';
import { MICRO } from '../ledger/ledger.ts';
import type { BacktestResult } from '../sim/backtest.ts';
import { samplesAt, sampleTimeline, sampleTimes, type TimelineSample } from './timeline.ts';

/**
 * Risk figures from the equity curve (total PnL marked to the mid):
 * - per-interval PnL: the change of equity over consecutive intervals of `intervalSeconds` (60 s by
 *   default; the last interval may be shorter);
 * - pnlVolatility: sample standard deviation of per-interval PnL; sharpe: mean / sd of per-interval PnL,
 *   per interval, not annualised; worstInterval: the lowest per-interval PnL;
 * - maxDrawdown: the largest fall of equity from a running peak (a positive amount), over the finer equity
 *   curve of timeseries.csv (sampled every analytics.sampleSeconds).
 * Fewer than two intervals give null volatility and Sharpe.
 */
export interface RiskFigures {
  intervalSeconds: number;
  pnlVolatility: number | null;
  sharpe: number | null;
  maxDrawdown: number;
  worstInterval: number | null;
}

/** Half-tick-lots (the timeline's PnL unit) in µTL, exact. */
export function halfTickLotsMicro(x: number): bigint {
  return (BigInt(x) * MICRO) / 2n;
}

/** Equity at a sample, exact in µTL. */
export function equityMicro(sample: TimelineSample): bigint {
  return halfTickLotsMicro(sample.spreadCapture) + halfTickLotsMicro(sample.inventory) + sample.fees + sample.rebates + sample.funding;
}

export function equityOf(sample: TimelineSample, units: MarketUnits): number {
  return units.money(equityMicro(sample));
}

export function riskFigures(result: BacktestResult, units: MarketUnits, intervalSeconds: number, curve: TimelineSample[]): RiskFigures {
  const times = sampleTimes(result.startTs, result.endTs, intervalSeconds * 1e6);
  const samples = samplesAt(curve, times) ?? sampleTimeline(result, times);
  return riskOfEquity(
    intervalSeconds,
    samples.map((s) => equityOf(s, units)),
    curve.map(equityMicro),
    (x) => units.money(x),
  );
}

/**
 * The risk figures of an equity curve: `intervalEquity` at every interval (quote currency), `curve` exact at
 * every sample (`money` converts its unit to the quote currency).
 */
export function riskOfEquity(
  intervalSeconds: number,
  intervalEquity: number[],
  curve: bigint[],
  money: (exact: bigint) => number,
): RiskFigures {
  const perInterval = intervalEquity.slice(1).map((e, i) => e - intervalEquity[i]);
  let peak: bigint | null = null;
  let maxDrawdown = 0n;
  for (const e of curve) {
    if (peak === null || e > peak) peak = e;
    if (peak - e > maxDrawdown) maxDrawdown = peak - e;
  }
  const sd = perInterval.length >= 2 ? sampleStandardDeviation(perInterval) : null;
  return {
    intervalSeconds,
    pnlVolatility: sd,
    sharpe: sd === null || sd === 0 ? null : mean(perInterval) / sd,
    maxDrawdown: money(maxDrawdown),
    worstInterval: perInterval.length > 0 ? min(perInterval) : null,
  };
}
