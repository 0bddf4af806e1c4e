import type { Lots, Side, Ticks } from '../core/units.ts';
import { sideSign } from '../core/units.ts';

/**
 * The account of one market: position, cash, fees, rebates and funding, PnL marked to the mid.
 *
 * Rules:
 * - Money is held exactly, as BigInt micro tick-lots (µTL: 1e-6 × one tick × one lot), so repeated
 *   additions never drift. A fill of `size` lots at `price` ticks moves cash by ∓ price × size × 1e6 µTL.
 * - Fees and rebates are kept apart from cash: `feesPaid` sums positive fees, `rebatesEarned` sums negative
 *   ones (as positive amounts). `funding` sums the perpetual funding payments credited (negative: paid;
 *   exact amounts, src/data/funding.ts). Equity = cash − feesPaid + rebatesEarned + funding + position × mid.
 * - The mid is passed as twice its value in ticks (best bid + best ask), so a half-tick mid stays exact.
 * - Average entry price follows the usual rule: adding to a position averages the entry; reducing keeps
 *   it; flipping through zero starts a new entry at the fill price.
 * - Amounts are in micro tick-lots of this market (times its contract size: market.ts); a run of several
 *   markets keeps one ledger per market and adds them up in one unit (portfolio.ts).
 * Known limits: one market, one quote currency; no borrow costs or margin.
 */
export const MICRO = 1_000_000n;

export class Ledger {
  position: Lots = 0;
  cash = 0n;
  feesPaid = 0n;
  rebatesEarned = 0n;
  funding = 0n;
  averageEntry: Ticks = NaN;
  buys = 0;
  sells = 0;
  maxAbsPosition: Lots = 0;

  /** Books one fill; `fee` is in µTL, positive paid, negative earned. */
  applyFill(side: Side, price: Ticks, size: Lots, fee: bigint): void {
    const sign = sideSign(side);
    this.updateAverageEntry(sign * size, price);
    this.position += sign * size;
    this.cash -= BigInt(sign) * BigInt(price) * BigInt(size) * MICRO;
    if (fee >= 0n) this.feesPaid += fee;
    else this.rebatesEarned -= fee;
    if (side === 'buy') this.buys++;
    else this.sells++;
    this.maxAbsPosition = Math.max(this.maxAbsPosition, Math.abs(this.position));
  }

  /** Books a funding payment credited to the account, µTL (negative: paid). */
  applyFunding(amount: bigint): void {
    this.funding += amount;
  }

  /** Value of the position at the mid, in µTL; `mid2` is best bid + best ask in ticks. */
  positionValue(mid2: number): bigint {
    return (BigInt(this.position) * BigInt(mid2) * MICRO) / 2n;
  }

  /** Cash plus position at the mid, net of fees, rebates and funding, in µTL. */
  equity(mid2: number): bigint {
    return this.cash - this.feesPaid + this.rebatesEarned + this.funding + this.positionValue(mid2);
  }

  private updateAverageEntry(signedSize: Lots, price: Ticks): void {
    const next = this.position + signedSize;
    if (this.position === 0 || Math.sign(next) !== Math.sign(this.position)) {
      this.averageEntry = next === 0 ? NaN : price;
    } else if (Math.abs(next) > Math.abs(this.position)) {
      this.averageEntry = (this.averageEntry * this.position + price * signedSize) / next;
    }
  }
}
