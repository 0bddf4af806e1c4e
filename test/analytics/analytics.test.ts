import { describe, expect, it } from 'vitest';
import { mean, probit, sampleStandardDeviation } from 'simple-statistics';
import { Series } from '../../src/core/series.ts';
import { MarketUnits } from '../../src/core/market.ts';
import { Rng } from '../../src/core/rng.ts';
import { openEventArray, openEventArrayByExchTime } from '../../src/data/array-source.ts';
import type { MarketEvent } from '../../src/core/events.ts';
import { fillMarkouts, weightedStat } from '../../src/analytics/markouts.ts';
import { analyzeRun, type Summary } from '../../src/analytics/summary.ts';
import { riskFigures } from '../../src/analytics/risk.ts';
import { samplesAt, sampleTimeline, sampleTimes } from '../../src/analytics/timeline.ts';
import { judgeRun, verdict } from '../../src/analytics/verdict.ts';
import type { BacktestResult, FillRecord } from '../../src/sim/backtest.ts';
import { runBacktest } from '../sim/run-backtest.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { loadScenario, parseScenario } from '../../src/sim/scenario.ts';
import type { Strategy } from '../../src/strategy/api.ts';
import { feeSchedule } from '../../src/venue/fees.ts';
import { createLatencyModel, createQueueModel } from '../../src/venue/models.ts';

const S = 1_000_000;

function fill(side: 'buy' | 'sell', price: number, exchTs: number, midIndex: number, size = 1): FillRecord {
  return {
    orderId: 'x',
    side,
    price,
    size,
    liquidity: 'maker',
    fee: 0n,
    exchTs,
    remaining: 0,
    positionAfter: 0,
    midIndex,
    noticeTs: exchTs,
  };
}

function midPath(points: [number, number][]): Series {
  const path = new Series(1);
  for (const [t, mid] of points) path.push1(t, mid * 2);
  return path;
}

describe('markout sign conventions', () => {
  it('every horizon reads the mid at its own horizon: 1, 5, 30 and 60 s', () => {
    const moves = midPath([
      [0, 100],
      [1 * S, 101],
      [5 * S, 102],
      [30 * S, 97],
      [60 * S, 110],
    ]);
    const m = fillMarkouts(fill('buy', 99, 0, 0), moves, [1 * S, 5 * S, 30 * S, 60 * S], 100 * S);
    expect(m.midAfter).toEqual([101, 102, 97, 110]);
    expect(m.markoutTicks).toEqual([2, 3, -2, 11]);
    expect(m.markoutBps).toEqual([200, 300, -200, 1100]); // 10 000 × markout / mid at the fill (100)
  });

  // Mid 100 at the fill (ticks), then 103 after 1 s, then 98 after 5 s.
  const path = midPath([
    [0, 100],
    [1 * S, 103],
    [5 * S, 98],
  ]);
  const horizons = [1 * S, 5 * S];

  it('buy: markout = mid(t+h) − price, effective = mid(t) − price', () => {
    const m = fillMarkouts(fill('buy', 99, 0, 0), path, horizons, 10 * S);
    expect(m.effectiveTicks).toBe(1);
    expect(m.markoutTicks).toEqual([4, -1]); // up move good for a buy, down move bad
    expect(m.markoutBps[0]).toBeCloseTo((4 / 100) * 10_000, 10);
  });

  it('sell: markout = price − mid(t+h), effective = price − mid(t)', () => {
    const m = fillMarkouts(fill('sell', 101, 0, 0), path, horizons, 10 * S);
    expect(m.effectiveTicks).toBe(1);
    expect(m.markoutTicks).toEqual([-2, 3]); // up move bad for a sell, down move good
  });

  it('a horizon past the end of the data is marked missing, not filled with the last mid', () => {
    const m = fillMarkouts(fill('buy', 99, 2 * S, 1), path, horizons, 6 * S);
    expect(m.markoutTicks[0]).toBe(4); // at 3 s the mid is 103
    expect(m.markoutTicks[1]).toBeNaN(); // 7 s is past the end (6 s)
    expect(m.midAfter[1]).toBeNaN();
  });
});

describe('weighted statistics', () => {
  it('match simple-statistics computed independently', () => {
    const values = [2, -1, 4, 3, NaN, 0.5];
    const weights = [1, 2, 1, 3, 5, 1];
    const stat = weightedStat(values, weights);
    // Independent: expand each value by its (integer) weight, then the plain mean equals the weighted mean.
    const expanded = values.flatMap((v, i) => (Number.isFinite(v) ? Array<number>(weights[i]).fill(v) : []));
    expect(stat.mean).toBeCloseTo(mean(expanded), 12);
    expect(stat.count).toBe(5);
    // Population variance of the expanded sample = the weighted variance.
    const sdPop = sampleStandardDeviation(expanded) * Math.sqrt((expanded.length - 1) / expanded.length);
    expect(stat.sd).toBeCloseTo(sdPop, 12);
    const w = [1, 2, 1, 3, 1];
    const nEff = w.reduce((a, b) => a + b) ** 2 / w.reduce((a, b) => a + b * b, 0);
    expect(stat.ci95High! - stat.mean!).toBeCloseTo((probit(0.975) * sdPop) / Math.sqrt(nEff), 12);
  });

  it('one value has no interval, none has no mean', () => {
    expect(weightedStat([1], [1])).toMatchObject({ mean: 1, count: 1, ci95Low: null });
    expect(weightedStat([NaN], [1])).toMatchObject({ mean: null, count: 0 });
  });
});

const units = new MarketUnits({ symbol: 'T', tickSize: 0.01, lotSize: 1, makerFeeBps: -2, takerFeeBps: 0 });
const book: MarketEvent = {
  kind: 'snapshot',
  exchTs: 0,
  localTs: 0,
  bidPrices: [9998],
  bidSizes: [10],
  askPrices: [10002],
  askSizes: [10],
};

/** Quotes a bid at 99.99 and an ask at 100.01 once; the market then hits one of them and moves. */
const quoteOnce: Strategy = async ({ venue, clock, market }) => {
  await venue.placeOrder({ market, side: 'buy', price: 99.99, size: 1, postOnly: true });
  await venue.placeOrder({ market, side: 'sell', price: 100.01, size: 1, postOnly: true });
  while (await clock.sleep(1000)) {
    /* hold */
  }
};

/** A sell trade hits our bid at 1 s; then the whole book shifts by `move` ticks at 1.5 s; data ends at 100 s. */
function marketAfterBuy(move: number): MarketEvent[] {
  const shifted = (t: number): MarketEvent => ({
    kind: 'snapshot',
    exchTs: t,
    localTs: t,
    bidPrices: [9998 + move],
    bidSizes: [10],
    askPrices: [10002 + move],
    askSizes: [10],
  });
  return [
    book,
    { kind: 'trade', exchTs: 1 * S, localTs: 1 * S, price: 9999, size: 1, takerSide: 'sell' },
    shifted(1.5 * S),
    { kind: 'delta', exchTs: 100 * S, localTs: 100 * S, side: 'bid', price: 9990 + move, size: 1, last: true },
  ];
}

const testScenario = parseScenario(
  {
    name: 'hand-built',
    durationSeconds: 100,
    market: { symbol: 'T', tickSize: 0.01, lotSize: 1, makerFeeBps: -2 },
    data: { kind: 'synthetic', model: 'random-walk', startPrice: 100, volatility: 0, levelSize: 1, tradesPerSecond: 1, tradeSize: 1 },
    strategy: { name: 'fixed-spread', spreadBps: 2, size: 1 },
  },
  'test',
);

async function analyzeHandBuilt(events: MarketEvent[]) {
  const result = await runBacktest({
    units,
    fees: feeSchedule(-2, 0),
    openEvents: openEventArray(events),
    openVenueEvents: openEventArrayByExchTime(events),
    startTs: 0,
    endTs: 100 * S,
    queue: createQueueModel({ model: 'risk-averse' }),
    latency: createLatencyModel({ model: 'constant', entryMs: 1, responseMs: 1 }, new Rng('t')),
    strategy: quoteOnce,
  });
  return analyzeRun({ scenario: testScenario, units, result });
}

describe('realized spread on hand-built markets', () => {
  it('informed flow (the mid always moves against the fill) gives negative realized spread', async () => {
    const { summary } = await analyzeHandBuilt(marketAfterBuy(-5));
    expect(summary.fills.count).toBe(1);
    // Bought at 99.99 with the mid at 100.00: effective +0.01 = +1 bp; the mid then falls to 99.95.
    expect(summary.effectiveSpreadBps).toBeCloseTo(1, 9);
    expect(summary.realizedSpreadBps['5s']).toBeCloseTo(((99.95 - 99.99) / 100) * 10_000, 9);
    expect(summary.realizedSpreadBps['5s']).toBeLessThan(0);
    // Net of the 2 bps maker rebate, which is in bps of the notional (99.99): 2 × 99.99 / 100 bps of the mid.
    expect(summary.netRealizedSpreadStats['5s'].mean).toBeCloseTo(summary.realizedSpreadBps['5s']! + (2 * 99.99) / 100, 9);
    // One fill decides nothing.
    expect(verdict({ ...summary, mainHorizon: '5s' })).toMatch(/not enough evidence: only 1 fill with a complete 5s markout/);
  });

  it('uninformed flow (the mid does not move) gives realized = effective and zero adverse selection', async () => {
    const { summary } = await analyzeHandBuilt(marketAfterBuy(0));
    expect(summary.realizedSpreadBps['30s']).toBeCloseTo(summary.effectiveSpreadBps!, 12);
    expect(summary.adverseSelectionBps['30s']).toBeCloseTo(0, 12);
  });

  it('realized = effective − adverse selection at every horizon', async () => {
    const { summary } = await analyzeHandBuilt(marketAfterBuy(-3));
    for (const h of ['1s', '5s', '30s', '60s']) {
      expect(summary.realizedSpreadBps[h]! + summary.adverseSelectionBps[h]!).toBeCloseTo(summary.effectiveSpreadBps!, 9);
    }
  });

  it('fills too close to the end are counted as incomplete, not given a markout', async () => {
    const events = marketAfterBuy(0);
    events[1] = { ...events[1], exchTs: 80 * S, localTs: 80 * S } as MarketEvent;
    events[2] = { ...events[2], exchTs: 81 * S, localTs: 81 * S } as MarketEvent;
    const { summary } = await analyzeHandBuilt(events);
    expect(summary.realizedSpreadStats['30s']).toMatchObject({ count: 0, incomplete: 1, mean: null });
    expect(summary.realizedSpreadStats['5s']).toMatchObject({ count: 1, incomplete: 0 });
  });
});

describe('PnL decomposition', () => {
  it('spread capture + inventory + fees + rebates = total, to the last µTL, on the demo market', async () => {
    const scenario = await loadScenario('scenarios/demo.json', ['durationSeconds=600', 'market.takerFeeBps=5']);
    const run = await runScenario(scenario, 'scenarios');
    const { result } = run;
    expect(result.fills.length).toBeGreaterThan(50);
    const [end] = sampleTimeline(result, [result.endTs]);
    const parts = (BigInt(end.spreadCapture + end.inventory) * 1_000_000n) / 2n + end.fees + end.rebates;
    expect(parts).toBe(result.ledger.equity(result.finalMid2));
    const { summary } = analyzeRun(run);
    const p = summary.pnl;
    expect(p.spreadCapture + p.inventory + p.fees + p.rebates + p.funding).toBeCloseTo(p.total, 9);
    expect(p.rebates).toBeGreaterThan(0);
    expect(p.fees).toBeLessThanOrEqual(0);
  });
});

describe('the verdict, net of fees and on evidence', () => {
  const stat = (mean: number, lo: number, hi: number, count = 40) => ({ mean, count, sd: 1, ci95Low: lo, ci95High: hi });
  const summaryWith = (gross: ReturnType<typeof stat>, net: ReturnType<typeof stat>) =>
    ({
      mainHorizon: '30s',
      realizedSpreadStats: { '30s': { ...gross, incomplete: 0 } },
      netRealizedSpreadStats: { '30s': net },
    }) as unknown as Summary;

  it('a loss that is mostly fees: consistently negative, the fees named, widen by 5 bps', () => {
    const v = judgeRun(summaryWith(stat(1.48, -1.79, 4.75), stat(-8.52, -11.79, -5.25)));
    expect(v.tone).toBe('bad');
    expect(v.text).toContain('net of fees -8.52 bps (95% CI -11.79 to -5.25, 40 fills; before fees +1.48, fees -10.00 a fill)');
    expect(v.text).toContain('covers adverse selection but not the fees');
    expect(v.text).toMatch(/Next: widen by 5 bps \(about 17\.0 bps more quoted spread/);
  });

  it('consistently positive net of fees: narrow by 1 bp', () => {
    const v = judgeRun(summaryWith(stat(4, 3, 5), stat(6, 5, 7)));
    expect(v).toMatchObject({ tone: 'good', evidence: 'positive' });
    expect(v.text).toContain('rebates +2.00 a fill');
    expect(v.text).toContain('Next: narrow by 1 bp');
  });

  it('positive before fees but spanning 0 after them: not enough evidence, run longer, with the fills it would take', () => {
    const v = judgeRun(summaryWith(stat(3, 1, 5), stat(1, -1, 3, 50)));
    expect(v).toMatchObject({ tone: 'unsure', evidence: 'spans-zero' });
    expect(v.text).toContain('the interval spans 0. Next: run longer / more data: only 50 fills; about 200 would settle it');
  });

  it('fewer fills than the minimum: not enough evidence, whatever the interval', () => {
    const summary = summaryWith(stat(3, 2, 4, 12), stat(3, 2, 4, 12));
    expect(judgeRun(summary).text).toContain('only 12 fills with a complete 30s markout (at least 30 needed)');
    expect(judgeRun(summary, { minFills: 10 }).tone).toBe('good');
  });
});

describe('risk figures, hand-computed', () => {
  // One buy of 1 lot at 100 (the mid) at 0 s, then the mid moves 100 → 102 → 101 → 104 at 60, 120, 180 s
  // (tick = lot = 1, no fees): equity is 0, 2, 1, 4 at the minute marks.
  const units = new MarketUnits({ symbol: 'R', tickSize: 1, lotSize: 1, makerFeeBps: 0, takerFeeBps: 0 });
  const result = {
    fills: [{ ...fill('buy', 100, 0, 0), positionAfter: 1 }],
    midPath: midPath([
      [0, 100],
      [60 * S, 102],
      [120 * S, 101],
      [180 * S, 104],
    ]),
    quotePath: new Series(2),
    funding: [],
    startTs: 0,
    endTs: 180 * S,
  } as unknown as BacktestResult;
  const curve = sampleTimeline(result, sampleTimes(0, 180 * S, 1 * S));
  const risk = riskFigures(result, units, 60, curve);

  it('per-interval PnL 2, −1, 3: sd, Sharpe = mean / sd (not / variance), worst interval', () => {
    const sd = Math.sqrt(((2 - 4 / 3) ** 2 + (-1 - 4 / 3) ** 2 + (3 - 4 / 3) ** 2) / 2); // 2.0817
    expect(risk.pnlVolatility).toBeCloseTo(sd, 12);
    expect(risk.sharpe).toBeCloseTo(4 / 3 / sd, 12); // 0.6405; mean / variance would be 0.3077
    expect(risk.worstInterval).toBe(-1);
  });

  it('max drawdown from the running peak (2 → 1), not from the first sample (which never falls below 0)', () => {
    expect(risk.maxDrawdown).toBe(1);
  });

  it('reads the interval samples from the curve when it holds their times, and replays the record when it does not', () => {
    const minutes = sampleTimes(0, 180 * S, 60 * S);
    expect(samplesAt(curve, minutes)).toEqual(sampleTimeline(result, minutes));
    const coarse = sampleTimeline(result, sampleTimes(0, 180 * S, 7 * S)); // no sample at 60 s
    expect(samplesAt(coarse, minutes)).toBeNull();
    const replayed = riskFigures(result, units, 60, coarse); // its maxDrawdown is the coarse curve's
    expect({ ...replayed, maxDrawdown: risk.maxDrawdown }).toEqual(risk);
  });
});

describe('the timeline against a replay of every mid change', () => {
  // The inventory PnL as the rules state it: position × Δmid at each change of the mid, the fills made while a
  // mid was in force booked before the next change.
  function inventoryByStep(result: BacktestResult, times: number[]): number[] {
    const { fills, midPath: path } = result;
    const mids = path.values[0];
    let midIndex = -1;
    let fillIndex = 0;
    let position = 0;
    let inventory = 0;
    return times.map((time) => {
      for (;;) {
        const next = fills[fillIndex];
        if (next && next.midIndex <= midIndex && next.exchTs <= time) {
          position = next.positionAfter;
          fillIndex++;
        } else if (midIndex + 1 < path.length && path.time[midIndex + 1] <= time && !(next && next.midIndex <= midIndex)) {
          if (midIndex >= 0) inventory += position * (mids[midIndex + 1] - mids[midIndex]);
          midIndex++;
        } else return inventory;
      }
    });
  }

  it('gives the same inventory PnL and positions, with fills before the first mid, several changes at one time and fills between them', () => {
    const rng = new Rng('timeline');
    for (let trial = 0; trial < 20; trial++) {
      const points: [number, number][] = [];
      let t = rng.int(0, 3) * S;
      let mid = 2000;
      for (let i = 0; i < 400; i++) {
        t += rng.int(0, 2) * S; // 0: another change at the same time
        mid += rng.int(-3, 3) || 1;
        points.push([t, mid]);
      }
      const path = midPath(points);
      const fills: FillRecord[] = [];
      let position = 0;
      let ts = 0;
      for (let midIndex = -1; midIndex < path.length && fills.length < 120; midIndex += rng.int(0, 6)) {
        ts = Math.max(ts, midIndex >= 0 ? path.time[midIndex] : 0) + rng.int(0, 1) * S;
        const side = rng.uniform() < 0.5 ? 'buy' : 'sell';
        position += side === 'buy' ? 1 : -1;
        fills.push({ ...fill(side, 1000, ts, midIndex), positionAfter: position });
      }
      const result = { fills, midPath: path, quotePath: new Series(2), funding: [], startTs: 0, endTs: t } as unknown as BacktestResult;
      const times = sampleTimes(0, t, rng.int(1, 5) * S);
      const samples = sampleTimeline(result, times);
      expect(samples.map((s) => s.inventory)).toEqual(inventoryByStep(result, times));
      expect(samples.some((s) => s.inventory !== 0)).toBe(true);
    }
  });
});
