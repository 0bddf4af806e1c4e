import type { Lots, Micros, Side, Ticks } from '../../core/units.ts';
import type { Rng } from '../../core/rng.ts';
import type { BookDelta, BookSide, BookSnapshot, MarketEventSource, OpenMarketEvents, Quote, Trade } from '../../core/events.ts';

/** What every synthetic market's parameters hold: its period and the latency of the strategy's feed. */
export interface SyntheticTiming {
  feedLatencyUs: Micros;
  startTs: Micros;
  endTs: Micros;
}

/**
 * Opens a synthetic market: every open builds a fresh market from a fresh generator of the same seed, so two
 * opens (the venue's and the strategy's feeds) yield identical events.
 */
export function marketOpener<P>(Market: new (params: P, rng: Rng) => MarketEventSource, params: P, seedRng: () => Rng): OpenMarketEvents {
  return () => new Market(params, seedRng());
}

/**
 * The closing event of a synthetic run: a best bid/offer at endTs, so the data lasts exactly the scenario's
 * duration (the simulator ends a run when the data runs out). Quote events do not change the venue's book.
 */
export function closingQuote(endTs: Micros, feedLatencyUs: Micros, bestBid: Ticks, bidSize: Lots, bestAsk: Ticks, askSize: Lots): Quote {
  return { kind: 'quote', exchTs: endTs, localTs: endTs + feedLatencyUs, bidPrice: bestBid, bidSize, askPrice: bestAsk, askSize };
}

/**
 * Shared plumbing of the synthetic generators: one exchange message at a time (trade prints, then the
 * book deltas, the last delta flagged), drained one event per `next()` call, with pooled event objects
 * (a consumer reads each event at once and keeps no reference, as `MarketEventSource` allows).
 * Times: exchTs is when the generator did it; localTs = exchTs + feedLatencyUs.
 */
export class MessageBuffer {
  private readonly pending: (BookDelta | Trade)[] = [];
  private index = 0;
  private readonly deltaPool: BookDelta[] = [];
  private readonly tradePool: Trade[] = [];
  private deltasUsed = 0;
  private tradesUsed = 0;

  constructor(private readonly feedLatencyUs: Micros) {}

  /** The next event of the current message, or null when it is drained. */
  shift(): BookDelta | Trade | null {
    return this.index < this.pending.length ? this.pending[this.index++] : null;
  }

  /** Starts a new message (the previous one must be drained: its pooled objects are reused). */
  begin(): void {
    this.pending.length = 0;
    this.index = 0;
    this.deltasUsed = 0;
    this.tradesUsed = 0;
  }

  delta(time: Micros, side: BookSide, price: Ticks, size: Lots): void {
    if (this.deltasUsed === this.deltaPool.length) {
      this.deltaPool.push({ kind: 'delta', exchTs: 0, localTs: 0, side: 'bid', price: 0, size: 0, last: false });
    }
    const delta = this.deltaPool[this.deltasUsed++];
    delta.exchTs = time;
    delta.localTs = time + this.feedLatencyUs;
    delta.side = side;
    delta.price = price;
    delta.size = size;
    delta.last = false;
    this.pending.push(delta);
  }

  trade(time: Micros, price: Ticks, size: Lots, takerSide: Side): void {
    if (this.tradesUsed === this.tradePool.length) {
      this.tradePool.push({ kind: 'trade', exchTs: 0, localTs: 0, price: 0, size: 0, takerSide: 'buy' });
    }
    const trade = this.tradePool[this.tradesUsed++];
    trade.exchTs = time;
    trade.localTs = time + this.feedLatencyUs;
    trade.price = price;
    trade.size = size;
    trade.takerSide = takerSide;
    this.pending.push(trade);
  }

  /** Flags the message's last delta (the book is complete, and checked, only after it). */
  end(): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const event = this.pending[i];
      if (event.kind === 'delta') {
        event.last = true;
        return;
      }
    }
  }
}

/**
 * A displayed book of `levels` price levels a side, one every tick from the best price outwards, each of
 * the same size: the thin "rest of the market" of the adverse-selection models. `moveTo` emits the deltas
 * that take it from its current best prices to new ones (levels that leave are deleted, levels that
 * enter are added); levels that stay are not touched.
 */
export class ThinBook {
  bestBid: Ticks = NaN;
  bestAsk: Ticks = NaN;

  constructor(
    private readonly levels: number,
    private readonly levelSize: Lots,
  ) {}

  snapshot(time: Micros, localTs: Micros, bestBid: Ticks, bestAsk: Ticks): BookSnapshot {
    this.bestBid = bestBid;
    this.bestAsk = bestAsk;
    const snapshot: BookSnapshot = { kind: 'snapshot', exchTs: time, localTs, bidPrices: [], bidSizes: [], askPrices: [], askSizes: [] };
    for (let i = 0; i < this.levels; i++) {
      snapshot.bidPrices.push(bestBid - i);
      snapshot.bidSizes.push(this.levelSize);
      snapshot.askPrices.push(bestAsk + i);
      snapshot.askSizes.push(this.levelSize);
    }
    return snapshot;
  }

  /** Emits into `out` the deletion of every level (the book is withdrawn; `moveTo` shows it again). */
  withdraw(out: MessageBuffer, time: Micros): void {
    for (let i = 0; i < this.levels; i++) out.delta(time, 'bid', this.bestBid - i, 0);
    for (let i = 0; i < this.levels; i++) out.delta(time, 'ask', this.bestAsk + i, 0);
    this.bestBid = NaN;
    this.bestAsk = NaN;
  }

  /** Emits into `out` the deltas moving the book to (bestBid, bestAsk); nothing when it is there already. */
  moveTo(out: MessageBuffer, time: Micros, bestBid: Ticks, bestAsk: Ticks): void {
    if (bestBid === this.bestBid && bestAsk === this.bestAsk) return;
    const n = this.levels;
    if (Number.isNaN(this.bestBid)) {
      for (let i = 0; i < n; i++) out.delta(time, 'bid', bestBid - i, this.levelSize);
      for (let i = 0; i < n; i++) out.delta(time, 'ask', bestAsk + i, this.levelSize);
      this.bestBid = bestBid;
      this.bestAsk = bestAsk;
      return;
    }
    // Deletions first, then additions, so the book never holds a crossed pair mid-message for long.
    for (let i = 0; i < n; i++) {
      const p = this.bestBid - i;
      if (p > bestBid || p <= bestBid - n) out.delta(time, 'bid', p, 0);
    }
    for (let i = 0; i < n; i++) {
      const p = this.bestAsk + i;
      if (p < bestAsk || p >= bestAsk + n) out.delta(time, 'ask', p, 0);
    }
    for (let i = 0; i < n; i++) {
      const p = bestBid - i;
      if (p > this.bestBid || p <= this.bestBid - n) out.delta(time, 'bid', p, this.levelSize);
    }
    for (let i = 0; i < n; i++) {
      const p = bestAsk + i;
      if (p < this.bestAsk || p >= this.bestAsk + n) out.delta(time, 'ask', p, this.levelSize);
    }
    this.bestBid = bestBid;
    this.bestAsk = bestAsk;
  }
}
