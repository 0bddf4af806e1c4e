import { L2Book } from '../book/l2-book.ts';
import type { BookSide, MarketEvent, Trade } from '../data/events.ts';
import type { Lots, Micros, Side, Ticks } from '../core/units.ts';
import { feeMicroTickLots, type FeeSchedule, type Liquidity } from './fees.ts';
import type { OrderIntent, RestingOrder, VenueReply } from './orders.ts';
import type { QueueModel } from './queue.ts';

/**
 * The simulated exchange: the replayed (or synthetic) book at exchange time, and our own orders in it.
 *
 * Rules:
 * - Market events are applied at their `exchTs`. Our orders do not change the displayed book and the
 *   market does not react to them (no market impact).
 * - Order types: limit GTC; post-only (rejected, never repriced, if on arrival it would cross: a buy at or
 *   above the best ask, a sell at or below the best bid); IOC (takes what it can at arrival, the rest is
 *   cancelled); market (walks the book at arrival; what the displayed book cannot fill is cancelled).
 * - A taker order walks the displayed levels from the best price outwards up to its limit, filling at
 *   each level's price up to its displayed size, and pays the taker fee on each fill. A GTC limit order's
 *   unfilled rest then rests at its price.
 * - Cancel one, cancel all. Amend: a price change or a size increase loses queue priority (the queue
 *   ahead is re-read from the displayed size and the order goes behind our other orders); a size decrease
 *   keeps it. An amend that would make a post-only order cross is rejected and the order stays unchanged.
 * - A resting order fills from market trades at or through its price: a sell-aggressor trade fills our
 *   bids at or above its price, a buy-aggressor trade our asks at or below it. Orders better than the
 *   trade price ("through") fill first, best price first, up to the trade's size. At the trade's own
 *   price the trade first consumes the queue ahead of the order (queue model), then our orders in time
 *   priority. A trade's quantity is never used twice: everything our orders take from one trade sums to at
 *   most its size. Fills can be partial; sizes stay whole lots (a fractional queue estimate rounds down
 *   what we get).
 * - Book-through: when, after a complete book message, the best ask is at or below one of our bids (or the
 *   best bid at or above one of our asks), the market has traded through our price, so the whole remaining
 *   size fills at our price as maker.
 * - Maker fills pay the maker fee (a rebate when negative), taker fills the taker fee.
 * - Quote (best bid/offer) events do not change the venue's book; depth events do.
 * Known limits: liquidity our taker orders take is not removed from the replayed book; the taker walk sees
 * at most `MAX_WALK_LEVELS` levels; no self-trade prevention; no minimum notional.
 */
export const MAX_WALK_LEVELS = 1_000;

export interface VenueFill {
  orderId: string;
  side: Side;
  price: Ticks;
  size: Lots;
  liquidity: Liquidity;
  /** µTL, positive paid, negative a rebate. */
  fee: bigint;
  exchTs: Micros;
  /** Remaining size of the order after this fill. */
  remaining: Lots;
}

export class SimExchange {
  readonly book = new L2Book();
  private readonly resting: RestingOrder[] = [];
  private readonly matched: RestingOrder[] = [];
  private readonly previousSizes: number[] = [];
  private readonly walkPrices = new Float64Array(MAX_WALK_LEVELS);
  private readonly walkSizes = new Float64Array(MAX_WALK_LEVELS);
  private nextPriority = 0;

  constructor(
    private readonly queue: QueueModel,
    private readonly fees: FeeSchedule,
    private readonly onFill: (fill: VenueFill) => void,
  ) {}

  openOrders(): readonly RestingOrder[] {
    return this.resting;
  }

  /** Our best resting bid (NaN when none). */
  ownBestBid(): Ticks {
    let best = NaN;
    for (const o of this.resting) if (o.side === 'buy' && !(o.price <= best)) best = o.price;
    return best;
  }

  /** Our best resting ask (NaN when none). */
  ownBestAsk(): Ticks {
    let best = NaN;
    for (const o of this.resting) if (o.side === 'sell' && !(o.price >= best)) best = o.price;
    return best;
  }

  applyMarketEvent(event: MarketEvent): void {
    switch (event.kind) {
      case 'delta':
        this.applyDelta(event.side, event.price, event.size);
        if (event.last) this.fillBookThrough(event.exchTs);
        break;
      case 'snapshot':
        this.rememberQueueLevels();
        this.book.applySnapshot(event);
        this.updateQueuesAfterSnapshot();
        this.fillBookThrough(event.exchTs);
        break;
      case 'trade':
        this.matchTrade(event);
        break;
      case 'quote':
        break;
    }
  }

  submit(order: OrderIntent, now: Micros): VenueReply {
    if (order.type === 'limit' && order.postOnly && this.wouldCross(order.side, order.price)) {
      return { id: order.id, status: 'rejected', filled: 0, remaining: order.size, reason: 'post-only order would cross the book' };
    }
    const market = order.type === 'market';
    const limit = market ? (order.side === 'buy' ? Infinity : -Infinity) : order.price;
    // Only an order that reaches the opposite best price can take liquidity (most quotes cannot).
    const filled = market || this.wouldCross(order.side, order.price) ? this.takeLiquidity(order.id, order.side, limit, order.size, now) : 0;
    const remaining = order.size - filled;
    if (remaining === 0) return { id: order.id, status: 'filled', filled, remaining };
    if (order.type === 'market' || order.timeInForce === 'IOC') {
      return { id: order.id, status: 'cancelled', filled, remaining: 0 };
    }
    this.rest(order, remaining, filled, now);
    return { id: order.id, status: 'open', filled, remaining };
  }

  cancel(id: string): VenueReply {
    const index = this.resting.findIndex((o) => o.id === id);
    if (index < 0) return { id, status: 'rejected', filled: 0, remaining: 0, reason: 'unknown or closed order' };
    const [order] = this.resting.splice(index, 1);
    return { id, status: 'cancelled', filled: order.filled, remaining: 0 };
  }

  /** Cancels every resting order; returns how many. */
  cancelAll(): number {
    const count = this.resting.length;
    this.resting.length = 0;
    return count;
  }

  amend(id: string, price: Ticks, size: Lots, now: Micros): VenueReply {
    const order = this.resting.find((o) => o.id === id);
    if (!order) return { id, status: 'rejected', filled: 0, remaining: 0, reason: 'unknown or closed order' };
    const unchanged: VenueReply = { id, status: 'open', filled: order.filled, remaining: order.remaining };
    if (size <= 0) return { ...unchanged, reason: 'amended size must be positive', status: 'rejected' };
    if (price !== order.price && order.postOnly && this.wouldCross(order.side, price)) {
      return { ...unchanged, reason: 'post-only order would cross the book', status: 'rejected' };
    }
    const losesPriority = price !== order.price || size > order.remaining;
    order.price = price;
    order.remaining = size;
    if (losesPriority) {
      this.resting.splice(this.resting.indexOf(order), 1);
      this.enqueue(order, now);
    }
    return { id, status: 'open', filled: order.filled, remaining: order.remaining };
  }

  private wouldCross(side: Side, price: Ticks): boolean {
    return side === 'buy' ? price >= this.book.bestAsk : price <= this.book.bestBid;
  }

  private rest(order: OrderIntent, remaining: Lots, filled: Lots, now: Micros): void {
    const resting: RestingOrder = {
      id: order.id,
      side: order.side,
      price: order.price,
      remaining,
      filled,
      postOnly: order.postOnly,
      priority: 0,
      arrivedAt: now,
      queueAhead: 0,
      tradedSinceDepth: 0,
    };
    this.enqueue(resting, now);
  }

  /** Puts an order at the back of the queue at its price. */
  private enqueue(order: RestingOrder, now: Micros): void {
    order.priority = this.nextPriority++;
    order.arrivedAt = now;
    order.queueAhead = this.book.sizeAt(order.side === 'buy' ? 'bid' : 'ask', order.price);
    order.tradedSinceDepth = 0;
    this.resting.push(order);
  }

  /** Walks the opposite side of the book up to `limit`; returns the filled size. */
  private takeLiquidity(id: string, side: Side, limit: number, size: Lots, now: Micros): Lots {
    const levels = this.book.topLevels(side === 'buy' ? 'ask' : 'bid', this.walkPrices, this.walkSizes);
    let filled = 0;
    for (let i = 0; i < levels && filled < size; i++) {
      const price = this.walkPrices[i];
      if (side === 'buy' ? price > limit : price < limit) break;
      const take = Math.min(this.walkSizes[i], size - filled);
      filled += take;
      this.emitFill(id, side, price, take, 'taker', now, size - filled);
    }
    return filled;
  }

  private applyDelta(side: BookSide, price: Ticks, size: Lots): void {
    const previous = this.book.sizeAt(side, price);
    this.book.set(side, price, size);
    const orderSide: Side = side === 'bid' ? 'buy' : 'sell';
    for (const order of this.resting) {
      if (order.side === orderSide && order.price === price) this.queue.onDepthChange(order, previous, size);
    }
  }

  private rememberQueueLevels(): void {
    this.previousSizes.length = 0;
    for (const order of this.resting) this.previousSizes.push(this.book.sizeAt(order.side === 'buy' ? 'bid' : 'ask', order.price));
  }

  private updateQueuesAfterSnapshot(): void {
    this.resting.forEach((order, i) => {
      const next = this.book.sizeAt(order.side === 'buy' ? 'bid' : 'ask', order.price);
      this.queue.onDepthChange(order, this.previousSizes[i], next);
    });
  }

  private matchTrade(trade: Trade): void {
    const hitSide: Side = trade.takerSide === 'sell' ? 'buy' : 'sell';
    const matched = this.matched;
    matched.length = 0;
    for (const order of this.resting) {
      if (order.side === hitSide && (hitSide === 'buy' ? order.price >= trade.price : order.price <= trade.price)) matched.push(order);
    }
    if (matched.length === 0) return;
    // Best price first, then time priority.
    matched.sort((a, b) => (a.price === b.price ? a.priority - b.priority : hitSide === 'buy' ? b.price - a.price : a.price - b.price));
    let available = trade.size;
    let atPriceBudget = NaN;
    let ownAheadAtTradePrice = 0;
    for (const order of matched) {
      let reach = available;
      if (order.price === trade.price) {
        // What through fills left of the trade first consumes the market queue ahead, then our earlier
        // orders at this price (whose whole remaining size stands ahead, filled or not).
        if (Number.isNaN(atPriceBudget)) atPriceBudget = available;
        reach = Math.floor(atPriceBudget - order.queueAhead - ownAheadAtTradePrice);
        ownAheadAtTradePrice += order.remaining;
        this.queue.onTrade(order, trade.size);
      }
      const size = Math.min(order.remaining, Math.max(0, reach));
      if (size > 0) {
        available -= size;
        this.fillResting(order, size, order.price, trade.exchTs);
      }
    }
    this.removeFilled();
  }

  private fillBookThrough(now: Micros): void {
    const { bestBid, bestAsk } = this.book;
    let any = false;
    for (const order of this.resting) {
      const through = order.side === 'buy' ? bestAsk <= order.price : bestBid >= order.price;
      if (through) {
        this.fillResting(order, order.remaining, order.price, now);
        any = true;
      }
    }
    if (any) this.removeFilled();
  }

  private fillResting(order: RestingOrder, size: Lots, price: Ticks, now: Micros): void {
    order.remaining -= size;
    order.filled += size;
    this.emitFill(order.id, order.side, price, size, 'maker', now, order.remaining);
  }

  private emitFill(orderId: string, side: Side, price: Ticks, size: Lots, liquidity: Liquidity, exchTs: Micros, remaining: Lots): void {
    const fee = feeMicroTickLots(price, size, liquidity, this.fees);
    this.onFill({ orderId, side, price, size, liquidity, fee, exchTs, remaining });
  }

  private removeFilled(): void {
    let kept = 0;
    for (const order of this.resting) if (order.remaining > 0) this.resting[kept++] = order;
    this.resting.length = kept;
  }
}
