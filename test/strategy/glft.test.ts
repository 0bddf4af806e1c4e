import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyOverride, parseScenario } from '../../src/sim/scenario.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import {
  glft,
  glftDepths,
  IntensityEstimator,
  MIN_BUCKET_TRADES,
  SigmaEstimator,
  type GlftCycle,
  type GlftParams,
} from '../../src/strategy/glft.ts';
import type { StrategyContext, Venue } from '../../src/strategy/api.ts';
import { L2Book } from '../../src/book/l2-book.ts';
import { backtestWith, collect, openScenarioData } from '../data/synthetic/helpers.ts';

describe('glftDepths', () => {
  it('matches hand-computed values (γ = 0.1, k = 1.5, A = 140, σ = 2)', () => {
    // base = (1/γ)ln(1 + γ/k) = 10 × ln(1.0666…) = 0.6453852113757117
    // (1 + γ/k)^(1 + k/γ) = 1.0666…^16 = 2.8084039655764466
    // c = sqrt(σ²γ / (2kA) × 2.8084…) = sqrt(0.4 / 420 × 2.8084…) = 0.051717216121965996
    const p = { gamma: 0.1, k: 1.5, A: 140, sigma: 2 };
    const flat = glftDepths(0, p);
    expect(flat.base).toBeCloseTo(0.6453852113757117, 12);
    expect(flat.c).toBeCloseTo(0.051717216121965996, 12);
    // q = 0: both depths base + c/2 = 0.6712438194366946
    expect(flat.bidDepth).toBeCloseTo(0.6712438194366946, 12);
    expect(flat.askDepth).toBeCloseTo(0.6712438194366946, 12);
    // q = 3: bid base + 3.5c = 0.8263954678025927, ask base − 2.5c = 0.5160921710707967
    const long = glftDepths(3, p);
    expect(long.bidDepth).toBeCloseTo(0.8263954678025927, 12);
    expect(long.askDepth).toBeCloseTo(0.5160921710707967, 12);
    // q = −2: bid base − 1.5c = 0.5678093871927627, ask base + 2.5c = 0.7746782516806267
    const short = glftDepths(-2, p);
    expect(short.bidDepth).toBeCloseTo(0.5678093871927627, 12);
    expect(short.askDepth).toBeCloseTo(0.7746782516806267, 12);
  });

  it('matches hand-computed values (γ = 1): base = ln(1 + 1/1.5) = 0.5108256237659906, c = 0.18480609377019477', () => {
    const d = glftDepths(1, { gamma: 1, k: 1.5, A: 140, sigma: 2 });
    expect(d.base).toBeCloseTo(0.5108256237659906, 12);
    expect(d.c).toBeCloseTo(0.18480609377019477, 12);
    expect(d.bidDepth).toBeCloseTo(0.5108256237659906 + 1.5 * 0.18480609377019477, 12);
    expect(d.askDepth).toBeCloseTo(0.5108256237659906 - 0.5 * 0.18480609377019477, 12);
  });
});

describe('glft strategy in the AS market', () => {
  const raw = JSON.parse(readFileSync('scenarios/avellaneda-stoikov-2008.json', 'utf8')) as unknown;
  function glftScenario(seed: number) {
    const copy = structuredClone(raw) as Record<string, unknown>;
    copy.strategy = { name: 'glft', gamma: 0.1, k: 1.5, A: 140, sigma: 2, size: 1, requoteMs: 1000, maxInventory: 3 };
    applyOverride(copy, `seed=${seed}`);
    return parseScenario(copy, 'glft');
  }

  it('posts the closed-form quotes at t = 0 and never goes beyond maxInventory; deterministic', async () => {
    const run = await runScenario(glftScenario(2), '.');
    const { quotePath, fills } = run.result;
    // mid 100.005, q = 0: 100.005 ∓ 0.6712438 → 99.3337562 → 99.33, 100.6762438 → 100.68
    const first = [...Array(quotePath.length).keys()].find(
      (i) => Number.isFinite(quotePath.values[0][i]) && Number.isFinite(quotePath.values[1][i]),
    )!;
    expect([quotePath.values[0][first], quotePath.values[1][first]]).toEqual([9933, 10068]);
    expect(fills.length).toBeGreaterThan(20);
    expect(Math.max(...fills.map((f) => Math.abs(f.positionAfter)))).toBeLessThanOrEqual(3);
    const again = await runScenario(glftScenario(2), '.');
    expect(again.result.fills).toEqual(fills);
  });
});

describe('SigmaEstimator (GLFT online σ, off by default)', () => {
  it('σ² = Σ(Δmid)² / Σ(Δt) in time units, over a rolling window', () => {
    const e = new SigmaEstimator(10_000, 200_000); // 10 s window, time unit 200 s
    e.add(0, 100);
    e.add(1000, 100.2);
    e.add(2000, 100);
    // (0.04 + 0.04) / (2 s / 200 s) = 8 → σ = 2.8284271247461903
    expect(e.samples).toBe(2);
    expect(e.sigma()).toBeCloseTo(2.8284271247461903, 9);
    e.add(11_500, 100.1); // the samples at 0 and 1000 ms leave the 10 s window
    expect(e.samples).toBe(1);
    expect(e.sigma()).toBeCloseTo(Math.sqrt(0.01 / (9.5 / 200)), 9);
  });

  it('recovers the AS market σ = 2 from the displayed mid sampled every dt', async () => {
    const raw = JSON.parse(readFileSync('scenarios/avellaneda-stoikov-2008.json', 'utf8')) as Record<string, unknown>;
    raw.durationSeconds = 2000; // 10 paper time units, 2000 steps
    const { data } = await openScenarioData(parseScenario(raw, 'as'));
    const book = new L2Book();
    const e = new SigmaEstimator(1e9, 200_000);
    for (const ev of collect(data.open)) {
      if (ev.kind === 'snapshot') book.applySnapshot(ev);
      else if (ev.kind === 'delta') {
        book.set(ev.side, ev.price, ev.size);
        if (ev.last) e.add(ev.exchTs / 1000, (book.bestBid + book.bestAsk) / 200);
      }
    }
    expect(e.samples).toBeGreaterThan(1900);
    expect(Math.abs(e.sigma() - 2)).toBeLessThan(0.05);
  });
});

describe('IntensityEstimator (GLFT online A and k, off by default)', () => {
  /** `count` trades at `depth`, all at time `atMs`. */
  function addMany(e: IntensityEstimator, count: number, depth: number, atMs: number): void {
    for (let j = 0; j < count; j++) e.add(atMs, depth);
  }

  it('counts trades reaching δ_i = (i + ½)·w, pools both sides, and fits ln λ = ln A − kδ (hand-computed)', () => {
    // w = 0.01, 4 buckets, 10 s window, time unit 2 s. Trades by the bucket their depth reaches:
    //   [0.005, 0.015): 80, [0.015, 0.025): 40, [0.025, 0.035): 20, ≥ 0.035: 20 (10 of them far deeper);
    //   and 30 that reach no quote (depth < 0.005, or printed on the near side of the mid).
    // N_i (trades of depth ≥ δ_i) = 160, 80, 40, 20: halving every bucket, so k = ln 2 / 0.01 = 69.31471805599453
    // and the line meets δ = 0 at 160·√2; over a span of 10 s / 2 s = 5 units, both sides: A = 160·√2 / (2·5).
    const e = new IntensityEstimator({ windowMs: 10_000, unitMs: 2_000, bucket: 0.01, buckets: 4 });
    e.start(0);
    addMany(e, 40, 0.005, 5_000); // exactly at δ_0: counts
    addMany(e, 40, 100.005 - 99.995, 5_000); // 0.00999999999999: decimal noise, still bucket 0
    addMany(e, 20, 1.015 - 1, 5_000); // 0.014999999999999902: a quote at 1.5 ticks is reached (epsilon)
    addMany(e, 20, 0.02, 5_000);
    addMany(e, 20, 0.03, 5_000);
    addMany(e, 10, 0.035, 5_000);
    addMany(e, 10, 5, 5_000); // beyond the last bucket: counts in every bucket
    addMany(e, 10, 0.004, 5_000);
    addMany(e, 10, 0, 5_000);
    addMany(e, 10, -0.02, 5_000);
    const fit = e.fit(10_000)!;
    expect(fit.trades).toBe(190);
    expect(fit.buckets).toBe(4);
    expect(fit.k).toBeCloseTo(Math.LN2 / 0.01, 9);
    expect(fit.A).toBeCloseTo((160 * Math.SQRT2) / 10, 9);
    // The same trades over a 4 s time unit: A doubles (per time unit), k is unchanged.
    const slow = new IntensityEstimator({ windowMs: 10_000, unitMs: 4_000, bucket: 0.01, buckets: 4 });
    slow.start(0);
    addMany(slow, 80, 0.01, 5_000);
    addMany(slow, 40, 0.02, 5_000);
    addMany(slow, 20, 0.03, 5_000);
    addMany(slow, 20, 0.04, 5_000);
    expect(slow.fit(10_000)!.A).toBeCloseTo((160 * Math.SQRT2) / 5, 9);
  });

  it('rates are over the time observed until the window is full, then over the rolling window', () => {
    const e = new IntensityEstimator({ windowMs: 10_000, unitMs: 1_000, bucket: 0.01, buckets: 3 });
    e.start(0);
    for (let t = 0; t < 2_000; t += 100) {
      e.add(t, 0.01);
      e.add(t, 0.01);
      e.add(t, 0.02);
      e.add(t, 0.04);
    }
    // N = 80, 40, 20 over 2 s observed (not the 10 s window): A = 80·√2 / (2·2)
    expect(e.fit(2_000)!.A).toBeCloseTo((80 * Math.SQRT2) / 4, 9);
    // at 11 s the window is [1 s, 11 s]: the trades before 1 s (half of them) have left
    expect(e.trades(11_000)).toBe(40);
    const later = e.fit(11_000)!;
    expect(later.trades).toBe(40);
    expect(later.A).toBeCloseTo((40 * Math.SQRT2) / 20, 9);
    expect(e.fit(13_000)).toBeNull(); // every trade has left
  });

  it(`fits only the buckets from δ_0 up to the first with fewer than ${MIN_BUCKET_TRADES} trades, and needs 3 of them`, () => {
    const e = new IntensityEstimator({ windowMs: 10_000, unitMs: 1_000, bucket: 1, buckets: 10 });
    e.start(0);
    addMany(e, 40, 0.5, 500);
    addMany(e, 20, 1.5, 500);
    addMany(e, 15, 2.5, 500); // N = 75, 35, 15, then 0 from bucket 3 on
    const fit = e.fit(1_000)!;
    expect(fit.buckets).toBe(3);
    const two = new IntensityEstimator({ windowMs: 10_000, unitMs: 1_000, bucket: 1, buckets: 10 });
    two.start(0);
    addMany(two, 40, 0.5, 500);
    addMany(two, 20, 1.5, 500);
    addMany(two, MIN_BUCKET_TRADES - 1, 2.5, 500); // the third bucket falls short
    expect(two.fit(1_000)).toBeNull();
    // a flat or rising intensity (k ≤ 0) is no fit either
    const flat = new IntensityEstimator({ windowMs: 10_000, unitMs: 1_000, bucket: 1, buckets: 3 });
    flat.start(0);
    addMany(flat, 30, 9, 500);
    expect(flat.fit(1_000)).toBeNull();
  });
});

describe('glft with online A and k in the AS market (true A = 140 per time unit, k = 1.5 per price unit)', () => {
  const raw = JSON.parse(readFileSync('scenarios/avellaneda-stoikov-2008.json', 'utf8')) as Record<string, unknown>;
  const base: GlftParams = {
    gamma: 0.1,
    k: 1.5,
    A: 140,
    sigma: 2,
    size: 1,
    requoteMs: 1000,
    maxInventory: 3,
    estimateSigma: false,
    estimationWindowSeconds: 600,
    minSamples: 30,
    timeUnitSeconds: 200,
    estimateIntensity: false,
    depthBuckets: 70,
    minTrades: 100,
  };

  it('is a scenario setting, off by default: estimateIntensity, depthBucket, depthBuckets (≥ 3), minTrades', () => {
    const withStrategy = (strategy: Record<string, unknown>) => {
      const copy = structuredClone(raw);
      copy.strategy = { name: 'glft', gamma: 0.1, k: 1.5, A: 140, sigma: 2, size: 1, maxInventory: 3, ...strategy };
      return parseScenario(copy, 'glft.json').strategy;
    };
    expect(withStrategy({})).toMatchObject({ estimateIntensity: false, depthBuckets: 70, minTrades: 100 });
    expect(withStrategy({}).depthBucket).toBeUndefined();
    expect(withStrategy({ estimateIntensity: true, depthBucket: 0.05, depthBuckets: 20, minTrades: 500 })).toMatchObject({
      estimateIntensity: true,
      depthBucket: 0.05,
      depthBuckets: 20,
      minTrades: 500,
    });
    expect(() => withStrategy({ depthBuckets: 2 })).toThrow(/glft\.json: strategy\.depthBuckets/);
  });

  it('starts from wrong A and k and converges to within 10 % of the true values; quotes follow', async () => {
    // 2000 s (10 time units) and an 1800 s window: about 2,500 trades. Over 8 seeds the end errors had a
    // standard deviation of about 3 % (A and k alike, largest 4.8 %), so 10 % is over 3 standard deviations.
    const trueSpread = glftDepths(0, { gamma: 0.1, k: 1.5, A: 140, sigma: 2 });
    for (const seed of [1, 2, 3]) {
      const copy = structuredClone(raw);
      copy.durationSeconds = 2000;
      copy.seed = seed;
      const cycles: GlftCycle[] = [];
      const strategy = glft({
        ...base,
        A: 40,
        k: 5,
        estimateIntensity: true,
        estimationWindowSeconds: 1800,
        minTrades: 200,
        onParameters: (cycle) => cycles.push(cycle),
      });
      const { result } = await backtestWith(copy, strategy);
      expect(cycles.length).toBeGreaterThan(1900);
      // before 200 trades (about 140 s) the parameters are in force; the fit takes over after that
      expect(cycles[0]).toMatchObject({ A: 40, k: 5 });
      const switched = cycles.findIndex((c) => c.A !== 40);
      expect(switched).toBeGreaterThan(100);
      expect(switched).toBeLessThan(250);
      const last = cycles[cycles.length - 1];
      expect(Math.abs(last.A / 140 - 1)).toBeLessThan(0.1);
      expect(Math.abs(last.k / 1.5 - 1)).toBeLessThan(0.1);
      // σ is never estimated here
      expect(cycles.every((c) => c.sigma === 2)).toBe(true);
      // The quoted full spread (δ_bid + δ_ask = 2·base + c whatever q) over the second half of the run is that
      // of the true parameters, 1.3425 price units, within 0.1 (the starting A = 40, k = 5 give 0.448).
      const { quotePath } = result;
      const half = quotePath.time[0] + 1000 * 1e6;
      const spreads: number[] = [];
      for (let i = 0; i < quotePath.length; i++) {
        const bid = quotePath.values[0][i];
        const ask = quotePath.values[1][i];
        if (quotePath.time[i] >= half && Number.isFinite(bid) && Number.isFinite(ask)) spreads.push((ask - bid) / 100);
      }
      spreads.sort((a, b) => a - b);
      const median = spreads[spreads.length >> 1];
      expect(Math.abs(median - (trueSpread.bidDepth + trueSpread.askDepth))).toBeLessThan(0.1);
    }
  });

  it("with estimation off (the default) the quotes and fills are today's: golden values and no subscriptions", async () => {
    // Recorded before online A and k existed (the same runs as the test above it in this file).
    const golden = [
      { seed: 2, entries: 644, bidCount: 395, bidSum: 3921264, askCount: 223, askSum: 2246223, fills: 87, signedPriceSum: 24742 },
      { seed: 5, entries: 635, bidCount: 385, bidSum: 3790872, askCount: 214, askSum: 2134710, fills: 86, signedPriceSum: 14265 },
    ];
    for (const expected of golden) {
      for (const strategyParams of [{}, { estimateIntensity: false }]) {
        const copy = structuredClone(raw);
        copy.strategy = {
          name: 'glft',
          gamma: 0.1,
          k: 1.5,
          A: 140,
          sigma: 2,
          size: 1,
          requoteMs: 1000,
          maxInventory: 3,
          ...strategyParams,
        };
        applyOverride(copy, `seed=${expected.seed}`);
        const { quotePath, fills } = (await runScenario(parseScenario(copy, 'glft'), '.')).result;
        let bidCount = 0;
        let bidSum = 0;
        let askCount = 0;
        let askSum = 0;
        for (let i = 0; i < quotePath.length; i++) {
          const [bid, ask] = [quotePath.values[0][i], quotePath.values[1][i]];
          if (Number.isFinite(bid)) (bidCount++, (bidSum += bid));
          if (Number.isFinite(ask)) (askCount++, (askSum += ask));
        }
        const signedPriceSum = fills.reduce((sum, f) => sum + (f.side === 'buy' ? f.price : -f.price), 0);
        expect({
          seed: expected.seed,
          entries: quotePath.length,
          bidCount,
          bidSum,
          askCount,
          askSum,
          fills: fills.length,
          signedPriceSum,
        }).toEqual(expected);
      }
    }
    // Off, the strategy never subscribes to trades or books; on, it subscribes to both.
    for (const on of [false, true]) {
      const subscribed: string[] = [];
      const venue = {
        getSnapshot: async () => ({ market: 'X', timestamp: 0, bestBid: 99.99, bestAsk: 100, mid: 99.995, bids: [], asks: [] }),
        getPosition: async () => 0,
        cancelAllOrders: async () => 0,
        placeOrder: async () => ({ id: '1', status: 'open' as const, filled: 0, remaining: 1 }),
        onTrade: () => subscribed.push('trade'),
        onBook: () => subscribed.push('book'),
      } as unknown as Venue;
      const context: StrategyContext = {
        venue,
        clock: { now: () => 0, sleep: async () => false },
        market: 'X',
        tickSize: 0.01,
        lotSize: 1,
        markets: [{ id: 'X', symbol: 'X', venue: 'venue', kind: 'spot', tickSize: 0.01, lotSize: 1, contractSize: 1 }],
        record: () => {},
      };
      await glft({ ...base, estimateIntensity: on })(context);
      expect(subscribed.sort()).toEqual(on ? ['book', 'trade'] : []);
    }
  });
});
