import type { MarketUnits } from '../core/market.ts';
import type { BacktestResult } from '../sim/backtest.ts';

/**
 * Time-weighted figures of our exposure over the run [start, end]:
 * - quotes: two-sided uptime = share of the run during which we had both a bid and an ask resting;
 *   mean quoted spread = time-weighted mean of (our ask − our bid) while two-sided, in ticks and in bps of
 *   our quotes' midpoint; requotes = how many times our best bid or ask changed at the venue.
 * - inventory: final position; max |q|; time-weighted mean q and |q|; share of the run spent at or beyond
 *   the strategy's maxInventory (null when the strategy has none). Positions change at fill times.
 */
export interface QuoteFigures {
  twoSidedUptime: number;
  requotes: number;
  meanSpreadTicks: number | null;
  meanSpreadBps: number | null;
}

export interface InventoryFigures {
  final: number;
  max: number;
  mean: number;
  meanAbs: number;
  timeAtLimit: number | null;
}

export function quoteFigures(result: BacktestResult): QuoteFigures {
  const { quotePath: path, startTs, endTs } = result;
  let twoSided = 0;
  let spreadTime = 0;
  let bpsTime = 0;
  for (let i = 0; i < path.length; i++) {
    const from = Math.max(path.time[i], startTs);
    const to = Math.min(i + 1 < path.length ? path.time[i + 1] : endTs, endTs);
    const bid = path.values[0][i];
    const ask = path.values[1][i];
    if (to <= from || !Number.isFinite(bid) || !Number.isFinite(ask)) continue;
    const span = to - from;
    twoSided += span;
    spreadTime += (ask - bid) * span;
    bpsTime += ((ask - bid) / ((ask + bid) / 2)) * 10_000 * span;
  }
  const duration = endTs - startTs;
  return {
    twoSidedUptime: duration > 0 ? twoSided / duration : 0,
    requotes: path.length,
    meanSpreadTicks: twoSided > 0 ? spreadTime / twoSided : null,
    meanSpreadBps: twoSided > 0 ? bpsTime / twoSided : null,
  };
}

export function inventoryFigures(result: BacktestResult, units: MarketUnits, maxInventory: number | null): InventoryFigures {
  const { fills, startTs, endTs, ledger } = result;
  const limitLots = maxInventory === null ? null : Math.round(maxInventory / units.spec.lotSize);
  let position = 0;
  let since = startTs;
  let signed = 0;
  let absolute = 0;
  let atLimit = 0;
  const accrue = (until: number): void => {
    const span = Math.max(0, until - since);
    signed += position * span;
    absolute += Math.abs(position) * span;
    if (limitLots !== null && Math.abs(position) >= limitLots) atLimit += span;
    since = Math.max(since, until);
  };
  for (const fill of fills) {
    accrue(fill.exchTs);
    position = fill.positionAfter;
  }
  accrue(endTs);
  const duration = endTs - startTs;
  const share = (x: number): number => (duration > 0 ? x / duration : 0);
  return {
    final: units.size(ledger.position),
    max: units.size(ledger.maxAbsPosition),
    mean: share(signed) * units.spec.lotSize,
    meanAbs: share(absolute) * units.spec.lotSize,
    timeAtLimit: limitLots === null ? null : share(atLimit),
  };
}
