import { describe, expect, it } from 'vitest';
import { decimalValue, MarketUnits } from '../../src/core/market.ts';

/** decimalValue as it was before its division fast path: always through its decimal text. */
function decimalValueThroughText(scaled: bigint, scale: number): number {
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(scale + 1, '0');
  return Number(`${negative ? '-' : ''}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`);
}

describe('decimalValue', () => {
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  const values = [
    0n,
    1n,
    -1n,
    5n,
    -5n,
    15n,
    25n,
    123456789n,
    -987654321n,
    999999999999n,
    119943n,
    10n ** 15n + 1n,
    limit,
    -limit,
    limit + 1n, // past 2^53: through the text
    -limit - 2n,
    10n ** 30n + 7n,
  ];
  it('gives the nearest double, as the decimal text parses, at every scale', () => {
    for (const scaled of values)
      for (let scale = 0; scale <= 25; scale++)
        expect(Object.is(decimalValue(scaled, scale), decimalValueThroughText(scaled, scale)), `${scaled}e-${scale}`).toBe(true);
  });

  it('agrees on halfway and near-halfway cases and on money from a day of fees', () => {
    const units = new MarketUnits({ symbol: 'BTCUSDT', tickSize: 0.1, lotSize: 0.001, makerFeeBps: 2, takerFeeBps: 5 });
    let x = 0x2545f4914f6cdd1dn;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      const scaled = (x >> BigInt(i % 40)) - (1n << BigInt(Math.max(0, 23 - (i % 40)))); // small and large, both signs
      const scale = i % 23;
      expect(decimalValue(scaled, scale)).toBe(decimalValueThroughText(scaled, scale));
      expect(units.money(scaled)).toBe(decimalValueThroughText(scaled * units.moneyMantissa, units.moneyScale));
    }
  });

  it('gives 0, never −0, for zero', () => {
    expect(Object.is(decimalValue(0n, 10), 0)).toBe(true);
    expect(Object.is(decimalValue(-0n, 0), 0)).toBe(true);
  });
});

describe('MarketUnits price and size', () => {
  /** A fixed pseudo-random sequence of whole counts of up to `bits` bits, both signs. */
  function counts(n: number): number[] {
    const out: number[] = [0, -0, 1, -1, 7, 2 ** 45 + 3, 2 ** 50 - 1, 2 ** 52, 1e15, 0.5, 1.5, -2.25, NaN, Infinity, -Infinity];
    let x = 12345;
    for (let k = 0; k < n; k++) {
      x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
      out.push(Math.floor((x / 2 ** 32) * 2 ** (1 + (k % 50))) * (k % 2 ? 1 : -1));
    }
    return out;
  }

  it('give exactly what rounding the product through its text gives, for exact and inexact steps', () => {
    for (const step of [0.1, 0.01, 0.25, 0.5, 1, 5, 0.001, 1e-8, 0.3, 0.07, 2.5, 0.0025, 1 / 3, 0.10000000005]) {
      const units = new MarketUnits({ symbol: 'X', tickSize: step, lotSize: step, makerFeeBps: 0, takerFeeBps: 0 });
      for (const count of counts(20_000)) {
        const throughText = Number((count * step).toFixed(units.priceDecimals));
        expect(Object.is(units.price(count), throughText), `price of ${count} ticks of ${step}`).toBe(true);
        expect(Object.is(units.size(count), throughText), `size of ${count} lots of ${step}`).toBe(true);
      }
    }
  });
});
