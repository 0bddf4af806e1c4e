import type { BookSide, BookSnapshot } from '../core/events.ts';
import type { Lots, Ticks } from '../core/units.ts';

/**
 * A slow, obviously-correct L2 book: the model that differential tests compare `L2Book` against.
 * Never use it on a hot path.
 *
 * Rules (the same observable behaviour as `L2Book`):
 * - Each side is a Map from price tick to size in lots; a price is in the map exactly when its size is not 0.
 * - `set` stores the absolute size; a size of 0 deletes the level.
 * - `applySnapshot` clears the book, then sets every level of the snapshot (bids, then asks).
 * - Best bid is the highest bid price, best ask the lowest ask price, found by scanning the whole map;
 *   an empty side reports NaN and a best size of 0.
 * - `topLevels` sorts the side, best first, and writes as many levels as the output arrays hold.
 */
export class ReferenceBook {
  private readonly bids = new Map<Ticks, Lots>();
  private readonly asks = new Map<Ticks, Lots>();

  private sideMap(side: BookSide): Map<Ticks, Lots> {
    return side === 'bid' ? this.bids : this.asks;
  }

  set(side: BookSide, price: Ticks, size: Lots): void {
    if (size === 0) this.sideMap(side).delete(price);
    else this.sideMap(side).set(price, size);
  }

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  applySnapshot(snapshot: BookSnapshot): void {
    this.clear();
    for (let i = 0; i < snapshot.bidPrices.length; i++) this.set('bid', snapshot.bidPrices[i], snapshot.bidSizes[i]);
    for (let i = 0; i < snapshot.askPrices.length; i++) this.set('ask', snapshot.askPrices[i], snapshot.askSizes[i]);
  }

  get bestBid(): Ticks {
    let best = NaN;
    for (const price of this.bids.keys()) if (Number.isNaN(best) || price > best) best = price;
    return best;
  }

  get bestAsk(): Ticks {
    let best = NaN;
    for (const price of this.asks.keys()) if (Number.isNaN(best) || price < best) best = price;
    return best;
  }

  bestBidSize(): Lots {
    return this.bids.size === 0 ? 0 : (this.bids.get(this.bestBid) as Lots);
  }

  bestAskSize(): Lots {
    return this.asks.size === 0 ? 0 : (this.asks.get(this.bestAsk) as Lots);
  }

  sizeAt(side: BookSide, price: Ticks): Lots {
    return this.sideMap(side).get(price) ?? 0;
  }

  get levelCount(): { bids: number; asks: number } {
    return { bids: this.bids.size, asks: this.asks.size };
  }

  topLevels(side: BookSide, prices: Ticks[] | Float64Array, sizes: Lots[] | Float64Array): number {
    const sorted = [...this.sideMap(side).keys()].sort((a, b) => (side === 'bid' ? b - a : a - b));
    const count = Math.min(prices.length, sorted.length);
    for (let i = 0; i < count; i++) {
      prices[i] = sorted[i];
      sizes[i] = this.sideMap(side).get(sorted[i]) as Lots;
    }
    return count;
  }
}
