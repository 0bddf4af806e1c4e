import { L2Book } from '../book/l2-book.ts';
import { objectArray, truncate } from '../core/arrays.ts';
import type { BookSide, MarketEvent, OrderStatus } from '../core/events.ts';
import { oppositeSide, type Lots, type Micros, type Side, type Ticks } from '../core/units.ts';
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
 *   most its size, and one accounting of the print covers all our orders: what our through orders took
 *   never reached the trade's price, so only the rest of the print consumes the queue ahead there (a
 *   10-lot print of which our better bid took 4 advances the queue at the print's price by 6). Fills can
 *   be partial; sizes stay whole lots (a fractional queue estimate rounds down what we get).
 * - Book-through: when, after a complete book message (a delta flagged last, a snapshot), the best ask is
 *   at or below one of our bids (or the best bid at or above one of our asks), the market has moved through
 *   our price, and the order fills at its price as maker. How much, by the venue's `bookThrough` rule:
 *   - `crossed-quantity` (default, conservative): at most the displayed quantity that crossed, the opposite
 *     side's sizes at or through the order's price. A displayed cross is used once: each order remembers
 *     the quantity through its price at the last complete book (`crossSeen`) and later messages fill it
 *     only with what was added through its price since; when nothing of ours is crossed any more, every
 *     order forgets. Our orders on one side share the crossed quantity, best price first (then time
 *     priority): an order gets what is newly displayed through its price less what our better orders took
 *     in the same message (as if they took the liquidity that also reached it). An order arriving (or
 *     amended) through the displayed book counts what is displayed through its price then as seen: a
 *     crossing limit order took it as a taker on arrival. The unfilled rest keeps resting at its price.
 *   - `full` (optimistic, hftbacktest's rule): the whole remaining size fills, however little crossed.
 * - Maker fills pay the maker fee (a rebate when negative), taker fills the taker fee.
 * - Quote (best bid/offer) events do not change the venue's book; depth events do. Order events (order-by-order
 *   data) go to the queue model only (an order-by-order model follows the queue with them: l3-queue.ts).
 * - Replies (submit, cancel, amend) are one reused record, valid until the next call; closed orders'
 *   records are reused for new ones, so a steady quoting loop allocates nothing per order.
 * Known limits: liquidity our taker orders take is not removed from the replayed book; the taker walk sees
 * at most `MAX_WALK_LEVELS` levels; no self-trade prevention; no minimum notional.
 */
export const MAX_WALK_LEVELS = 1_000;
/** How much of a resting order a book moving through its price fills (see the header). */
export const BOOK_THROUGH_RULES = ['crossed-quantity', 'full'] as const;
export type BookThroughRule = (typeof BOOK_THROUGH_RULES)[number];
export const POST_ONLY_CROSS = 'post-only order would cross the book';
const UNKNOWN_ORDER = 'unknown or closed order';

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

/** Price-time priority of our bids (highest first) and asks (lowest first). */
const bidPriority = (a: RestingOrder, b: RestingOrder): number => (a.price === b.price ? a.priority - b.priority : b.price - a.price);
const askPriority = (a: RestingOrder, b: RestingOrder): number => (a.price === b.price ? a.priority - b.priority : a.price - b.price);

/** Our bids first, then our asks, each side in price-time priority. */
const sidePriority = (a: RestingOrder, b: RestingOrder): number =>
  a.side !== b.side ? (a.side === 'buy' ? -1 : 1) : a.side === 'buy' ? bidPriority(a, b) : askPriority(a, b);

/** Whether a trade at `price` that hits `hitSide` reaches the order (at or through its price). */
function reaches(order: RestingOrder, hitSide: Side, price: Ticks): boolean {
  return order.side === hitSide && (hitSide === 'buy' ? order.price >= price : order.price <= price);
}

export class SimExchange {
  readonly book = new L2Book();
  private readonly resting = objectArray<RestingOrder>();
  private readonly matched = objectArray<RestingOrder>();
  /** Records of closed orders, reused for new ones (no allocation per order in a steady quoting loop). */
  private readonly free = objectArray<RestingOrder>();
  private readonly reply: VenueReply = { id: '', status: 'open', filled: 0, remaining: 0 };
  private readonly previousSizes: number[] = [];
  private readonly walkPrices = new Float64Array(MAX_WALK_LEVELS);
  private readonly walkSizes = new Float64Array(MAX_WALK_LEVELS);
  private nextPriority = 0;
  // The price range of our resting bids and of our asks (empty: low Infinity, high −Infinity), so that the
  // many market events far from our quotes skip the per-order checks.
  private bidLow = Infinity;
  private bidHigh = -Infinity;
  private askLow = Infinity;
  private askHigh = -Infinity;
  /** Whether some order may remember a displayed cross (crossSeen > 0), to forget when the book uncrosses. */
  private crossRemembered = false;

  constructor(
    private readonly queue: QueueModel,
    private readonly fees: FeeSchedule,
    private readonly onFill: (fill: VenueFill) => void,
    private readonly bookThrough: BookThroughRule = 'crossed-quantity',
  ) {}

  openOrders(): readonly RestingOrder[] {
    return this.resting;
  }

  /** Our best resting bid (NaN when none). */
  ownBestBid(): Ticks {
    return this.bidHigh === -Infinity ? NaN : this.bidHigh;
  }

  /** Our best resting ask (NaN when none). */
  ownBestAsk(): Ticks {
    return this.askLow === Infinity ? NaN : this.askLow;
  }

  applyMarketEvent(event: MarketEvent): void {
    switch (event.kind) {
      case 'delta':
        this.applyDelta(event.side, event.price, event.size);
        if (event.last) this.endBookMessage(event.exchTs);
        break;
      case 'snapshot':
        this.rememberQueueLevels();
        this.book.applySnapshot(event);
        this.updateQueuesAfterSnapshot();
        this.endBookMessage(event.exchTs);
        break;
      case 'trade':
        this.applyTrade(event.takerSide, event.price, event.size, event.exchTs);
        break;
      case 'order':
        this.queue.onOrderEvent?.(event, this.resting);
        break;
      case 'quote':
        break;
    }
  }

  submit(order: OrderIntent, now: Micros): VenueReply {
    const market = order.type === 'market';
    const crosses = !market && this.wouldCross(order.side, order.price);
    if (crosses && order.postOnly) return this.answer(order.id, 'rejected', 0, order.size, POST_ONLY_CROSS);
    const limit = market ? (order.side === 'buy' ? Infinity : -Infinity) : order.price;
    // Only an order that reaches the opposite best price can take liquidity (most quotes cannot).
    const filled = market || crosses ? this.takeLiquidity(order.id, order.side, limit, order.size, now) : 0;
    const remaining = order.size - filled;
    if (remaining === 0) return this.answer(order.id, 'filled', filled, 0);
    if (market || order.timeInForce === 'IOC') return this.answer(order.id, 'cancelled', filled, 0);
    this.rest(order, remaining, filled, now);
    return this.answer(order.id, 'open', filled, remaining);
  }

  cancel(id: string): VenueReply {
    const index = this.indexOf(id);
    if (index < 0) return this.answer(id, 'rejected', 0, 0, UNKNOWN_ORDER);
    const order = this.removeAt(index);
    this.free.push(order);
    return this.answer(id, 'cancelled', order.filled, 0);
  }

  /** Cancels every resting order; returns how many. */
  cancelAll(): number {
    const count = this.resting.length;
    // Not `free.push(resting.pop())`: V8 does not inline a push of a pop's result (measured: a builtin call each time).
    for (const order of this.resting) this.free.push(order);
    truncate(this.resting, 0);
    this.updatePriceRanges();
    return count;
  }

  amend(id: string, price: Ticks, size: Lots, now: Micros): VenueReply {
    const index = this.indexOf(id);
    if (index < 0) return this.answer(id, 'rejected', 0, 0, UNKNOWN_ORDER);
    const order = this.resting[index];
    if (size <= 0) return this.answer(id, 'rejected', order.filled, order.remaining, 'amended size must be positive');
    if (price !== order.price && order.postOnly && this.wouldCross(order.side, price)) {
      return this.answer(id, 'rejected', order.filled, order.remaining, POST_ONLY_CROSS);
    }
    const losesPriority = price !== order.price || size > order.remaining;
    order.price = price;
    order.remaining = size;
    if (losesPriority) this.enqueue(this.removeAt(index), now);
    return this.answer(id, 'open', order.filled, order.remaining);
  }

  /** Removes and returns the order at `index`, keeping the others in time priority. */
  private removeAt(index: number): RestingOrder {
    const orders = this.resting;
    const order = orders[index];
    for (let i = index; i < orders.length - 1; i++) orders[i] = orders[i + 1];
    orders.pop();
    this.updatePriceRanges();
    return order;
  }

  private indexOf(id: string): number {
    for (let i = 0; i < this.resting.length; i++) if (this.resting[i].id === id) return i;
    return -1;
  }

  /** Fills in the one reply object (read it before the next call: replies are not kept). */
  private answer(id: string, status: OrderStatus, filled: Lots, remaining: Lots, reason?: string): VenueReply {
    const reply = this.reply;
    reply.id = id;
    reply.status = status;
    reply.filled = filled;
    reply.remaining = remaining;
    reply.reason = reason;
    return reply;
  }

  private wouldCross(side: Side, price: Ticks): boolean {
    return side === 'buy' ? price >= this.book.bestAsk : price <= this.book.bestBid;
  }

  /** Rests an order, reusing a record of a closed one when there is one. */
  private rest(order: OrderIntent, remaining: Lots, filled: Lots, now: Micros): void {
    const resting = this.free.pop() ?? {
      id: '',
      side: 'buy',
      price: 0,
      remaining: 0,
      filled: 0,
      postOnly: false,
      priority: 0,
      arrivedAt: 0,
      queueAhead: 0,
      tradedSinceDepth: 0,
      crossSeen: 0,
    };
    resting.id = order.id;
    resting.side = order.side;
    resting.price = order.price;
    resting.remaining = remaining;
    resting.filled = filled;
    resting.postOnly = order.postOnly;
    this.enqueue(resting, now);
  }

  /** Puts an order at the back of the queue at its price. */
  private enqueue(order: RestingOrder, now: Micros): void {
    order.priority = this.nextPriority++;
    order.arrivedAt = now;
    order.queueAhead = this.book.sizeAt(order.side === 'buy' ? 'bid' : 'ask', order.price);
    order.tradedSinceDepth = 0;
    this.queue.onJoin?.(order, this.book);
    order.crossSeen = this.displayedThrough(order.side, order.price);
    if (order.crossSeen > 0) this.crossRemembered = true;
    this.resting.push(order);
    this.widenPriceRange(order);
  }

  /** Recomputes the price ranges of our bids and asks after orders left the book. */
  private updatePriceRanges(): void {
    this.bidLow = this.askLow = Infinity;
    this.bidHigh = this.askHigh = -Infinity;
    for (const order of this.resting) this.widenPriceRange(order);
  }

  private widenPriceRange(order: RestingOrder): void {
    if (order.side === 'buy') {
      if (order.price < this.bidLow) this.bidLow = order.price;
      if (order.price > this.bidHigh) this.bidHigh = order.price;
    } else {
      if (order.price < this.askLow) this.askLow = order.price;
      if (order.price > this.askHigh) this.askHigh = order.price;
    }
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

  /**
   * A delta's level change (applyMarketEvent's delta case, for callers that read deltas as rows): call
   * endBookMessage after the last delta of a message.
   */
  applyDelta(side: BookSide, price: Ticks, size: Lots): void {
    const ours = side === 'bid' ? price >= this.bidLow && price <= this.bidHigh : price >= this.askLow && price <= this.askHigh;
    if (ours) this.updateQueuesAt(side, price, size);
    this.book.set(side, price, size);
  }

  /** The queue model's depth change for our orders resting at `price` (before the book takes the new size). */
  private updateQueuesAt(side: BookSide, price: Ticks, size: Lots): void {
    const orderSide: Side = side === 'bid' ? 'buy' : 'sell';
    let previous = NaN; // read only when one of our orders stands at this price (most deltas touch none)
    for (const order of this.resting) {
      if (order.side === orderSide && order.price === price) {
        if (Number.isNaN(previous)) previous = this.book.sizeAt(side, price);
        this.queue.onDepthChange(order, previous, size);
      }
    }
  }

  /** A complete book message has been applied (a delta flagged last, a snapshot): queue model, then book-through fills. */
  endBookMessage(exchTs: Micros): void {
    this.queue.onBookMessage?.(this.book, this.resting);
    this.fillBookThrough(exchTs);
  }

  private rememberQueueLevels(): void {
    truncate(this.previousSizes, 0);
    for (const order of this.resting) this.previousSizes.push(this.book.sizeAt(order.side === 'buy' ? 'bid' : 'ask', order.price));
  }

  private updateQueuesAfterSnapshot(): void {
    for (let i = 0; i < this.resting.length; i++) {
      const order = this.resting[i];
      const next = this.book.sizeAt(order.side === 'buy' ? 'bid' : 'ask', order.price);
      this.queue.onDepthChange(order, this.previousSizes[i], next);
    }
  }

  /** A market trade (applyMarketEvent's trade case, for callers that read trades as rows). */
  applyTrade(takerSide: Side, price: Ticks, size: Lots, exchTs: Micros): void {
    const hitSide = oppositeSide(takerSide);
    // Most trades reach none of our quotes.
    if (hitSide === 'buy' ? this.bidHigh < price : this.askLow > price) return;
    const matched = this.matched;
    truncate(matched, 0);
    for (const order of this.resting) if (reaches(order, hitSide, price)) matched.push(order);
    // Best price first, then time priority.
    if (matched.length > 1) matched.sort(hitSide === 'buy' ? bidPriority : askPriority);
    let available = size;
    let atPriceBudget = NaN;
    let ownAheadAtTradePrice = 0;
    for (const order of matched) {
      let reach = available;
      if (order.price === price) {
        // What through fills left of the trade (all that reached this price) first consumes the market
        // queue ahead, then our earlier orders at this price (whose whole remaining size stands ahead,
        // filled or not).
        if (Number.isNaN(atPriceBudget)) atPriceBudget = available;
        reach = Math.floor(atPriceBudget - order.queueAhead - ownAheadAtTradePrice);
        ownAheadAtTradePrice += order.remaining;
        this.queue.onTrade(order, atPriceBudget);
      }
      const take = Math.min(order.remaining, Math.max(0, reach));
      if (take > 0) {
        available -= take;
        this.fillResting(order, take, order.price, exchTs);
      }
    }
    this.removeFilled();
  }

  private fillBookThrough(now: Micros): void {
    const { bestBid, bestAsk } = this.book;
    if (!(bestAsk <= this.bidHigh) && !(bestBid >= this.askLow)) {
      // nothing of ours is crossed (the common case): a later cross is new liquidity
      if (this.crossRemembered) for (const order of this.resting) order.crossSeen = 0;
      this.crossRemembered = false;
      return;
    }
    const crossed = this.matched;
    truncate(crossed, 0);
    for (const order of this.resting) {
      if (order.side === 'buy' ? bestAsk <= order.price : bestBid >= order.price) crossed.push(order);
      else order.crossSeen = 0;
    }
    if (crossed.length > 1) crossed.sort(sidePriority);
    let bidsTook = 0;
    let asksTook = 0;
    for (const order of crossed) {
      let size = order.remaining;
      if (this.bookThrough === 'crossed-quantity') {
        const displayed = this.displayedThrough(order.side, order.price);
        const added = displayed - order.crossSeen;
        order.crossSeen = displayed;
        size = Math.min(size, Math.max(0, added - (order.side === 'buy' ? bidsTook : asksTook)));
        if (order.side === 'buy') bidsTook += size;
        else asksTook += size;
        this.crossRemembered = true;
      }
      if (size > 0) this.fillResting(order, size, order.price, now);
    }
    this.removeFilled();
  }

  /** Displayed size on the opposite side at or through `price`: what a book-through can fill an order at `price` with. */
  private displayedThrough(side: Side, price: Ticks): Lots {
    const book = this.book;
    let total = 0;
    // Walks the crossed ticks only (none when the book does not reach the price: NaN compares false).
    if (side === 'buy') for (let p = book.bestAsk; p <= price; p++) total += book.sizeAt('ask', p);
    else for (let p = book.bestBid; p >= price; p--) total += book.sizeAt('bid', p);
    return total;
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
    for (const order of this.resting) {
      if (order.remaining > 0) this.resting[kept++] = order;
      else this.free.push(order);
    }
    if (kept === this.resting.length) return; // the common case: the queue ahead absorbed the trade
    truncate(this.resting, kept);
    this.updatePriceRanges();
  }
}
