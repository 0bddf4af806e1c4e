import type { L2Book } from '../../book/l2-book.ts';
import type { BookSide } from '../../core/events.ts';
import type { Ticks } from '../../core/units.ts';

/**
 * Update ids and coalesced diffs of the served order book, as Binance USD-M numbers them.
 *
 * Rules:
 * - Every complete book message of the market data (a run of deltas ending with `last`, or a snapshot)
 *   is one update; `updateId` is the id of the last complete one, and REST /depth answers it as
 *   `lastUpdateId`.
 * - Each diff stream rate (100, 250, 500 ms) has its own channel: the levels touched since its last flush
 *   and the first update id among them. A flush sends the touched levels' current sizes (0 = removed) with
 *   U = first update id in the batch, u = `updateId`, pu = the channel's previous u, so a client holding a
 *   REST snapshot with lastUpdateId N applies the first event with U ≤ N ≤ u (or pu = N) and then each
 *   event whose pu equals the previous u, exactly as on Binance. A channel flushes (and moves its pu on)
 *   whether or not anyone listens, so the chain stays unbroken for late subscribers.
 * - A snapshot in the data touches every level before and after it (removed levels go out as size 0).
 */
export const DIFF_RATES_MS = [100, 250, 500] as const;

interface Channel {
  bids: Set<Ticks>;
  asks: Set<Ticks>;
  firstU: number;
  lastU: number;
}

export interface DiffBatch {
  U: number;
  u: number;
  pu: number;
  bids: Ticks[];
  asks: Ticks[];
}

export class BookFeed {
  updateId = 0;
  private readonly channels = new Map<number, Channel>();
  private messageOpen = false;

  constructor() {
    for (const rate of DIFF_RATES_MS) this.channels.set(rate, { bids: new Set(), asks: new Set(), firstU: 0, lastU: 0 });
  }

  /** A level changed inside the current message. */
  touch(side: BookSide, price: Ticks): void {
    this.messageOpen = true;
    for (const channel of this.channels.values()) (side === 'bid' ? channel.bids : channel.asks).add(price);
  }

  /** Every level of the book, before and after a snapshot. */
  touchAll(book: L2Book): void {
    for (const side of ['bid', 'ask'] as const) {
      const count = side === 'bid' ? book.levelCount.bids : book.levelCount.asks;
      const prices = new Float64Array(count);
      const sizes = new Float64Array(count);
      const n = book.topLevels(side, prices, sizes);
      for (let i = 0; i < n; i++) this.touch(side, prices[i]);
    }
    this.messageOpen = true;
  }

  /** The current message is complete: it becomes update `updateId`. */
  endMessage(): void {
    this.updateId++;
    this.messageOpen = false;
    for (const channel of this.channels.values()) if (channel.firstU === 0) channel.firstU = this.updateId;
  }

  /** Takes the batch of one rate's channel, or null when nothing changed (or a message is half applied). */
  flush(rateMs: number): DiffBatch | null {
    const channel = this.channels.get(rateMs);
    if (!channel || this.messageOpen || channel.firstU === 0) return null;
    const batch: DiffBatch = {
      U: channel.firstU,
      u: this.updateId,
      pu: channel.lastU,
      bids: [...channel.bids].sort((a, b) => b - a),
      asks: [...channel.asks].sort((a, b) => a - b),
    };
    channel.bids.clear();
    channel.asks.clear();
    channel.firstU = 0;
    channel.lastU = this.updateId;
    return batch;
  }
}
