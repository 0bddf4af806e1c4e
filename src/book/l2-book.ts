import type { BookSide, BookSnapshot } from '../core/events.ts';
import type { Lots, Ticks } from '../core/units.ts';

/** The default cap on the dense window: 2^16 ticks (512 KiB a side), ±327 USD around BTC at tick 0.01. */
export const DEFAULT_MAX_SPAN = 1 << 16;

/**
 * L2 order book indexed by price tick: a dense window around the top of book, and a sparse far region.
 *
 * Rules:
 * - A level's size is the absolute displayed size in lots; 0 means no level, and setting a size of 0 deletes
 *   the level. Every price lives in exactly one of two places:
 *   - the dense window [base, base + capacity): two Float64Arrays (bids, asks) indexed by price − base;
 *   - the far region, every price outside the window: per side, a price-sorted pair of Float64Arrays.
 * - The window starts at `initialCapacity` ticks and grows (doubling, centred on the levels it holds) to cover
 *   a new price, up to `maxSpan` ticks (default DEFAULT_MAX_SPAN = 2^16): memory is 16 bytes per tick of the
 *   window, at most 1 MiB a book by default (chosen so a sweep's worker threads do not contend on fresh
 *   memory: with 2^20 ticks, 16 MiB a run, two workers ran 1.2× faster than one; with 2^16, 1.5×),
 *   whatever the price range seen. A level that the capped window cannot cover goes to the far region. Far levels exist only once the window has reached `maxSpan`.
 * - Re-centring: once the window is at `maxSpan`, when a best price (bid or ask) comes within maxSpan/8 of an
 *   edge of the window or leaves it, the window moves so its centre is the mid (or the one best, if a side is
 *   empty); levels leaving the window move to the far region and far levels inside it move in. The window
 *   does not move when the best bid and best ask are more than maxSpan/2 apart (a stray level, a book crossed
 *   by a whole range inside one message): one side's best then stays far until the book comes back together.
 * - An update in the window never allocates. The window grows or moves only when a price leaves it, and far
 *   arrays grow (doubling) only when they are full.
 * - `applySnapshot` clears the book and loads the snapshot's levels: a snapshot always resets. A book emptied
 *   of every level re-centres its window on the next price it gets, so emptied books do not drift.
 * - Best bid is the highest bid price with a size, best ask the lowest ask price; an empty side reports NaN,
 *   wherever the best lives. Removing the best level scans the window towards worse prices for the next one,
 *   then falls back on the nearest far level.
 * - `topLevels` lists a side best first across both places (far levels beyond the window on the better side,
 *   then the window, then far levels beyond the worse side).
 * - Inside one exchange message the book may be crossed for a moment; `checkInvariants` is meant to be
 *   called only after a complete message and reports a crossed book (best bid ≥ best ask), a negative size,
 *   a level count or best price that disagrees with the arrays, or a far level that is unsorted or inside
 *   the window.
 * Known limits: no per-order information (L2 only); negative sizes are refused by `checkInvariants`, not
 * by `set` (the readers validate sizes before they reach the book). A far update costs a binary search plus
 * a shift of the far levels above it (cheap for the few hundred stray levels real books carry, quadratic if
 * a whole deep book lives far). Deleting a far best when the other levels of its side are in the window
 * scans the window's used range (at most maxSpan ticks); so does moving the window, once per maxSpan/8 ticks
 * of drift at least. A spread wider than maxSpan/2 leaves one best far (see re-centring).
 */
export class L2Book {
  private bids: Float64Array;
  private asks: Float64Array;
  private base = 0;
  private readonly maxSpan: number;
  private readonly farBids = new FarLevels();
  private readonly farAsks = new FarLevels();
  private bestBidTick = NaN;
  private bestAskTick = NaN;
  // Levels on each side, window and far region together.
  private bidLevels = 0;
  private askLevels = 0;
  // The lowest and highest window indices written since the last clear or move, so a reset clears only what
  // was used and scans stop there.
  private lowIndex = Infinity;
  private highIndex = -Infinity;

  constructor(initialCapacity = 1 << 12, maxSpan = DEFAULT_MAX_SPAN) {
    // At least one slot: `grow` doubles the capacity, which never leaves 0.
    this.maxSpan = Math.max(1, Math.floor(maxSpan));
    const capacity = Math.min(this.maxSpan, Math.max(1, initialCapacity));
    this.bids = new Float64Array(capacity);
    this.asks = new Float64Array(capacity);
  }

  get bestBid(): Ticks {
    return this.bestBidTick;
  }

  get bestAsk(): Ticks {
    return this.bestAskTick;
  }

  /** The first price of the dense window (levels below it, or at windowLow + windowSpan and above, are far). */
  get windowLow(): Ticks {
    return this.base;
  }

  /** The width of the dense window in ticks: at most the `maxSpan` given to the constructor. */
  get windowSpan(): number {
    return this.bids.length;
  }

  /** Levels with a size on each side. */
  get levelCount(): { bids: number; asks: number } {
    return { bids: this.bidLevels, asks: this.askLevels };
  }

  sizeAt(side: BookSide, price: Ticks): Lots {
    const index = price - this.base;
    if (index < 0 || index >= this.bids.length) return (side === 'bid' ? this.farBids : this.farAsks).get(price);
    return side === 'bid' ? this.bids[index] : this.asks[index];
  }

  bestBidSize(): Lots {
    return Number.isNaN(this.bestBidTick) ? 0 : this.sizeAt('bid', this.bestBidTick);
  }

  bestAskSize(): Lots {
    return Number.isNaN(this.bestAskTick) ? 0 : this.sizeAt('ask', this.bestAskTick);
  }

  /** Sets the absolute size at a price; 0 deletes the level. */
  set(side: BookSide, price: Ticks, size: Lots): void {
    const index = price - this.base;
    // The common case, kept small so that it is inlined where it is called: a price in the window of a book with levels.
    if (index >= 0 && index < this.bids.length && !this.isEmpty()) {
      if (side === 'bid') this.setBid(index, price, size);
      else this.setAsk(index, price, size);
      if (this.bids.length === this.maxSpan) this.keepTopInside();
      return;
    }
    this.setOutside(side, price, size);
  }

  /** `set` for a price outside the window, or in an empty book (which re-centres the window first). */
  private setOutside(side: BookSide, price: Ticks, size: Lots): void {
    if (this.isEmpty()) this.recentre(price);
    let index = price - this.base;
    if (index < 0 || index >= this.bids.length) {
      if (size !== 0 && this.bids.length < this.maxSpan) {
        this.grow(price);
        index = price - this.base;
      }
      if (index < 0 || index >= this.bids.length) {
        this.setFar(side, price, size);
        if (this.bids.length === this.maxSpan) this.keepTopInside();
        return;
      }
    }
    if (side === 'bid') this.setBid(index, price, size);
    else this.setAsk(index, price, size);
    if (this.bids.length === this.maxSpan) this.keepTopInside();
  }

  clear(): void {
    if (this.lowIndex <= this.highIndex) {
      this.bids.fill(0, this.lowIndex, this.highIndex + 1);
      this.asks.fill(0, this.lowIndex, this.highIndex + 1);
    }
    this.farBids.clear();
    this.farAsks.clear();
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
    const end = this.base + this.bids.length; // first price past the window
    let count = 0;
    if (side === 'bid') {
      if (Number.isNaN(this.bestBidTick)) return 0;
      const far = this.farBids;
      let j = far.count - 1;
      // Far bids above the window, then the window from the best down, then far bids below it.
      for (; j >= 0 && far.prices[j] >= end && count < wanted; j--) {
        prices[count] = far.prices[j];
        sizes[count++] = far.sizes[j];
      }
      if (this.bidLevels > far.count) {
        const start = this.bestBidTick < end ? this.bestBidTick - this.base : this.highIndex;
        for (let i = start; i >= this.lowIndex && count < wanted; i--) {
          if (this.bids[i] !== 0) {
            prices[count] = i + this.base;
            sizes[count++] = this.bids[i];
          }
        }
      }
      for (; j >= 0 && count < wanted; j--) {
        prices[count] = far.prices[j];
        sizes[count++] = far.sizes[j];
      }
    } else {
      if (Number.isNaN(this.bestAskTick)) return 0;
      const far = this.farAsks;
      let j = 0;
      // Far asks below the window, then the window from the best up, then far asks above it.
      for (; j < far.count && far.prices[j] < this.base && count < wanted; j++) {
        prices[count] = far.prices[j];
        sizes[count++] = far.sizes[j];
      }
      if (this.askLevels > far.count) {
        const start = this.bestAskTick >= this.base ? this.bestAskTick - this.base : this.lowIndex;
        for (let i = start; i <= this.highIndex && count < wanted; i++) {
          if (this.asks[i] !== 0) {
            prices[count] = i + this.base;
            sizes[count++] = this.asks[i];
          }
        }
      }
      for (; j < far.count && count < wanted; j++) {
        prices[count] = far.prices[j];
        sizes[count++] = far.sizes[j];
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
    let bestBid = NaN;
    let bestAsk = NaN;
    for (let i = this.lowIndex; i <= this.highIndex; i++) {
      if (this.bids[i] < 0 || this.asks[i] < 0) return `negative size at price ${i + this.base}`;
      if (this.bids[i] !== 0) {
        bids++;
        bestBid = i + this.base;
      }
      if (this.asks[i] !== 0) {
        asks++;
        if (Number.isNaN(bestAsk)) bestAsk = i + this.base;
      }
    }
    for (const [far, name] of [
      [this.farBids, 'bid'],
      [this.farAsks, 'ask'],
    ] as const) {
      for (let j = 0; j < far.count; j++) {
        const price = far.prices[j];
        if (far.sizes[j] < 0) return `negative size at price ${price}`;
        if (far.sizes[j] === 0) return `far ${name} at price ${price} has no size`;
        if (j > 0 && !(far.prices[j - 1] < price)) return `far ${name}s unsorted at price ${price}`;
        if (price >= this.base && price < this.base + this.bids.length) {
          return `far ${name} at price ${price} lies inside the window`;
        }
      }
    }
    bids += this.farBids.count;
    asks += this.farAsks.count;
    if (bids !== this.bidLevels || asks !== this.askLevels) return 'level count disagrees with the book';
    if (this.farBids.count > 0 && !(this.farBids.max() <= bestBid)) bestBid = this.farBids.max();
    if (this.farAsks.count > 0 && !(this.farAsks.min() >= bestAsk)) bestAsk = this.farAsks.min();
    if (!Object.is(bestBid, this.bestBidTick) || !Object.is(bestAsk, this.bestAskTick)) {
      return `best prices disagree with the book: ${this.bestBidTick}/${this.bestAskTick}, levels say ${bestBid}/${bestAsk}`;
    }
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
    this.countBid(price, previous, size, index - 1);
  }

  private setAsk(index: number, price: Ticks, size: Lots): void {
    const previous = this.asks[index];
    this.asks[index] = size;
    this.touch(index);
    this.countAsk(price, previous, size, index + 1);
  }

  /** A price outside the window. */
  private setFar(side: BookSide, price: Ticks, size: Lots): void {
    if (side === 'bid') this.countBid(price, this.farBids.set(price, size), size, this.highIndex);
    else this.countAsk(price, this.farAsks.set(price, size), size, this.lowIndex);
  }

  /** Level count and best bid after the bid at `price` went from `previous` to `size`; a lost best is searched for from window index `scanFrom` down. */
  private countBid(price: Ticks, previous: Lots, size: Lots, scanFrom: number): void {
    if (previous === 0 && size !== 0) this.bidLevels++;
    else if (previous !== 0 && size === 0) this.bidLevels--;
    if (size !== 0) {
      if (!(price <= this.bestBidTick)) this.bestBidTick = price;
    } else if (price === this.bestBidTick) {
      this.bestBidTick = this.bidLevels === 0 ? NaN : this.nextBestBid(scanFrom);
    }
  }

  /** The mirror of `countBid`: a lost best ask is searched for from window index `scanFrom` up. */
  private countAsk(price: Ticks, previous: Lots, size: Lots, scanFrom: number): void {
    if (previous === 0 && size !== 0) this.askLevels++;
    else if (previous !== 0 && size === 0) this.askLevels--;
    if (size !== 0) {
      if (!(price >= this.bestAskTick)) this.bestAskTick = price;
    } else if (price === this.bestAskTick) {
      this.bestAskTick = this.askLevels === 0 ? NaN : this.nextBestAsk(scanFrom);
    }
  }

  /**
   * The best bid after the best was deleted, given that no window bid lies above `index`: a far bid above
   * the window, else the highest window bid at or below `index`, else the highest far bid (below the window).
   */
  private nextBestBid(index: number): Ticks {
    const far = this.farBids;
    if (far.count > 0 && far.max() >= this.base + this.bids.length) return far.max();
    if (this.bidLevels > far.count) {
      for (let i = Math.min(index, this.highIndex); i >= this.lowIndex; i--) if (this.bids[i] !== 0) return i + this.base;
    }
    return far.count > 0 ? far.max() : NaN;
  }

  /** The mirror of `nextBestBid`: a far ask below the window, the lowest window ask from `index`, a far ask above. */
  private nextBestAsk(index: number): Ticks {
    const far = this.farAsks;
    if (far.count > 0 && far.min() < this.base) return far.min();
    if (this.askLevels > far.count) {
      for (let i = Math.max(index, this.lowIndex); i <= this.highIndex; i++) if (this.asks[i] !== 0) return i + this.base;
    }
    return far.count > 0 ? far.min() : NaN;
  }

  private touch(index: number): void {
    if (index < this.lowIndex) this.lowIndex = index;
    if (index > this.highIndex) this.highIndex = index;
  }

  private recentre(price: Ticks): void {
    this.clear();
    this.base = price - (this.bids.length >> 1);
  }

  /**
   * Grows the window (doubling, at most to `maxSpan`) to cover `price` and every level it holds, centred on
   * them; when the capped window cannot cover them all, it centres on the top of book and `price` stays far.
   */
  private grow(price: Ticks): void {
    const used = this.lowIndex <= this.highIndex;
    const low = Math.min(price, used ? this.base + this.lowIndex : price);
    const high = Math.max(price, used ? this.base + this.highIndex : price);
    const span = high - low + 1;
    let capacity = this.bids.length;
    while (capacity < span * 2) capacity *= 2;
    capacity = Math.min(capacity, this.maxSpan);
    if (span <= capacity) {
      this.move(capacity, low - ((capacity - span) >> 1));
    } else {
      const centre = this.topCentre();
      this.move(capacity, (Number.isNaN(centre) ? price : centre) - (capacity >> 1));
    }
  }

  /** The mid, or the one best price when a side is empty, or NaN when the book is empty. */
  private topCentre(): Ticks {
    const bid = this.bestBidTick;
    const ask = this.bestAskTick;
    if (Number.isNaN(bid)) return ask;
    if (Number.isNaN(ask)) return bid;
    return Math.floor((bid + ask) / 2);
  }

  /** Re-centres a full-size window when a best price is within maxSpan/8 of its edges or outside it. */
  private keepTopInside(): void {
    const capacity = this.bids.length;
    const margin = capacity >> 3;
    const low = this.base + margin;
    const high = this.base + capacity - margin;
    const bid = this.bestBidTick;
    const ask = this.bestAskTick;
    if (!(bid < low || bid >= high || ask < low || ask >= high)) return; // NaN compares false: an empty side is fine
    if (Math.abs(ask - bid) > capacity >> 1) return; // too far apart for one window: do not chase either
    const centre = this.topCentre();
    this.move(capacity, centre - (capacity >> 1));
  }

  /**
   * Moves the window to [base, base + capacity): every window level goes to the far region, then the far
   * levels inside the new window come back into it. Costs the used range plus the levels; allocates only when
   * the capacity changes (or a far array fills up).
   */
  private move(capacity: number, base: Ticks): void {
    if (this.lowIndex <= this.highIndex) {
      this.evict(this.bids, this.farBids, this.bidLevels - this.farBids.count);
      this.evict(this.asks, this.farAsks, this.askLevels - this.farAsks.count);
      this.bids.fill(0, this.lowIndex, this.highIndex + 1);
      this.asks.fill(0, this.lowIndex, this.highIndex + 1);
    }
    if (capacity !== this.bids.length) {
      this.bids = new Float64Array(capacity);
      this.asks = new Float64Array(capacity);
    }
    this.base = base;
    this.lowIndex = Infinity;
    this.highIndex = -Infinity;
    this.admit(this.bids, this.farBids);
    this.admit(this.asks, this.farAsks);
  }

  /** Copies the `count` window levels of one side into its far levels (they all sort between far levels below and above the window). */
  private evict(dense: Float64Array, far: FarLevels, count: number): void {
    if (count === 0) return;
    let at = far.open(far.lowerBound(this.base), count);
    for (let i = this.lowIndex; i <= this.highIndex; i++) {
      if (dense[i] !== 0) {
        far.prices[at] = i + this.base;
        far.sizes[at++] = dense[i];
      }
    }
  }

  /** Moves the far levels of one side that lie inside the window into it. */
  private admit(dense: Float64Array, far: FarLevels): void {
    const from = far.lowerBound(this.base);
    const to = far.lowerBound(this.base + dense.length);
    for (let j = from; j < to; j++) {
      const index = far.prices[j] - this.base;
      dense[index] = far.sizes[j];
      this.touch(index);
    }
    far.remove(from, to);
  }
}

/** One side's far levels: prices ascending (no duplicates, no zero sizes) in growable parallel arrays. */
class FarLevels {
  prices = new Float64Array(0);
  sizes = new Float64Array(0);
  count = 0;

  clear(): void {
    this.count = 0;
  }

  min(): Ticks {
    return this.prices[0];
  }

  max(): Ticks {
    return this.prices[this.count - 1];
  }

  /** The index of the first price ≥ `price` (the count when there is none). */
  lowerBound(price: Ticks): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.prices[mid] < price) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  get(price: Ticks): Lots {
    if (this.count === 0) return 0;
    const at = this.lowerBound(price);
    return at < this.count && this.prices[at] === price ? this.sizes[at] : 0;
  }

  /** Sets (or with 0 deletes) a level; returns the size it had. */
  set(price: Ticks, size: Lots): Lots {
    const at = this.lowerBound(price);
    if (at < this.count && this.prices[at] === price) {
      const previous = this.sizes[at];
      if (size === 0) this.remove(at, at + 1);
      else this.sizes[at] = size;
      return previous;
    }
    if (size !== 0) {
      this.open(at, 1);
      this.prices[at] = price;
      this.sizes[at] = size;
    }
    return 0;
  }

  /** Opens `n` slots at index `at` (their contents undefined until written); returns `at`. */
  open(at: number, n: number): number {
    const needed = this.count + n;
    if (needed > this.prices.length) {
      let capacity = Math.max(16, this.prices.length);
      while (capacity < needed) capacity *= 2;
      const prices = new Float64Array(capacity);
      const sizes = new Float64Array(capacity);
      prices.set(this.prices.subarray(0, this.count));
      sizes.set(this.sizes.subarray(0, this.count));
      this.prices = prices;
      this.sizes = sizes;
    }
    this.prices.copyWithin(at + n, at, this.count);
    this.sizes.copyWithin(at + n, at, this.count);
    this.count = needed;
    return at;
  }

  /** Removes the levels at indices [from, to). */
  remove(from: number, to: number): void {
    if (to <= from) return;
    this.prices.copyWithin(from, to, this.count);
    this.sizes.copyWithin(from, to, this.count);
    this.count -= to - from;
  }
}
