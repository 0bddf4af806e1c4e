import { describe, expect, it } from 'vitest';
import { analyzeRun } from '../../src/analytics/summary.ts';
import { verdict } from '../../src/analytics/verdict.ts';
import { evidenceOf } from '../../src/core/evidence.ts';
import { summaryWarnings } from '../../src/analytics/warnings.ts';
import { MarketUnits } from '../../src/core/market.ts';
import { Series } from '../../src/core/series.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import type { BacktestResult, FillRecord } from '../../src/sim/backtest.ts';
import type { ScenarioRun } from '../../src/sim/run-scenario.ts';
import type { MarketConfig, Scenario } from '../../src/sim/scenario.ts';

/**
 * Every figure of summary.json on a run small enough to compute by hand (tick = lot = 1, so prices are
 * ticks and money is ticks × lots). The working is in the comments; each expectation is written from it,
 * not from the code.
 *
 *   mid:    100 from 0 s, 102 from 10 s, 101 from 40 s, 104 from 70 s; the run is [0 s, 100 s].
 *   fills:  F1 buy 2 @ 99 at 5 s (maker, rebate 2 bp = 0.0396), F2 sell 1 @ 103 at 20 s (maker, rebate
 *           0.0206), F3 sell 1 @ 101 at 50 s (taker, fee 5 bp = 0.0505). Position 0 → 2 → 1 → 0.
 *   quotes: bid 98 / ask 102 from 0 s, bid 99 alone from 30 s, 100 / 106 from 60 s, none from 90 s.
 *   analytics: horizons 5 s and 30 s (main 30 s), samples every 10 s, risk interval 50 s; maxInventory 2.
 */
const S = 1_000_000;
const units = new MarketUnits({ symbol: 'H', tickSize: 1, lotSize: 1, makerFeeBps: -2, takerFeeBps: 5 });

function series1(points: [number, number][]): Series {
  const s = new Series(1);
  for (const [t, v] of points) s.push1(t, v);
  return s;
}

function handRun(overrides: Partial<BacktestResult> = {}): ScenarioRun {
  const fills: FillRecord[] = [
    {
      orderId: '1',
      side: 'buy',
      price: 99,
      size: 2,
      liquidity: 'maker',
      fee: -39_600n,
      exchTs: 5 * S,
      remaining: 0,
      positionAfter: 2,
      midIndex: 0,
      noticeTs: 5 * S,
    },
    {
      orderId: '2',
      side: 'sell',
      price: 103,
      size: 1,
      liquidity: 'maker',
      fee: -20_600n,
      exchTs: 20 * S,
      remaining: 0,
      positionAfter: 1,
      midIndex: 1,
      noticeTs: 20 * S,
    },
    {
      orderId: '3',
      side: 'sell',
      price: 101,
      size: 1,
      liquidity: 'taker',
      fee: 50_500n,
      exchTs: 50 * S,
      remaining: 0,
      positionAfter: 0,
      midIndex: 2,
      noticeTs: 50 * S,
    },
  ];
  const ledger = new Ledger();
  for (const f of fills) ledger.applyFill(f.side, f.price, f.size, f.fee);
  const quotePath = new Series(2);
  for (const [t, bid, ask] of [
    [0, 98, 102],
    [30 * S, 99, NaN],
    [60 * S, 100, 106],
    [90 * S, NaN, NaN],
  ])
    quotePath.push2(t, bid, ask);
  const result = {
    fills,
    ledger,
    finalMid2: 208,
    midPath: series1([
      [0, 200],
      [10 * S, 204],
      [40 * S, 202],
      [70 * S, 208],
    ]),
    quotePath,
    marketEvents: 1234,
    ordersSent: 10,
    rejects: 2,
    cancels: 4,
    funding: [],
    startTs: 0,
    endTs: 100 * S,
    ...overrides,
  } as BacktestResult;
  const scenario = {
    name: 'by-hand',
    seed: 7,
    analytics: { horizonsSeconds: [5, 30], mainHorizonSeconds: 30, sampleSeconds: 10, riskIntervalSeconds: 50 },
    strategy: { name: 'inventory-skew', maxInventory: 2 },
  } as unknown as Scenario;
  const market = { id: 'H', symbol: 'H', tickSize: 1, lotSize: 1, makerFeeBps: -2, takerFeeBps: 5 } as unknown as MarketConfig;
  return {
    scenario,
    units,
    result,
    orders: [],
    dataFiles: [],
    strategyModule: null,
    markets: [{ market, units, result, orders: [], dataFiles: [] }],
    fillOrder: result.fills.map(() => 0),
  };
}

describe('summary.json computed by hand', () => {
  const { summary, markouts, horizonLabels, timeseries } = analyzeRun(handRun());

  it('what ran: period, events, final mid, horizons', () => {
    expect(summary.scenario).toBe('by-hand');
    expect(summary.seed).toBe(7);
    expect(summary.period).toEqual({ start: '1970-01-01T00:00:00.000000Z', end: '1970-01-01T00:01:40.000000Z', seconds: 100 });
    expect(summary.events).toBe(1234);
    expect(summary.finalMid).toBe(104);
    expect(summary.mainHorizon).toBe('30s');
    expect(horizonLabels).toEqual(['5s', '30s']);
  });

  it('markouts per fill: effective half-spread, mid after each horizon, signed for us', () => {
    // F1 buy 99, mid 100: effective 1; mid at 10 s = 102 → +3; at 35 s = 102 → +3.
    // F2 sell 103, mid 102: effective 1; mid at 25 s = 102 → +1; at 50 s = 101 → +2.
    // F3 sell 101, mid 101: effective 0; mid at 55 s = 101 → 0; at 80 s = 104 → −3.
    const plain = (xs: number[]) => xs.map((x) => x + 0); // a sell's 0 is −0: the same figure
    expect(markouts.map((m) => plain([m.mid, m.effectiveTicks, ...m.midAfter, ...m.markoutTicks]))).toEqual([
      [100, 1, 102, 102, 3, 3],
      [102, 1, 102, 101, 1, 2],
      [101, 0, 101, 104, 0, -3],
    ]);
  });

  it('realized, effective and adverse selection: size-weighted means in bps of the mid at the fill', () => {
    const bps = { f1: 300, f2at5: 1e4 / 102, f2at30: 2e4 / 102, f3at30: -3e4 / 101 };
    const realized5 = (2 * bps.f1 + bps.f2at5 + 0) / 4;
    const realized30 = (2 * bps.f1 + bps.f2at30 + bps.f3at30) / 4;
    const effective = (2 * 100 + 1e4 / 102 + 0) / 4;
    expect(summary.realizedSpreadBps['5s']).toBeCloseTo(realized5, 10);
    expect(summary.realizedSpreadBps['30s']).toBeCloseTo(realized30, 10);
    expect(summary.effectiveSpreadBps).toBeCloseTo(effective, 10);
    expect(summary.adverseSelectionBps['5s']).toBeCloseTo(effective - realized5, 10); // −100
    expect(summary.adverseSelectionBps['30s']).toBeCloseTo(effective - realized30, 10);
    const variance30 = (2 * (bps.f1 - realized30) ** 2 + (bps.f2at30 - realized30) ** 2 + (bps.f3at30 - realized30) ** 2) / 4;
    expect(summary.realizedSpreadStats['30s']).toMatchObject({ count: 3, incomplete: 0 });
    expect(summary.realizedSpreadStats['30s'].sd).toBeCloseTo(Math.sqrt(variance30), 10);
  });

  it('a fill too close to the end has no markout at a horizon past it, and is counted as incomplete', () => {
    const late = analyzeRun(handRun({ endTs: 60 * S }));
    // F3 at 50 s + 30 s = 80 s > 60 s: no 30 s markout; F1 and F2 are complete (35 s, 50 s)
    expect(late.markouts[2].markoutTicks.map((x) => x + 0)).toEqual([0, NaN]);
    expect(late.summary.realizedSpreadStats['30s']).toMatchObject({ count: 2, incomplete: 1 });
    expect(late.summary.realizedSpreadBps['30s']).toBeCloseTo((2 * 300 + 2e4 / 102) / 3, 10);
  });

  it('PnL and its parts: spread capture 3, inventory 3, fees −0.0505, rebates +0.0602, total 6.0097', () => {
    // capture: F1 2·(100 − 99) = 2, F2 1·(103 − 102) = 1, F3 0; inventory: 2 lots × +2 (10 s) + 1 lot × −1 (40 s) = 3
    expect(summary.pnl).toEqual({ total: 6.0097, spreadCapture: 3, inventory: 3, fees: -0.0505, rebates: 0.0602, funding: 0 });
  });

  it('fills and orders', () => {
    expect(summary.fills).toEqual({
      count: 3,
      buys: 1,
      sells: 2,
      makerVolume: 3,
      takerVolume: 1,
      fillRatePerQuote: 0.3,
      cancelToFill: 4 / 3,
    });
    expect(summary.orders).toEqual({ sent: 10, rejected: 2, cancelled: 4 });
  });

  it('quotes: two-sided 60 of 100 s; mean quoted spread (4 and 6 ticks, 30 s each) = 5, in bps of our quotes’ midpoint', () => {
    expect(summary.quotes).toEqual({ twoSidedUptime: 0.6, requotes: 4 });
    expect(summary.quotedSpread.mean).toBe(5);
    expect(summary.quotedSpread.meanBps).toBeCloseTo((400 + 6e4 / 103) / 2, 10);
  });

  it('inventory: time-weighted over [0, 100 s] (0, then 2 for 15 s, 1 for 30 s, 0), at the limit of 2 for 15 s', () => {
    expect(summary.inventory).toEqual({ final: 0, max: 2, mean: 0.6, meanAbs: 0.6, timeAtLimit: 0.15 });
  });

  it('risk: per-interval PnL 6.0097 then 0; max drawdown from the running peak 7.0602 (at 20 s) to 6.0097', () => {
    const perInterval = [6.0097, 0];
    const sd = Math.abs(perInterval[0] - perInterval[1]) / Math.SQRT2;
    expect(summary.risk.intervalSeconds).toBe(50);
    expect(summary.risk.pnlVolatility).toBeCloseTo(sd, 12);
    expect(summary.risk.sharpe).toBeCloseTo(6.0097 / 2 / sd, 12);
    expect(summary.risk.worstInterval).toBe(0);
    expect(summary.risk.maxDrawdown).toBeCloseTo(1.0505, 12);
    // the equity curve behind it, every 10 s: 0, 6.0396, 7.0602, 7.0602, 6.0602, then 6.0097
    expect(timeseries.map((s) => s.position)).toEqual([0, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(timeseries.map((s) => [s.ownBid, s.ownAsk])[3]).toEqual([99, NaN]);
  });

  it('breakdown at the main horizon by side, size and UTC hour', () => {
    const f1 = 300;
    const sells = (2e4 / 102 - 3e4 / 101) / 2;
    expect(Object.keys(summary.breakdown.bySide)).toEqual(['buy', 'sell']);
    expect(summary.breakdown.bySide.buy).toMatchObject({ mean: f1, count: 1, sd: null, ci95Low: null });
    expect(summary.breakdown.bySide.sell.mean).toBeCloseTo(sells, 10);
    expect(summary.breakdown.bySide.sell.count).toBe(2);
    expect(Object.keys(summary.breakdown.bySize)).toEqual(['=1', '=2']);
    expect(summary.breakdown.bySize['=2']).toMatchObject({ mean: f1, count: 1 });
    expect(summary.breakdown.bySize['=1'].mean).toBeCloseTo(sells, 10);
    expect(Object.keys(summary.breakdown.byHour)).toEqual(['00']);
    expect(summary.breakdown.byHour['00'].count).toBe(3);
  });

  it('size buckets: more than four distinct sizes are bucketed by quartile edges (linearly interpolated: 2.75, 4.5, 6.25, 8 for 1..8)', () => {
    const sizes = [1, 2, 3, 4, 5, 6, 7, 8];
    const run = handRun();
    const fills = sizes.map((size, i) => ({ ...run.result.fills[0], orderId: String(i), size, exchTs: (5 + i) * S, positionAfter: 0 }));
    const { summary: many } = analyzeRun({ ...run, result: { ...run.result, fills } });
    // the p-quantile of n sorted sizes sits at position p·(n − 1): 1.75 → 2 + 0.75, 3.5 → 4 + 0.5, 5.25 → 6 + 0.25, 7 → 8
    expect(Object.keys(many.breakdown.bySize)).toEqual(['≤2.75', '≤4.5', '≤6.25', '≤8']);
    expect(Object.values(many.breakdown.bySize).map((s) => s.count)).toEqual([2, 2, 2, 2]);
  });

  it('a run without fills: null figures, no interval, no division by zero', () => {
    const { summary: none } = analyzeRun(handRun({ fills: [], ledger: new Ledger(), cancels: 0, ordersSent: 0 }));
    expect(none.realizedSpreadBps).toEqual({ '5s': null, '30s': null });
    expect(none.effectiveSpreadBps).toBeNull();
    expect(none.adverseSelectionBps['30s']).toBeNull();
    expect(none.fills).toMatchObject({ count: 0, fillRatePerQuote: null, cancelToFill: null });
    expect(none.risk).toMatchObject({ maxDrawdown: 0, worstInterval: 0 });
    expect(verdict(none)).toBe(
      'verdict: no fills with a complete 30s markout, so realized spread cannot be judged yet. Next: run longer, or on more data.',
    );
  });
});

describe('the verdict line and warnings, by hand', () => {
  const { summary } = analyzeRun(handRun());

  it('three fills: too few to judge, whatever the sign; the evidence rule at the edges of its interval', () => {
    expect(verdict(summary)).toContain('only 3 fills with a complete 30s markout (at least 30 needed)');
    expect(verdict(summary, { minFills: 3 })).not.toContain('at least 30 needed');
    const stat = (mean: number, ci95Low: number | null, ci95High: number | null, count = 30) => ({ mean, count, sd: 1, ci95Low, ci95High });
    expect(evidenceOf(stat(1, 0, 2))).toBe('spans-zero'); // a lower bound at 0 is not above it
    expect(evidenceOf(stat(1, 0.01, 2))).toBe('positive');
    expect(evidenceOf(stat(-1, -2, 0))).toBe('spans-zero');
    expect(evidenceOf(stat(-1, -2, -0.01))).toBe('negative');
    expect(evidenceOf(stat(1, 0.5, 2, 29))).toBe('too-few');
    expect(evidenceOf(stat(1, 0.5, 2, 29), 29)).toBe('positive');
    expect(evidenceOf({ mean: null, count: 0, sd: null, ci95Low: null, ci95High: null })).toBe('none');
  });

  it('warnings: none for a run that traded; every order rejected; no order at all', () => {
    expect(summaryWarnings(summary)).toEqual([]);
    const rejected = { ...summary, fills: { ...summary.fills, count: 0 }, orders: { sent: 0, rejected: 12, cancelled: 0 } };
    expect(summaryWarnings(rejected)).toEqual([
      "by-hand: nothing traded and 12 order(s) were rejected (0 reached the venue): check the strategy's order size against market.lotSize and its prices against market.tickSize",
    ]);
    expect(summaryWarnings({ ...rejected, orders: { sent: 12, rejected: 12, cancelled: 0 } })).toHaveLength(1);
    expect(summaryWarnings({ ...rejected, orders: { sent: 13, rejected: 12, cancelled: 0 } })).toEqual([]); // some reached the book and rested
    expect(summaryWarnings({ ...rejected, fills: { ...summary.fills, count: 1 } })).toEqual([]);
    expect(summaryWarnings({ ...rejected, orders: { sent: 0, rejected: 0, cancelled: 0 } })).toEqual([
      'by-hand: the strategy sent no orders, so nothing traded',
    ]);
  });
});
