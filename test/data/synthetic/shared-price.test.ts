import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mean, sampleCorrelation, sampleStandardDeviation } from 'simple-statistics';
import { Rng } from '../../../src/core/rng.ts';
import { sharedPriceMid, type SharedPriceSettings } from '../../../src/data/synthetic/shared-price.ts';
import { runScenario } from '../../../src/sim/run-scenario.ts';
import { loadScenario } from '../../../src/sim/scenario.ts';

const SETTINGS: SharedPriceSettings = {
  seed: '7',
  start: '2024-01-01T00:00:00Z',
  startPrice: 100,
  volatility: 0.05,
  stepMs: 100,
  basis: { meanBps: 0, sdBps: 0, halfLifeSeconds: 60 },
  noiseBps: 0,
  tickSize: 0.01,
};

const path = (settings: SharedPriceSettings, market: string, n: number): number[] => {
  const mid = sharedPriceMid(settings, new Rng('7').fork(market));
  return Array.from({ length: n }, () => mid.next());
};

describe('the shared-price model', () => {
  it('markets giving the same price settings share one efficient price; other settings draw another', () => {
    expect(path(SETTINGS, 'market', 1000)).toEqual(path(SETTINGS, 'market/perp', 1000));
    // a premium of 3 bps and no noise: the same path times 1.0003
    const premium = path({ ...SETTINGS, basis: { ...SETTINGS.basis, meanBps: 3 } }, 'market/perp', 1000);
    path(SETTINGS, 'market', 1000).forEach((p, i) => expect(premium[i]).toBeCloseTo(p * 1.0003, 9));
    expect(path({ ...SETTINGS, volatility: 0.06 }, 'market', 50)).not.toEqual(path(SETTINGS, 'market', 50));
    expect(path(SETTINGS, 'market', 1)).toEqual([100 / 0.01]); // the start
  });

  it('the basis is an Ornstein-Uhlenbeck process: mean, stationary sd and half-life as set', () => {
    const n = 200_000;
    const basis = { meanBps: 3, sdBps: 2, halfLifeSeconds: 10 };
    const plain = path(SETTINGS, 'market', n);
    const perp = path({ ...SETTINGS, basis }, 'market/perp', n);
    const bps = perp.map((p, i) => (p / plain[i] - 1) * 10_000);
    expect(mean(bps)).toBeCloseTo(3, 0);
    expect(sampleStandardDeviation(bps)).toBeGreaterThan(1.8);
    expect(sampleStandardDeviation(bps)).toBeLessThan(2.2);
    // lag-1 autocorrelation 2^(-0.1 s / 10 s)
    const lagged = sampleCorrelation(bps.slice(1), bps.slice(0, -1));
    expect(lagged).toBeCloseTo(2 ** -0.01, 2);
  });

  it('noise is independent per step, of the given size', () => {
    const n = 50_000;
    const plain = path(SETTINGS, 'market', n);
    const noisy = path({ ...SETTINGS, noiseBps: 1 }, 'market/x', n);
    const bps = noisy.map((p, i) => (p / plain[i] - 1) * 10_000);
    expect(sampleStandardDeviation(bps)).toBeCloseTo(1, 1);
    expect(Math.abs(sampleCorrelation(bps.slice(1), bps.slice(0, -1)))).toBeLessThan(0.02);
  });

  it('in a run, the spot and perpetual mids move together around a premium', async () => {
    const scenarios = join(import.meta.dirname, '../../../scenarios');
    const run = await runScenario(await loadScenario(join(scenarios, 'spot-perp-demo.json'), ['durationSeconds=900', 'strategy.hedgeMode=off']), scenarios);
    const [spot, perp] = run.markets.map((m) => m.result.midPath);
    const times = Array.from({ length: 89 }, (_, i) => run.result.startTs + (i + 1) * 10e6);
    const at = (p: typeof spot, t: number): number => p.values[0][p.indexAt(t)] / 2;
    const moves = (p: typeof spot): number[] => times.slice(1).map((t, i) => at(p, t) - at(p, times[i]));
    expect(sampleCorrelation(moves(spot), moves(perp))).toBeGreaterThan(0.8);
    const premium = mean(times.map((t) => (at(perp, t) / at(spot, t) - 1) * 10_000));
    expect(premium).toBeGreaterThan(0);
    expect(premium).toBeLessThan(8);
  });
});
