import type { Lots, Ticks } from '../core/units.ts';

/**
 * The book a reader keeps only to check its input: levels in two Maps, best prices found lazily.
 *
 * Rules:
 * - `set` stores a level's absolute size; 0 deletes it. `clear` empties both sides (a snapshot).
 * - The best bid/ask are kept up to date on insert; removing the best marks that side stale and the next
 *   `bestBid`/`bestAsk` read rescans the side once.
 * - `isCrossed()` is meant for the end of a complete message: best bid >= best ask with both sides present.
 * Why not L2Book: L2Book's window is dense over the price range seen; a capture holding a 1.00 bid and a
 * 200000.00 ask at tick 0.01 would need hundreds of MB and seconds to grow and clear. Readers must stay fast
 * on any input, so they check with this sparse book.
 * Known limits: a rescan costs O(levels on that side).
 */
export class CheckBook {
  private readonly bids = new Map<Ticks, Lots>();
  private readonly asks = new Map<Ticks, Lots>();
  private bestBidTick = NaN;
  private bestAskTick = NaN;
  private bidStale = false;
  private askStale = false;

  set(ask: boolean, price: Ticks, size: Lots): void {
    if (ask) {
      if (size === 0) {
        if (this.asks.delete(price) && price === this.bestAskTick) this.askStale = true;
      } else {
        this.asks.set(price, size);
        if (!this.askStale && !(price >= this.bestAskTick)) this.bestAskTick = price;
      }
    } else if (size === 0) {
      if (this.bids.delete(price) && price === this.bestBidTick) this.bidStale = true;
    } else {
      this.bids.set(price, size);
      if (!this.bidStale && !(price <= this.bestBidTick)) this.bestBidTick = price;
    }
  }

  clear(): void {
    this.bids.clear();
    this.asks.clear();
    this.bestBidTick = NaN;
    this.bestAskTick = NaN;
    this.bidStale = false;
    this.askStale = false;
  }

  get bestBid(): Ticks {
    if (this.bidStale) {
      let best = NaN;
      for (const p of this.bids.keys()) if (!(p <= best)) best = p;
      this.bestBidTick = best;
      this.bidStale = false;
    }
    return this.bestBidTick;
  }

  get bestAsk(): Ticks {
    if (this.askStale) {
      let best = NaN;
      for (const p of this.asks.keys()) if (!(p >= best)) best = p;
      this.bestAskTick = best;
      this.askStale = false;
    }
    return this.bestAskTick;
  }

  bestBidSize(): Lots {
    const b = this.bestBid;
    return Number.isNaN(b) ? 0 : (this.bids.get(b) ?? 0);
  }

  bestAskSize(): Lots {
    const a = this.bestAsk;
    return Number.isNaN(a) ? 0 : (this.asks.get(a) ?? 0);
  }

  sizeAt(ask: boolean, price: Ticks): Lots {
    return (ask ? this.asks : this.bids).get(price) ?? 0;
  }

  levels(ask: boolean): number {
    return (ask ? this.asks : this.bids).size;
  }

  isCrossed(): boolean {
    return this.bestBid >= this.bestAsk;
  }
}
