import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyOverride, parseScenario } from '../../src/sim/scenario.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { glftDepths, SigmaEstimator } from '../../src/strategy/glft.ts';
import { L2Book } from '../../src/book/l2-book.ts';
import { collect, openScenarioData } from '../data/synthetic/helpers.ts';

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
    const first = [...Array(quotePath.length).keys()].find((i) => Number.isFinite(quotePath.values[0][i]) && Number.isFinite(quotePath.values[1][i]))!;
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
