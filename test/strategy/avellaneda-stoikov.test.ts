import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeRun } from '../../src/analytics/summary.ts';
import { applyOverride, loadScenario, parseScenario } from '../../src/sim/scenario.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { avellanedaStoikovQuotes, placeableQuotes } from '../../src/strategy/avellaneda-stoikov.ts';
import { mean, sd } from '../data/synthetic/helpers.ts';

const SCENARIO = 'scenarios/avellaneda-stoikov-2008.json';
const base = JSON.parse(readFileSync(SCENARIO, 'utf8')) as unknown;

function paperScenario(overrides: string[]) {
  const raw = structuredClone(base);
  for (const o of overrides) applyOverride(raw, o);
  return parseScenario(raw, SCENARIO);
}

describe('avellanedaStoikovQuotes', () => {
  const p = { gamma: 0.1, k: 1.5, sigma: 2 };

  it('inventory: r = s − q·γσ²(T−t), spread γσ²(T−t) + (2/γ)ln(1 + γ/k)', () => {
    // γσ²(T−t) = 0.1 × 4 × 0.5 = 0.2; (2/γ)ln(1 + γ/k) = 20 × ln(1.0666…) = 1.2907704227514234
    // spread = 1.4907704227514234; r = 100 − 2 × 0.2 = 99.6; bid/ask = 99.6 ∓ 0.7453852113757117
    const q = avellanedaStoikovQuotes(100, 2, 0.5, { ...p, variant: 'inventory' });
    expect(q.spread).toBeCloseTo(1.4907704227514234, 12);
    expect(q.centre).toBeCloseTo(99.6, 12);
    expect(q.bid).toBeCloseTo(98.8546147886243, 12);
    expect(q.ask).toBeCloseTo(100.3453852113757, 12);
    // short inventory moves the reservation price up: q = −3 → r = 100.6
    expect(avellanedaStoikovQuotes(100, -3, 0.5, { ...p, variant: 'inventory' }).centre).toBeCloseTo(100.6, 12);
  });

  it('symmetric: the same spread centred on the mid, whatever the inventory', () => {
    const q = avellanedaStoikovQuotes(100, 2, 0.5, { ...p, variant: 'symmetric' });
    expect(q.spread).toBeCloseTo(1.4907704227514234, 12);
    expect(q.bid).toBeCloseTo(99.2546147886243, 12);
    expect(q.ask).toBeCloseTo(100.7453852113757, 12);
  });

  it('floors T − t at 0 after the horizon', () => {
    const q = avellanedaStoikovQuotes(100, 5, -0.3, { ...p, variant: 'inventory' });
    expect(q.centre).toBe(100);
    expect(q.spread).toBeCloseTo(1.2907704227514234, 12);
  });
});

describe('placeableQuotes', () => {
  it('rounds to the nearest tick and keeps each quote from crossing the book', () => {
    expect(placeableQuotes(99.154, 100.846, 100, 100.01, 0.01)).toEqual({ bid: 99.15, ask: 100.85 });
    // a skewed ask below the best bid is lifted to one tick above it; a bid above the ask is lowered
    expect(placeableQuotes(98.5, 99.2, 100, 100.01, 0.01)).toEqual({ bid: 98.5, ask: 100.01 });
    expect(placeableQuotes(100.7, 101.5, 100, 100.01, 0.01)).toEqual({ bid: 100, ask: 101.5 });
  });
});

describe('avellaneda-stoikov strategy in the 2008 scenario', () => {
  it('posts the paper quotes at t = 0 and reports pnl.total = cash + q·s_T, inventory.final and quotedSpread.mean', async () => {
    const scenario = await loadScenario(SCENARIO);
    const run = await runScenario(scenario, 'scenarios');
    const { result, units } = run;
    // t = 0, q = 0, mid 100.005: spread 0.4 + 1.2907704 = 1.6907704 → bid 99.1596 → 99.16, ask 100.8504 → 100.85
    const firstTwoSided = [...Array(result.quotePath.length).keys()].find(
      (i) => Number.isFinite(result.quotePath.values[0][i]) && Number.isFinite(result.quotePath.values[1][i]),
    )!;
    expect(result.quotePath.time[firstTwoSided]).toBe(result.startTs);
    expect([result.quotePath.values[0][firstTwoSided], result.quotePath.values[1][firstTwoSided]]).toEqual([9916, 10085]);

    const summary = analyzeRun(run).summary;
    let cash = 0;
    let q = 0;
    for (const f of result.fills) {
      const sign = f.side === 'buy' ? 1 : -1;
      cash -= sign * units.price(f.price) * f.size;
      q += sign * f.size;
    }
    const sT = result.finalMid2 / 2 / 100;
    expect(summary.pnl.total).toBeCloseTo(cash + q * sT, 9);
    expect(summary.inventory.final).toBe(q);
    expect(summary.fills.count).toBeGreaterThan(40);
    // time average of γσ²(T − t) + (2/γ)ln(1 + γ/k) over [0, 1]: 0.2 + 1.2907704 = 1.4907704 (rounding to ticks aside)
    expect(summary.quotedSpread.mean).toBeGreaterThan(1.47);
    expect(summary.quotedSpread.mean).toBeLessThan(1.51);
  });

  it('is deterministic under a fixed seed (fills byte for byte)', async () => {
    const a = await runScenario(paperScenario(['seed=5']), 'scenarios');
    const b = await runScenario(paperScenario(['seed=5']), 'scenarios');
    expect(b.result.fills).toEqual(a.result.fills);
    const c = await runScenario(paperScenario(['seed=6']), 'scenarios');
    expect(c.result.fills).not.toEqual(a.result.fills);
  });

  /**
   * The paper's Tables 1–3: across simulations, the inventory strategy's profit and final inventory vary
   * less than the symmetric strategy's, for γ = 0.1, 0.01 and 1. Same seeds (same market paths) for both.
   */
  const SEEDS = 48;
  for (const gamma of [0.1, 0.01, 1]) {
    it(`γ = ${gamma}: std of profit and of final inventory across ${SEEDS} seeds is smaller for the inventory strategy`, async () => {
      const stats: Record<string, { profit: number[]; q: number[] }> = {};
      for (const variant of ['inventory', 'symmetric']) {
        const profit: number[] = [];
        const q: number[] = [];
        for (let seed = 1; seed <= SEEDS; seed++) {
          const run = await runScenario(
            paperScenario([`strategy.gamma=${gamma}`, `strategy.variant=${variant}`, `seed=${seed}`]),
            'scenarios',
          );
          const { ledger, finalMid2 } = run.result;
          profit.push(run.units.money(ledger.equity(finalMid2)));
          q.push(ledger.position);
        }
        stats[variant] = { profit, q };
      }
      const { inventory, symmetric } = stats;
      expect(sd(inventory.profit)).toBeLessThan(sd(symmetric.profit));
      expect(sd(inventory.q)).toBeLessThan(sd(symmetric.q));
      // Both make money on average (the paper: 34–67 per run).
      expect(mean(inventory.profit)).toBeGreaterThan(20);
      expect(mean(symmetric.profit)).toBeGreaterThan(20);
    });
  }
});

describe("the paper's section-4 simulation as published: fillRule 'paper' and quotes sent without postOnly", () => {
  const asPublished = ['data.fillRule=paper', 'strategy.postOnly=false'];

  it('postOnly false: a quote on the wrong side of the mid crosses the book and fills at once as a taker, at the book’s price; by default none does', async () => {
    const published = await runScenario(paperScenario([...asPublished, 'strategy.gamma=1', 'seed=2']), 'scenarios');
    const taker = published.result.fills.filter((f) => f.liquidity === 'taker');
    expect(taker.length).toBeGreaterThan(3);
    expect(published.orders.every((o) => !o.postOnly)).toBe(true);
    const limitOf = new Map(published.orders.map((o) => [o.id, o.price]));
    for (const f of taker) {
      // filled at the far touch, at or better than the quote's own (crossing) price
      expect(f.side === 'buy' ? f.price <= limitOf.get(f.orderId)! : f.price >= limitOf.get(f.orderId)!).toBe(true);
      expect(f.exchTs).toBe(published.orders.find((o) => o.id === f.orderId)!.venueTs);
    }
    const venueRealistic = await runScenario(paperScenario(['data.fillRule=paper', 'strategy.gamma=1', 'seed=2']), 'scenarios');
    expect(venueRealistic.result.fills.filter((f) => f.liquidity === 'taker')).toEqual([]);
    expect(venueRealistic.result.rejects).toBe(0);
    expect(venueRealistic.orders.every((o) => o.postOnly)).toBe(true);
  });

  it('γ = 0.1: the paper’s rule fills more and earns about the paper’s Table 1 profit (62.94); the Poisson form about 10 % less', async () => {
    const meanProfit = async (overrides: string[]) => {
      const profit: number[] = [];
      for (let seed = 1; seed <= 48; seed++) {
        const run = await runScenario(paperScenario([...overrides, `seed=${seed}`]), 'scenarios');
        profit.push(run.units.money(run.result.ledger.equity(run.result.finalMid2)));
      }
      return mean(profit);
    };
    const published = await meanProfit(asPublished);
    const poisson = await meanProfit([]);
    expect(Math.abs(published - 62.94)).toBeLessThan(0.06 * 62.94);
    expect(poisson).toBeLessThan(0.95 * published);
  });
});
