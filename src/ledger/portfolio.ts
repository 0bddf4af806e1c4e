import { decimalValue, type MarketUnits } from '../core/market.ts';
import type { Lots } from '../core/units.ts';

/**
 * The portfolio of a run over several markets: one Ledger per market (position, cash, fees, rebates and
 * funding in that market's micro tick-lots), added up exactly in one unit.
 *
 * Rules:
 * - Money: each market's amounts (micro tick-lots: 1e-6 × tick × lot × contract size of the quote currency)
 *   convert exactly to one common unit, 10^−scale of the quote currency, with `scale` the finest any market
 *   needs; sums there are exact, and printed once (`moneyValue`).
 * - Net delta: Σ position × lotSize × contractSize over the markets, in base units, exact in a common unit
 *   of 10^−sizeScale base units.
 * - A position's value moving with a mid: `deltaMoves` gives an exact delta (common base units) × a move of
 *   a market's mid (best bid + best ask, ticks) in the common money unit.
 * Known limits: every market is taken to settle in one quote currency (no conversion between, say, USDT
 *   and USDC), and contracts are linear (value = size × contract size × price).
 */
export class PortfolioUnits {
  /** The common money unit is 10^−scale of the quote currency. */
  readonly scale: number;
  /** The common delta unit is 10^−sizeScale base units. */
  readonly sizeScale: number;
  private readonly moneyFactor: bigint[];
  private readonly deltaFactor: bigint[];
  private readonly tickFactor: bigint[];

  constructor(readonly markets: readonly MarketUnits[]) {
    const contractDecimals = (u: MarketUnits): number => u.moneyScale - u.priceDecimals - u.sizeDecimals - 6;
    this.sizeScale = Math.max(...markets.map((u) => u.sizeDecimals + contractDecimals(u)));
    // one more decimal than a delta × half-tick needs, so halving a mid2 move stays whole
    this.scale = Math.max(...markets.map((u) => Math.max(u.moneyScale, this.sizeScale + u.priceDecimals + 1)));
    this.moneyFactor = markets.map((u) => u.moneyMantissa * 10n ** BigInt(this.scale - u.moneyScale));
    this.deltaFactor = markets.map((u) => {
      const lotMantissa = BigInt(Math.round(u.spec.lotSize * 10 ** u.sizeDecimals));
      const contractMantissa = BigInt(Math.round(u.contractSize * 10 ** contractDecimals(u)));
      return lotMantissa * contractMantissa * 10n ** BigInt(this.sizeScale - u.sizeDecimals - contractDecimals(u));
    });
    this.tickFactor = markets.map(
      (u) => BigInt(Math.round(u.spec.tickSize * 10 ** u.priceDecimals)) * 10n ** BigInt(this.scale - this.sizeScale - u.priceDecimals),
    );
  }

  /** Market `index`'s amount in micro tick-lots, in the common money unit. */
  money(index: number, microTickLots: bigint): bigint {
    return microTickLots * this.moneyFactor[index];
  }

  /** A common money amount in the quote currency (the nearest double). */
  moneyValue(common: bigint): number {
    return decimalValue(common, this.scale);
  }

  /** Market `index`'s position in lots as base units, in the common delta unit. */
  delta(index: number, lots: Lots): bigint {
    return BigInt(lots) * this.deltaFactor[index];
  }

  /** A common delta in base units (the nearest double). */
  deltaValue(common: bigint): number {
    return decimalValue(common, this.sizeScale);
  }

  /** What a delta (common unit) earns when market `index`'s mid moves by `mid2Move` (best bid + best ask, ticks), common money. */
  deltaMoves(delta: bigint, index: number, mid2Move: number): bigint {
    return (delta * BigInt(mid2Move) * this.tickFactor[index]) / 2n;
  }
}
