import type { BookSide, BookSnapshot } from '../data/events.ts';
import type { Lots, Ticks } from '../core/units.ts';

/**
 * L2 order book indexed by price tick.
 *
 * Rules:
 * - Sizes live in two Float64Arrays (bids, asks) over one window of ticks [base, base + capacity); a level's
 *   size is the absolute displayed size in lots; 0 means no level. Setting a size of 0 deletes the level.
 * - An update never allocates, except when a price falls outside the window: the window then grows (doubling)
 *   to cover it, so memory is 16 bytes per tick of the price range seen.
 * - `applySnapshot` clears the book and loads the snapshot's levels: a snapshot always resets.
 * - Best bid is the highest bid price with a size, best ask the lowest ask price; an empty side reports
 *   NaN. Removing the best level scans towards worse prices for the next one.
 * - Inside one exchange message the book may be crossed for a moment; `checkInvariants` is meant to be
 *   called only after a complete message and reports a crossed book (best bid ≥ best ask) or a level
 *   count that disagrees with the arrays.
 * Known limits: no per-order information (L2 only); negative sizes are refused by `checkInvariants`, not
 * by `set` (the readers validate sizes before they reach the book).
 */
export class L2Book {
  private bids: Float64Array;
  private asks: Float64Array;
  private base = 0;
  private bestBidTick = NaN;
  private bestAskTick = NaN;
  private bidLevels = 0;
  private askLevels = 0;
  // The lowest and highest indices ever written since the last clear, so a reset clears only what was used.
  private lowIndex = Infinity;
  private highIndex = -Infinity;

  constructor(initialCapacity = 1 << 12) {
    // At least one slot: `grow` doubles the capacity, which never leaves 0.
    const capacity = Math.max(1, initialCapacity);
    this.bids = new Float64Array(capacity);
    this.asks = new Float64Array(capacity);
  }

  get bestBid(): Ticks {
    return this.bestBidTick;
  }

  get bestAsk(): Ticks {
    return this.bestAskTick;
  }

  /** Levels with a size on each side. */
  get levelCount(): { bids: number; asks: number } {
    return { bids: this.bidLevels, asks: this.askLevels };
  }

  sizeAt(side: BookSide, price: Ticks): Lots {
    const index = price - this.base;
    if (index < 0 || index >= this.bids.length) return 0;
    return side === 'bid' ? this.bids[index] : this.asks[index];
  }

  bestBidSize(): Lots {
    return Number.isNaN(this.bestBidTick) ? 0 : this.bids[this.bestBidTick - this.base];
  }

  bestAskSize(): Lots {
    return Number.isNaN(this.bestAskTick) ? 0 : this.asks[this.bestAskTick - this.base];
  }

  /** Sets the absolute size at a price; 0 deletes the level. */
  set(side: BookSide, price: Ticks, size: Lots): void {
    if (this.isEmpty()) this.recentre(price);
    let index = price - this.base;
    if (index < 0 || index >= this.bids.length) {
      if (size === 0) return;
      this.grow(price);
      index = price - this.base;
    }
    if (side === 'bid') this.setBid(index, price, size);
    else this.setAsk(index, price, size);
  }

  clear(): void {
    if (this.lowIndex <= this.highIndex) {
      this.bids.fill(0, this.lowIndex, this.highIndex + 1);
      this.asks.fill(0, this.lowIndex, this.highIndex + 1);
    }
    this.lowIndex = Infinity;
    this.highIndex = -Infinity;
    this.bestBidTick = NaN;
    this.bestAskTick = NaN;
    this.bidLevels = 0;
    this.askLevels = 0;
  }

  applySnapshot(snapshot: BookSnapshot): void {
    this.clear();
    for (let i = 0; i < snapshot.bidPrices.length; i++) this.set('bid', snapshot.bidPrices[i], snapshot.bidSizes[i]);
    for (let i = 0; i < snapshot.askPrices.length; i++) this.set('ask', snapshot.askPrices[i], snapshot.askSizes[i]);
  }

  /**
   * Writes up to `prices.length` levels of one side, best first, into the given arrays; returns how many.
   * The caller owns the arrays, so repeated calls do not allocate.
   */
  topLevels(side: BookSide, prices: Ticks[] | Float64Array, sizes: Lots[] | Float64Array): number {
    const wanted = prices.length;
    let count = 0;
    if (side === 'bid') {
      if (Number.isNaN(this.bestBidTick)) return 0;
      for (let i = this.bestBidTick - this.base; i >= this.lowIndex && count < wanted; i--) {
        if (this.bids[i] > 0) {
          prices[count] = i + this.base;
          sizes[count++] = this.bids[i];
        }
      }
    } else {
      if (Number.isNaN(this.bestAskTick)) return 0;
      for (let i = this.bestAskTick - this.base; i <= this.highIndex && count < wanted; i++) {
        if (this.asks[i] > 0) {
          prices[count] = i + this.base;
          sizes[count++] = this.asks[i];
        }
      }
    }
    return count;
  }

  isCrossed(): boolean {
    return this.bestBidTick >= this.bestAskTick;
  }

  /** Describes the first broken invariant, or returns null when the book is sound. */
  checkInvariants(): string | null {
    if (this.isCrossed()) return `book crossed: best bid ${this.bestBidTick} >= best ask ${this.bestAskTick}`;
    let bids = 0;
    let asks = 0;
    for (let i = this.lowIndex; i <= this.highIndex; i++) {
      if (this.bids[i] < 0 || this.asks[i] < 0) return `negative size at price ${i + this.base}`;
      if (this.bids[i] > 0) bids++;
      if (this.asks[i] > 0) asks++;
    }
    if (bids !== this.bidLevels || asks !== this.askLevels) return 'level count disagrees with the book';
    return null;
  }

  /** No level on either side: the next price re-centres the window, so emptied books do not drift. */
  private isEmpty(): boolean {
    return this.bidLevels === 0 && this.askLevels === 0;
  }

  private setBid(index: number, price: Ticks, size: Lots): void {
    const previous = this.bids[index];
    this.bids[index] = size;
    this.touch(index);
    if (previous === 0 && size !== 0) this.bidLevels++;
    else if (previous !== 0 && size === 0) this.bidLevels--;
    if (size !== 0) {
      if (!(price <= this.bestBidTick)) this.bestBidTick = price;
    } else if (price === this.bestBidTick) {
      this.bestBidTick = this.bidLevels === 0 ? NaN : this.scanBidFrom(index - 1);
    }
  }

  private setAsk(index: number, price: Ticks, size: Lots): void {
    const previous = this.asks[index];
    this.asks[index] = size;
    this.touch(index);
    if (previous === 0 && size !== 0) this.askLevels++;
    else if (previous !== 0 && size === 0) this.askLevels--;
    if (size !== 0) {
      if (!(price >= this.bestAskTick)) this.bestAskTick = price;
    } else if (price === this.bestAskTick) {
      this.bestAskTick = this.askLevels === 0 ? NaN : this.scanAskFrom(index + 1);
    }
  }

  private scanBidFrom(index: number): Ticks {
    for (let i = index; i >= this.lowIndex; i--) if (this.bids[i] > 0) return i + this.base;
    return NaN;
  }

  private scanAskFrom(index: number): Ticks {
    for (let i = index; i <= this.highIndex; i++) if (this.asks[i] > 0) return i + this.base;
    return NaN;
  }

  private touch(index: number): void {
    if (index < this.lowIndex) this.lowIndex = index;
    if (index > this.highIndex) this.highIndex = index;
  }

  private recentre(price: Ticks): void {
    this.clear();
    this.base = price - (this.bids.length >> 1);
  }

  /** Grows the window (doubling) until it covers `price`, keeping every level. */
  private grow(price: Ticks): void {
    const low = Math.min(price, this.base + (Number.isFinite(this.lowIndex) ? this.lowIndex : price - this.base));
    const high = Math.max(price, this.base + (Number.isFinite(this.highIndex) ? this.highIndex : price - this.base));
    let capacity = this.bids.length;
    while (capacity < (high - low + 1) * 2) capacity *= 2;
    const newBase = low - ((capacity - (high - low + 1)) >> 1);
    const bids = new Float64Array(capacity);
    const asks = new Float64Array(capacity);
    if (this.lowIndex <= this.highIndex) {
      const shift = this.base - newBase;
      bids.set(this.bids.subarray(this.lowIndex, this.highIndex + 1), this.lowIndex + shift);
      asks.set(this.asks.subarray(this.lowIndex, this.highIndex + 1), this.lowIndex + shift);
      this.lowIndex += shift;
      this.highIndex += shift;
    }
    this.bids = bids;
    this.asks = asks;
    this.base = newBase;
  }
}
