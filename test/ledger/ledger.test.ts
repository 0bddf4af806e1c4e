import { describe, expect, it } from 'vitest';
import { SpreadlabError } from '../../src/core/errors.ts';
import { decimalsOf, MarketUnits, type MarketSpec } from '../../src/core/market.ts';
import { Ledger, MICRO } from '../../src/ledger/ledger.ts';

/** One tick × one lot = 1e6 µTL. */
const TL = MICRO;

describe('Ledger: cash, position, fees', () => {
  it('moves cash by ∓ price × size × 1e6 µTL and the position by ± size', () => {
    const l = new Ledger();
    // buy 3 lots at 10 000 ticks: cash = −3 × 10 000 × 1e6 = −30 000 000 000 µTL
    l.applyFill('buy', 10_000, 3, 0n);
    expect(l.position).toBe(3);
    expect(l.cash).toBe(-30_000_000_000n);
    // sell 1 lot at 10 010 ticks: cash = −30e9 + 10 010e6 = −19 990 000 000 µTL
    l.applyFill('sell', 10_010, 1, 0n);
    expect(l.position).toBe(2);
    expect(l.cash).toBe(-19_990_000_000n);
    expect(l.buys).toBe(1);
    expect(l.sells).toBe(1);
  });

  it('keeps fees paid (positive) apart from rebates earned (negative fee, stored positive)', () => {
    const l = new Ledger();
    l.applyFill('buy', 100, 1, -60n); // rebate 60 µTL
    l.applyFill('sell', 101, 1, 50n); // fee 50 µTL
    l.applyFill('buy', 100, 1, -15n); // rebate 15 µTL
    l.applyFill('sell', 100, 1, 0n); // zero fee: neither
    expect(l.feesPaid).toBe(50n);
    expect(l.rebatesEarned).toBe(75n); // 60 + 15
    // cash is not touched by fees: −100 + 101 − 100 + 100 = +1 tick-lot = 1e6 µTL
    expect(l.cash).toBe(1n * TL);
    // flat, so equity = cash − fees + rebates = 1 000 000 − 50 + 75 = 1 000 025 µTL (mid irrelevant)
    expect(l.equity(999)).toBe(1_000_025n);
  });

  it('marks the position to a half-tick mid exactly (mid2 = bid + ask)', () => {
    const l = new Ledger();
    l.applyFill('buy', 10_000, 3, -60n);
    l.applyFill('sell', 10_010, 1, 50n);
    // position 2, bid 10 005 / ask 10 006 → mid2 = 20 011, mid = 10 005.5 ticks
    // positionValue = 2 × 10 005.5 × 1e6 = 20 011 000 000 µTL
    expect(l.positionValue(20_011)).toBe(20_011_000_000n);
    // equity = −19 990 000 000 − 50 + 60 + 20 011 000 000 = 21 000 010 µTL
    expect(l.equity(20_011)).toBe(21_000_010n);

    const odd = new Ledger();
    odd.applyFill('buy', 10_000, 1, 0n);
    // one lot at 10 005.5 ticks = 10 005 500 000 µTL: the half tick is not truncated
    expect(odd.positionValue(20_011)).toBe(10_005_500_000n);
    // equity = −10 000e6 + 10 005.5e6 = 5 500 000 µTL
    expect(odd.equity(20_011)).toBe(5_500_000n);
  });

  it('marks a short position negative', () => {
    const l = new Ledger();
    l.applyFill('sell', 100, 2, 0n); // cash +200e6
    expect(l.position).toBe(-2);
    expect(l.cash).toBe(200n * TL);
    // mid 101 (mid2 202): value = −2 × 101e6 = −202e6; equity = 200e6 − 202e6 = −2e6
    expect(l.positionValue(202)).toBe(-202n * TL);
    expect(l.equity(202)).toBe(-2n * TL);
    // mid 99.5 (mid2 199): value = −2 × 99.5e6 = −199e6; equity = +1e6
    expect(l.equity(199)).toBe(1n * TL);
  });
});

describe('Ledger: average entry, max |position|, counts', () => {
  it('is NaN before any fill', () => {
    expect(new Ledger().averageEntry).toBeNaN();
  });

  it('averages when adding, keeps when reducing, restarts on a flip, NaN when flat', () => {
    const l = new Ledger();
    l.applyFill('buy', 100, 2, 0n); // +2 @ 100
    expect(l.averageEntry).toBe(100);
    l.applyFill('buy', 103, 1, 0n); // +3: (2 × 100 + 1 × 103) / 3 = 101
    expect(l.averageEntry).toBe(101);
    l.applyFill('sell', 110, 1, 0n); // reduce to +2: keeps 101
    expect(l.position).toBe(2);
    expect(l.averageEntry).toBe(101);
    l.applyFill('sell', 105, 6, 0n); // +2 → −4: flip, new entry at 105
    expect(l.position).toBe(-4);
    expect(l.averageEntry).toBe(105);
    l.applyFill('sell', 99, 2, 0n); // add to short: (−4 × 105 + −2 × 99) / −6 = 618 / 6 = 103
    expect(l.position).toBe(-6);
    expect(l.averageEntry).toBe(103);
    l.applyFill('buy', 104, 1, 0n); // reduce short to −5: keeps 103
    expect(l.averageEntry).toBe(103);
    l.applyFill('buy', 90, 5, 0n); // −5 → 0: flat
    expect(l.position).toBe(0);
    expect(l.averageEntry).toBeNaN();
    l.applyFill('sell', 95, 1, 0n); // from flat: a new entry at the fill price
    expect(l.averageEntry).toBe(95);

    // path of the position: 2, 3, 2, −4, −6, −5, 0, −1 → max |position| 6
    expect(l.maxAbsPosition).toBe(6);
    expect(l.buys).toBe(4);
    expect(l.sells).toBe(4);
    // cash in tick-lots: −200 − 103 + 110 + 630 + 198 − 104 − 450 + 95 = 176
    expect(l.cash).toBe(176n * TL);
  });

  it('maxAbsPosition counts the short side too, and never shrinks', () => {
    const l = new Ledger();
    l.applyFill('buy', 100, 3, 0n);
    l.applyFill('sell', 100, 10, 0n); // −7
    l.applyFill('buy', 100, 7, 0n); // 0
    expect(l.position).toBe(0);
    expect(l.maxAbsPosition).toBe(7);
  });
});

const spec = (tickSize: number, lotSize: number): MarketSpec => ({ symbol: 'T', tickSize, lotSize, makerFeeBps: 0, takerFeeBps: 0 });

describe('MarketUnits', () => {
  it('decimalsOf gives the decimals a step needs', () => {
    expect(decimalsOf(1)).toBe(0);
    expect(decimalsOf(0.1)).toBe(1);
    expect(decimalsOf(0.01)).toBe(2);
    expect(decimalsOf(0.25)).toBe(2);
    expect(decimalsOf(2.5)).toBe(1);
    expect(decimalsOf(0.00001)).toBe(5);
  });

  it('money() converts µTL to quote currency exactly', () => {
    const u = new MarketUnits(spec(0.01, 0.001));
    // one tick-lot = 0.01 × 0.001 = 1e-5; 1 µTL = 1e-11
    expect(u.money(1n)).toBe(1e-11);
    expect(u.money(0n)).toBe(0);
    expect(u.money(-1n)).toBe(-1e-11);
    // −123 456 789 µTL × 1e-11 = −0.00123456789
    expect(u.money(-123_456_789n)).toBe(-0.00123456789);
    // 1 tick-lot = 1e6 µTL = 0.00001
    expect(u.money(1_000_000n)).toBe(0.00001);
    // 10 001 ticks × 3 lots = 30 003 tick-lots = 0.30003
    expect(u.money(30_003_000_000n)).toBe(0.30003);
    // −30 000 tick-lots = −0.3
    expect(u.money(-30_000_000_000n)).toBe(-0.3);

    // tick 0.1, lot 1: 3 tick-lots = 0.3 exactly (naive 3 × 0.1 = 0.30000000000000004)
    expect(3 * 0.1).not.toBe(0.3);
    expect(new MarketUnits(spec(0.1, 1)).money(3_000_000n)).toBe(0.3);
    // tick 0.5, lot 0.25: 1 tick-lot = 0.125; 7 tick-lots = 0.875; −1 µTL = −1.25e-7
    const q = new MarketUnits(spec(0.5, 0.25));
    expect(q.money(1_000_000n)).toBe(0.125);
    expect(q.money(7_000_000n)).toBe(0.875);
    expect(q.money(-1n)).toBe(-1.25e-7);
  });

  it('toTicks/toLots accept whole multiples, including float-noisy ones', () => {
    const u = new MarketUnits(spec(0.01, 0.001));
    expect(u.toTicks(100.01)).toBe(10_001);
    expect(u.toTicks(0.1 + 0.2)).toBe(30); // 0.30000000000000004 is 30 ticks
    expect(u.toTicks(-5)).toBe(-500);
    expect(u.toLots(0.3)).toBe(300); // 0.3 / 0.001 = 299.99999999999994
    expect(u.toLots(0.01)).toBe(10);
  });

  it('toTicks/toLots refuse non-multiples with a SpreadlabError naming value and step', () => {
    const u = new MarketUnits(spec(0.01, 0.001));
    expect(() => u.toTicks(100.005)).toThrow(SpreadlabError);
    expect(() => u.toTicks(100.005)).toThrow('price 100.005 is not a whole number of tickSize (0.01)');
    expect(() => u.toLots(0.0015)).toThrow(SpreadlabError);
    expect(() => u.toLots(0.0015)).toThrow('size 0.0015 is not a whole number of lotSize (0.001)');
    expect(() => u.toTicks(Number.NaN)).toThrow(SpreadlabError);
    expect(() => u.toTicks(Number.POSITIVE_INFINITY)).toThrow(SpreadlabError);
    const q = new MarketUnits(spec(0.25, 1));
    expect(q.toTicks(100.25)).toBe(401);
    expect(() => q.toTicks(100.3)).toThrow(SpreadlabError);
  });

  it('price()/formatPrice()/size()/formatSize() print without float noise', () => {
    const u = new MarketUnits(spec(0.1, 0.001));
    expect(600_001 * 0.1).not.toBe(60000.1); // 60000.100000000006
    expect(u.price(600_001)).toBe(60000.1);
    expect(u.formatPrice(600_001)).toBe('60000.1');
    expect(u.formatPrice(600_000)).toBe('60000.0');
    expect(u.formatPrice(-3)).toBe('-0.3');
    expect(u.size(300)).toBe(0.3);
    expect(u.formatSize(10)).toBe('0.010');
    expect(u.formatSize(0)).toBe('0.000');
    const c = new MarketUnits(spec(0.01, 0.001));
    expect(c.formatPrice(10_001)).toBe('100.01');
    expect(c.price(9_993)).toBe(99.93);
    const q = new MarketUnits(spec(0.25, 1));
    expect(q.formatPrice(401)).toBe('100.25');
    expect(q.roundToTick(100.3)).toBe(401); // 100.3 / 0.25 = 401.2 → 401
  });
});
