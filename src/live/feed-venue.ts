import { SpreadlabError } from '../core/errors.ts';
import type { MarketUnits } from '../core/market.ts';
import type { Lots, Side, Ticks } from '../core/units.ts';
import type { OrderRecord, SentOrder } from '../sim/order-log.ts';
import type { BookView, Level, OpenOrder, OrderAck, Snapshot, TradeView } from '../strategy/api.ts';
import { VenueHooks } from '../strategy/hooks.ts';
import { rejectedAck } from '../strategy/order-check.ts';
import { wallMicros, type BookUpdate, type TradeUpdate } from './feed.ts';
import type { EventLog, RunTape } from './tape.ts';

/**
 * What the live and the dry-run venue share: the run hands both every book and trade the same way, so the
 * strategy's onBook/onTrade hooks, getSnapshot, the open orders and the tape's own-quote record behave
 * alike in both.
 *
 * Rules:
 * - `publishBook` keeps the latest book; the onBook hooks run only when the run says the top changed.
 *   `publishTrade` runs the onTrade hooks for every trade. Hook times are local receipt times (ms).
 * - `getSnapshot` answers from the latest book (a real bot's view), cut to `depth` levels; before the
 *   first update from `fetchBook` (REST live; none in a dry run: an empty snapshot, NaN prices).
 *   `fetchSnapshot` reads `fetchBook` (live: ccxt fetchOrderBook, a REST round trip; a dry run has no
 *   exchange to ask and answers from the latest book).
 * - `open` is our open orders as we know them (ticks, lots); after every change the venue records our
 *   best bid and ask on the tape (`publishQuotes`, local time; NaN for a side without an order).
 * - A request refused before sending (order-check.ts) counts as a reject on the tape; a refused new order's
 *   ack has no id, a refused amend's the order's.
 * - Only the run's market can be traded; another market name throws.
 * - Orders are recorded in the tape's order log (order-log.ts) with the book the feed showed when they
 *   were sent (`recordSent`); forgetting open orders as cancelled stamps their cancel time.
 */
export interface OwnOrder {
  side: Side;
  price: Ticks;
  remaining: Lots;
}

export abstract class FeedVenue extends VenueHooks {
  latest: BookUpdate | null = null;
  readonly open = new Map<string, OwnOrder>();

  constructor(
    protected readonly market: string,
    protected readonly units: MarketUnits,
    protected readonly tape: RunTape,
    protected readonly log: EventLog,
  ) {
    super();
  }

  /** A book update reached us: remember it and tell the strategy's onBook hooks when the top changed. */
  publishBook(update: BookUpdate, bestBid: number, bestAsk: number, changed: boolean): void {
    this.latest = update;
    if (!changed || this.bookHandlers.length === 0) return;
    const view: BookView = { market: this.market, timestamp: update.localTs / 1000, bestBid, bestAsk, mid: (bestBid + bestAsk) / 2 };
    for (const h of this.bookHandlers) h(view);
  }

  /** A market trade reached us: tell the strategy's onTrade hooks. */
  publishTrade(trade: TradeUpdate): void {
    const view: TradeView = {
      market: this.market,
      timestamp: trade.localTs / 1000,
      price: trade.price,
      size: trade.size,
      takerSide: trade.takerSide,
    };
    for (const h of this.tradeHandlers) h(view);
  }

  async getSnapshot(market: string, depth = 10): Promise<Snapshot> {
    this.checkMarket(market);
    return this.snapshotOf(market, this.latest ?? (await this.fetchBook(depth)), depth);
  }

  async fetchSnapshot(market: string, depth = 10): Promise<Snapshot> {
    this.checkMarket(market);
    return this.snapshotOf(market, (await this.fetchBook(depth)) ?? this.latest, depth);
  }

  private snapshotOf(market: string, book: BookUpdate | null, depth: number): Snapshot {
    if (!book) return { market, timestamp: Date.now(), bestBid: NaN, bestAsk: NaN, mid: NaN, bids: [], asks: [] };
    const take = (levels: BookUpdate['bids']): Level[] =>
      Array.from({ length: Math.min(depth, levels.length) }, (_, i) => ({ price: Number(levels[i][0]), size: Number(levels[i][1]) }));
    const bids = take(book.bids);
    const asks = take(book.asks);
    const bestBid = bids[0]?.price ?? NaN;
    const bestAsk = asks[0]?.price ?? NaN;
    return { market, timestamp: book.exchTs / 1000, bestBid, bestAsk, mid: (bestBid + bestAsk) / 2, bids, asks };
  }

  async getOpenOrders(market: string): Promise<OpenOrder[]> {
    this.checkMarket(market);
    return [...this.open.entries()].map(([id, o]) => ({
      id,
      market,
      side: o.side,
      price: this.units.price(o.price),
      remaining: this.units.size(o.remaining),
      filled: 0,
    }));
  }

  /** The venue's book read with a request (REST), or null when there is no venue to ask (dry run). */
  protected abstract fetchBook(depth: number): Promise<BookUpdate | null>;

  /** Records our best bid and ask (ticks; NaN when none) among the open orders. */
  protected publishQuotes(): void {
    let bid = NaN;
    let ask = NaN;
    for (const o of this.open.values()) {
      if (o.side === 'buy' && !(o.price <= bid)) bid = o.price;
      if (o.side === 'sell' && !(o.price >= ask)) ask = o.price;
    }
    this.tape.ownQuotes(wallMicros(), bid, ask);
  }

  /**
   * Records an order being sent (id "" until the exchange names it) with the feed's latest book: its mid and
   * the size displayed at the order's price (0 inside the book's range without a level there, NaN beyond
   * its last level or before the first book).
   */
  protected recordSent(id: string, order: SentOrder, sentTs: number): OrderRecord {
    const record = this.tape.orders.sent(id, order, sentTs);
    const book = this.latest;
    if (!book || book.bids.length === 0 || book.asks.length === 0) return record;
    const tick = (levels: BookUpdate['bids'], i: number): Ticks => this.units.roundToTick(Number(levels[i][0]));
    const levels = order.side === 'buy' ? book.bids : book.asks;
    let queueAhead = NaN;
    for (let i = 0; i < levels.length; i++) {
      const price = tick(levels, i);
      if (price === order.price) queueAhead = Math.round(Number(levels[i][1]) / this.units.spec.lotSize);
      const beyond = order.side === 'buy' ? price < order.price : price > order.price;
      if (Number.isNaN(queueAhead) && beyond) queueAhead = 0;
    }
    this.tape.orders.placed(record, tick(book.bids, 0) + tick(book.asks, 0), queueAhead);
    return record;
  }

  /** A request refused before it was sent: counted on the tape, answered at once. */
  protected refuse(id: string, remaining: number, reason: string): OrderAck {
    this.tape.rejects++;
    return rejectedAck(id, remaining, reason);
  }

  /**
   * Forgets every open order as cancelled: `count` of them (default: those open now; live, those open when
   * the cancel was sent) counted on the tape and logged as `event`. Returns the count.
   */
  protected forgetAll(event: string, count = this.open.size): number {
    this.closeAll();
    this.tape.cancels += count;
    this.log.write(event, { count });
    this.publishQuotes();
    return count;
  }

  /** Forgets every open order, stamping it cancelled now in the order log. */
  closeAll(): void {
    const now = wallMicros();
    for (const id of this.open.keys()) this.tape.orders.cancelled(id, now);
    this.open.clear();
  }

  protected checkMarket(market: string): void {
    if (market !== this.market) throw new SpreadlabError(`unknown market "${market}": this run trades "${this.market}"`);
  }
}
