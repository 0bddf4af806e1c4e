import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import type { Trade } from '../../../src/core/events.ts';
import { openAvellanedaStoikov, type AvellanedaStoikovParams } from '../../../src/data/synthetic/avellaneda-stoikov.ts';
import { parseScenario } from '../../../src/sim/scenario.ts';
import type { Strategy } from '../../../src/strategy/api.ts';
import { roundToTick } from '../../../src/strategy/seed.ts';
import { backtestWith, collect, openScenarioData } from './helpers.ts';

const params: AvellanedaStoikovParams = {
  startMid: 10_000,
  stepUs: 1_000_000,
  stepTicks: 14.142,
  walk: 'binomial',
  ordersPerSecond: 0.7,
  kPerTick: 0.015,
  orderSize: 10,
  levels: 1,
  levelSize: 1,
  fillRule: 'poisson',
  feedLatencyUs: 0,
  startTs: 0,
  endTs: 2_000_000_000,
};

function scenario(data: Record<string, unknown> = {}, seed = 1) {
  return {
    name: 'as-market',
    seed,
    durationSeconds: 200,
    market: { symbol: 'AS', tickSize: 0.01, lotSize: 1 },
    data: {
      kind: 'synthetic',
      model: 'avellaneda-stoikov',
      timeUnitSeconds: 200,
      startPrice: 100,
      sigma: 2,
      dt: 0.005,
      A: 140,
      k: 1.5,
      orderSize: 10,
      levelSize: 1,
      ...data,
    },
    venue: { latency: { model: 'constant', entryMs: 0, responseMs: 0 } },
    strategy: { name: 'fixed-spread', spreadBps: 10, size: 1 },
  };
}

describe('avellaneda-stoikov market: rules', () => {
  it('is deterministic: two opens, and two sources built with the same seed, give identical events', () => {
    const open = openAvellanedaStoikov(params, () => new Rng('7').fork('market'));
    const a = collect(open);
    expect(a.length).toBeGreaterThan(2_000);
    expect(collect(open)).toEqual(a);
    expect(collect(openAvellanedaStoikov(params, () => new Rng('7').fork('market')))).toEqual(a);
    expect(collect(openAvellanedaStoikov(params, () => new Rng('8').fork('market')))).not.toEqual(a);
  });

  it('starts from a one-tick book around the mid, moves it once per step, and keeps times ordered', () => {
    const events = collect(openAvellanedaStoikov(params, () => new Rng('1')));
    expect(events[0]).toMatchObject({ kind: 'snapshot', bidPrices: [10_000], askPrices: [10_001], bidSizes: [1], askSizes: [1] });
    let last = 0;
    const stepTimes = new Set<number>();
    for (const e of events) {
      expect(e.exchTs).toBeGreaterThanOrEqual(last);
      expect(e.localTs).toBe(e.exchTs);
      last = e.exchTs;
      if (e.kind === 'delta') {
        expect(e.exchTs % params.stepUs).toBe(0);
        stepTimes.add(e.exchTs);
      }
    }
    // 2000 steps of ±14.142 ticks always move floor(s): one message per step, 4 deltas each.
    expect(stepTimes.size).toBe(2000);
    expect(events.filter((e) => e.kind === 'delta').length).toBe(8000);
  });

  it('prints market orders at rate A a side, with depth beyond the mid exponential of rate k', () => {
    const events = collect(openAvellanedaStoikov({ ...params, stepTicks: 0, startMid: 10_000.5 }, () => new Rng('2')));
    const trades = events.filter((e): e is Trade => e.kind === 'trade');
    const sells = trades.filter((t) => t.takerSide === 'sell');
    const buys = trades.filter((t) => t.takerSide === 'buy');
    const expected = params.ordersPerSecond * 2000; // 1400 a side
    for (const side of [sells, buys]) expect(Math.abs(side.length - expected)).toBeLessThan(4 * Math.sqrt(expected));
    // With the mid fixed at 10000.5 ticks, a sell prints at ceil(s − δ): its distance s − p lies in (δ − 1, δ].
    const depths = sells.map((t) => 10_000.5 - t.price);
    for (const t of trades) expect(t.size).toBe(10);
    const meanDepth = depths.reduce((a, b) => a + b, 0) / depths.length;
    // E[s − ceil(s − δ)] = E[δ] − E[frac] ≈ 1/k − 0.5 + …; the check allows for the rounding and 4 standard errors.
    const sdMean = 1 / params.kPerTick / Math.sqrt(depths.length);
    expect(Math.abs(meanDepth + 0.5 - 1 / params.kPerTick)).toBeLessThan(4 * sdMean);
  });

  it('maps the paper units through the scenario (dt, σ, A, k) and names bad sizes with their JSON path', async () => {
    const { data } = await openScenarioData(parseScenario(scenario(), 'test'));
    expect(data.endTs - data.startTs).toBe(200_000_000);
    const events = collect(data.open);
    const deltaTimes = new Set(events.filter((e) => e.kind === 'delta').map((e) => e.exchTs - data.startTs));
    expect([...deltaTimes].every((t) => t % 1_000_000 === 0)).toBe(true); // dt 0.005 × 200 s = 1 s
    await expect(async () => openScenarioData(parseScenario(scenario({ orderSize: 0.5 }), 'test'))).rejects.toThrow(/data\.orderSize: expected a positive whole number of lotSize/);
    expect(() => parseScenario(scenario({ extra: 1 }), 'f.json')).toThrow(/f\.json: data: unknown key\(s\) "extra"/);
  });
});

/**
 * The paper's fill model through the venue: a strategy that keeps a bid and an ask at a fixed distance δ
 * from the mid (re-posted every dt, both sides) is filled at intensity A·e^(−kδ) per time unit per side.
 * Exposure is measured per cycle: a quote is live from its post until its fill or the next cycle.
 */
async function measureIntensity(delta: number, data: Record<string, unknown>, seed: number) {
  const posts: number[] = [];
  const strategy: Strategy = async ({ venue, clock, market, tickSize }) => {
    do {
      const snap = await venue.getSnapshot(market, 1);
      await venue.cancelAllOrders(market);
      posts.push(clock.now() * 1000);
      await venue.placeOrder({ market, side: 'buy', size: 1, price: roundToTick(Math.min(snap.mid - delta, snap.bestBid), tickSize), postOnly: true });
      await venue.placeOrder({ market, side: 'sell', size: 1, price: roundToTick(Math.max(snap.mid + delta, snap.bestAsk), tickSize), postOnly: true });
    } while (await clock.sleep(50));
  };
  const raw = scenario({ timeUnitSeconds: 1, dt: 0.05, ...data }, seed);
  raw.durationSeconds = 40; // 40 time units, 800 cycles
  const { result } = await backtestWith(raw, strategy);
  let exposure = 0;
  let fills = 0;
  for (const side of ['buy', 'sell'] as const) {
    const fillTimes = result.fills.filter((f) => f.side === side).map((f) => f.exchTs);
    let next = 0;
    for (let i = 0; i < posts.length; i++) {
      const from = posts[i];
      const to = i + 1 < posts.length ? posts[i + 1] : result.endTs;
      while (next < fillTimes.length && fillTimes[next] < from) next++;
      if (next < fillTimes.length && fillTimes[next] < to) {
        exposure += fillTimes[next] - from;
        fills++;
        next++;
      } else exposure += to - from;
    }
  }
  expect(result.fills.every((f) => f.liquidity === 'maker' && f.size === 1)).toBe(true);
  return { fills, exposureUnits: exposure / 1e6 };
}

describe('avellaneda-stoikov market: fill intensity A·e^(−kδ) through the venue', () => {
  // σ = 0 holds the mid at 100.005 (10000.5 ticks, the displayed mid), so every quote sits exactly δ away.
  for (const delta of [0.005, 0.255, 0.505, 1.005, 2.005]) {
    it(`a quote ${delta} from the mid (σ = 0) is hit at A·e^(−k·${delta})`, async () => {
      const { fills, exposureUnits } = await measureIntensity(delta, { sigma: 0, startPrice: 100.005 }, 3);
      const expected = 140 * Math.exp(-1.5 * delta) * exposureUnits;
      expect(Math.abs(fills - expected)).toBeLessThan(4 * Math.sqrt(expected));
    });
  }

  it('holds with a moving mid (σ = 2) for quotes farther than one step', async () => {
    const delta = 1;
    const { fills, exposureUnits } = await measureIntensity(delta, {}, 4);
    const expected = 140 * Math.exp(-1.5 * delta) * exposureUnits;
    expect(Math.abs(fills - expected)).toBeLessThan(4 * Math.sqrt(expected));
  });
});

describe("avellaneda-stoikov market, fillRule 'paper': the paper's own λ(d)·dt per step, capped at 1", () => {
  // σ = 0 holds the mid at 10000.5 ticks; A·dt = 0.7 a step (0.7 orders a second, a step a second).
  const paper: AvellanedaStoikovParams = { ...params, stepTicks: 0, startMid: 10_000.5, fillRule: 'paper' };

  /** The share of steps whose sell print reaches a bid `d` ticks below the mid (a print at or below it). */
  function hitShare(p: AvellanedaStoikovParams, d: number): number {
    const bid = 10_000.5 - d;
    const events = collect(openAvellanedaStoikov(p, () => new Rng('9')));
    const steps = (p.endTs - p.startTs) / p.stepUs;
    const hit = new Set(events.filter((e): e is Trade => e.kind === 'trade' && e.takerSide === 'sell' && e.price <= bid).map((t) => t.exchTs));
    return hit.size / steps;
  }

  for (const d of [0.5, 10.5, 30.5]) {
    it(`a bid ${d} ticks below the mid is reached in a step with probability min(1, A·dt·e^(−k·d)), not 1 − e^(−λ·dt)`, () => {
      const lambdaDt = 0.7 * Math.exp(-params.kPerTick * d);
      const expected = Math.min(1, lambdaDt);
      const share = hitShare(paper, d);
      const se = Math.sqrt((expected * (1 - expected)) / 2000);
      expect(Math.abs(share - expected)).toBeLessThan(4 * se);
      // the Poisson form differs by more than that at every distance here
      expect(Math.abs(1 - Math.exp(-lambdaDt) - expected)).toBeGreaterThan(4 * se);
    });
  }

  it('one print a side at the end of each step, before the mid moves; none a resting order could not meet', () => {
    const moving: AvellanedaStoikovParams = { ...params, fillRule: 'paper' }; // one level a side
    const events = collect(openAvellanedaStoikov(moving, () => new Rng('3')));
    const best = { bid: NaN, ask: NaN };
    let lastBookTs = -1;
    const perStep = new Map<number, number>();
    for (const e of events) {
      if (e.kind === 'snapshot') [best.bid, best.ask, lastBookTs] = [e.bidPrices[0], e.askPrices[0], e.exchTs];
      if (e.kind === 'delta') {
        if (e.size > 0) best[e.side] = e.price;
        lastBookTs = e.exchTs;
      }
      if (e.kind !== 'trade') continue;
      expect(e.exchTs % moving.stepUs).toBe(0);
      expect(lastBookTs).toBeLessThan(e.exchTs); // printed before its step's book move
      // a sell below the best ask (a bid rests at most there − 1 tick), a buy above the best bid
      if (e.takerSide === 'sell') expect(e.price).toBeLessThan(best.ask);
      else expect(e.price).toBeGreaterThan(best.bid);
      perStep.set(e.exchTs, (perStep.get(e.exchTs) ?? 0) + 1);
    }
    expect(Math.max(...perStep.values())).toBe(2);
    expect(perStep.size).toBeGreaterThan(1000);
  });
});
