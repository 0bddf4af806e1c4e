import type { MarketUnits } from '../core/market.ts';
import { SpreadlabError } from '../core/errors.ts';
import { sideSign, US_PER_MS, type Lots, type Micros, type Side, type Ticks } from '../core/units.ts';
import { L2Book } from '../book/l2-book.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type {
  BookView,
  Clock,
  FillEvent,
  Level,
  OpenOrder,
  OrderAck,
  OrderRequest,
  Snapshot,
  StrategyContext,
  TradeView,
  Venue,
} from '../strategy/api.ts';
import type { MarketEvent, Trade } from '../core/events.ts';
import { VenueHooks } from '../strategy/hooks.ts';
import type { RecordedSeries } from '../strategy/recorded-series.ts';
import { checkAmend, checkOrder, rejectedAck } from '../strategy/order-check.ts';
import type { SimExchange, VenueFill } from '../venue/exchange.ts';
import type { FifoChannel, LatencyModel } from '../venue/latency.ts';
import type { OrderIntent, VenueReply } from '../venue/orders.ts';
import { placedAtVenue, type OrderLog } from './order-log.ts';
import { Rank, type Scheduler } from './scheduler.ts';

/**
 * The strategy's side of a backtest (and of paper trading): the `Venue` and `Clock` the strategy code calls,
 * in decimals, what the strategy has been told so far, and the latency between it and the simulated exchange.
 *
 * Rules:
 * - What the strategy reads is what live code reads: its own feed and the notices it has received, never
 *   the venue's state. `getSnapshot` answers from the strategy's book: its feed (`receiveMarket`, market
 *   events at their localTs) as of the last complete message, stamped with that message's exchange time.
 *   `getPosition` is the sum of the fill notices received; `getOpenOrders` the orders acknowledged open,
 *   less those a cancel or cancel-all answer, or fill notices, have closed since. These three cost no
 *   virtual time (live, they read the websocket book and the fill notices, without a request).
 * - `fetchSnapshot`, `fetchPosition` and `fetchOpenOrders` are the REST reads: a round trip, the venue's
 *   book, position and open orders at the request's arrival.
 * - Every other venue call is a round trip: the request reaches the exchange after the entry latency, the
 *   exchange acts at that time, and the answer reaches the strategy after the response latency.
 * - Fill notices travel on the same FIFO response channel as replies, so the strategy never sees a fill
 *   before the response latency has passed since the fill, and sees an order's acknowledgement before the
 *   notices of its later fills (the notices of what it took on arrival come just before its ack, whose
 *   `remaining` already counts them).
 * - Hooks: `onTrade` for every print reaching the feed; `onBook` at the end of a feed message (a snapshot,
 *   a delta flagged last) that changed the top of book, so a hook never sees a half-applied message;
 *   `onFill` when a fill notice arrives (after the position and open orders above have counted it).
 * - Order ids are assigned when the strategy sends the order ("1", "2", …), so it may cancel an order whose
 *   acknowledgement has not arrived yet.
 * - A request that fails the order checks (order-check.ts: a limit order without a price, a size or price
 *   that is not a whole positive number of lots or ticks) is rejected at once, without reaching the venue
 *   (as an exchange client library refuses it before sending), exactly as the live venues reject it.
 * - `clock.now()` is virtual milliseconds; `clock.sleep(ms)` resolves true at now + ms, or false when the
 *   run ends first. Only the market named in the context can be traded.
 * - Every order sent is recorded in the order log (order-log.ts): sent, reached the venue (with the book
 *   and queue it met), answered, cancelled, filled.
 */
export interface GatewayParts {
  units: MarketUnits;
  exchange: SimExchange;
  /** The venue's ledger (fetchPosition reads it). */
  ledger: Ledger;
  scheduler: Scheduler;
  latency: LatencyModel;
  entry: FifoChannel;
  responses: FifoChannel;
  orderLog: OrderLog;
  now: () => Micros;
  endTs: () => Micros;
  /** Where `context.record` puts the strategy's series. */
  strategySeries: RecordedSeries;
}

/** One of our orders as the strategy knows it, from acknowledgements and fill notices (ticks, lots). */
interface KnownOrder {
  side: Side;
  price: Ticks;
  remaining: Lots;
  filled: Lots;
}

const DEFAULT_DEPTH = 10;

export class SimGateway extends VenueHooks implements Venue, Clock {
  ordersSent = 0;
  rejects = 0;
  cancels = 0;
  private nextOrderId = 1;
  private readonly pendingSleeps = new Set<(alive: boolean) => void>();
  private ended = false;
  /** The strategy's book: its feed, as of the last complete message. */
  private readonly feedBook = new L2Book();
  /** Exchange time of the last complete message of the feed. */
  private feedExchTs: Micros = NaN;
  private lastBookBid = NaN;
  private lastBookAsk = NaN;
  /** The position the fill notices received add up to, lots. */
  private knownPosition: Lots = 0;
  private readonly knownOrders = new Map<string, KnownOrder>();

  constructor(private readonly parts: GatewayParts) {
    super();
  }

  context(): StrategyContext {
    return {
      venue: this,
      clock: this,
      market: this.market,
      tickSize: this.parts.units.spec.tickSize,
      lotSize: this.parts.units.spec.lotSize,
      record: (name, value) => this.parts.strategySeries.record(this.parts.now(), name, value),
    };
  }

  private get market(): string {
    return this.parts.units.spec.symbol;
  }

  // Clock

  now(): number {
    return this.parts.now() / US_PER_MS;
  }

  sleep(ms: number): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.pendingSleeps.add(resolve);
      const wake = this.parts.now() + Math.max(0, Math.round(ms * US_PER_MS));
      this.parts.scheduler.schedule(wake, Rank.strategyWake, () => {
        this.pendingSleeps.delete(resolve);
        resolve(true);
      });
    });
  }

  /** Resolves every pending sleep to false: the run is over. */
  endRun(): void {
    this.ended = true;
    for (const resolve of this.pendingSleeps) resolve(false);
    this.pendingSleeps.clear();
  }

  // Venue: what the strategy has been told (no round trip)

  getSnapshot(market: string, depth = DEFAULT_DEPTH): Promise<Snapshot> {
    return this.answerNow(market, () => this.snapshotOf(this.feedBook, this.feedExchTs, depth));
  }

  getPosition(market: string): Promise<number> {
    return this.answerNow(market, () => this.parts.units.size(this.knownPosition));
  }

  getOpenOrders(market: string): Promise<OpenOrder[]> {
    return this.answerNow(market, () => [...this.knownOrders].map(([id, o]) => this.openOrder(id, o.side, o.price, o.remaining, o.filled)));
  }

  // Venue: REST reads (a round trip to the venue's state)

  fetchSnapshot(market: string, depth = DEFAULT_DEPTH): Promise<Snapshot> {
    return this.roundTrip(market, (arrival) => this.snapshotOf(this.parts.exchange.book, arrival, depth));
  }

  fetchPosition(market: string): Promise<number> {
    return this.roundTrip(market, () => this.parts.units.size(this.parts.ledger.position));
  }

  fetchOpenOrders(market: string): Promise<OpenOrder[]> {
    return this.roundTrip(market, () =>
      this.parts.exchange.openOrders().map((o) => this.openOrder(o.id, o.side, o.price, o.remaining, o.filled)),
    );
  }

  // Venue: orders

  placeOrder(request: OrderRequest): Promise<OrderAck> {
    const id = String(this.nextOrderId++);
    const checked = checkOrder(this.parts.units, request);
    if (!checked.ok) return Promise.resolve(this.rejectAtOnce(id, request.size, checked.reason));
    this.ordersSent++;
    const intent: OrderIntent = { id, ...checked.order };
    const { exchange, orderLog } = this.parts;
    const sentTs = this.parts.now();
    const record = orderLog.sent(id, checked.order, sentTs);
    let resting: KnownOrder | null = null;
    return this.roundTrip(
      request.market,
      (arrival) => {
        const reply = exchange.submit(intent, arrival);
        placedAtVenue(orderLog, record, exchange, arrival, reply);
        if (reply.status === 'open') resting = { side: intent.side, price: intent.price, remaining: reply.remaining, filled: reply.filled };
        return this.toAck(reply);
      },
      (ack, back) => {
        orderLog.answered(record, back, ack.status, ack.reason);
        if (resting) this.knownOrders.set(id, resting);
      },
      sentTs,
    );
  }

  cancelOrder(market: string, orderId: string): Promise<OrderAck> {
    return this.roundTrip(
      market,
      (arrival) => {
        const reply = this.parts.exchange.cancel(orderId);
        if (reply.status === 'cancelled') {
          this.cancels++;
          this.parts.orderLog.cancelled(orderId, arrival);
        }
        return this.toAck(reply);
      },
      (ack) => {
        if (ack.status === 'cancelled') this.knownOrders.delete(orderId);
      },
    );
  }

  cancelAllOrders(market: string): Promise<number> {
    return this.roundTrip(
      market,
      (arrival) => {
        for (const order of this.parts.exchange.openOrders()) this.parts.orderLog.cancelled(order.id, arrival);
        const count = this.parts.exchange.cancelAll();
        this.cancels += count;
        return count;
      },
      () => this.knownOrders.clear(),
    );
  }

  amendOrder(market: string, orderId: string, change: { price?: number; size?: number }): Promise<OrderAck> {
    const checked = checkAmend(this.parts.units, change);
    if (!checked.ok) return Promise.resolve(this.rejectAtOnce(orderId, change.size ?? 0, checked.reason));
    let amended: { price: Ticks; remaining: Lots } | null = null;
    return this.roundTrip(
      market,
      (arrival) => {
        const order = this.parts.exchange.openOrders().find((o) => o.id === orderId);
        const newPrice = checked.price ?? order?.price ?? 0;
        const newSize = checked.size ?? order?.remaining ?? 0;
        const reply = this.parts.exchange.amend(orderId, newPrice, newSize, arrival);
        if (reply.status === 'open') amended = { price: newPrice, remaining: reply.remaining };
        return this.toAck(reply);
      },
      () => {
        const known = this.knownOrders.get(orderId);
        if (known && amended) Object.assign(known, amended);
      },
    );
  }

  // Called by the event loop

  /** A fill happened at the venue: its notice reaches the strategy after the response latency, returned. */
  notifyFill(fill: VenueFill): Micros {
    const { units } = this.parts;
    const event: FillEvent = {
      orderId: fill.orderId,
      market: this.market,
      side: fill.side,
      price: units.price(fill.price),
      size: units.size(fill.size),
      fee: units.money(fill.fee),
      liquidity: fill.liquidity,
      timestamp: fill.exchTs / US_PER_MS,
    };
    const { orderId, side, size } = fill;
    const arrival = this.parts.responses.arrival(fill.exchTs, this.parts.latency.response(fill.exchTs));
    this.parts.orderLog.filledBy(orderId, size);
    this.parts.scheduler.schedule(arrival, Rank.strategyNotice, () => {
      this.knownPosition += sideSign(side) * size;
      const known = this.knownOrders.get(orderId);
      if (known) {
        known.remaining -= size;
        known.filled += size;
        if (known.remaining <= 0) this.knownOrders.delete(orderId);
      }
      for (const handler of this.fillHandlers) handler(event);
    });
    return arrival;
  }

  /**
   * A market event reached the strategy's feed (at its localTs): updates the strategy's book and runs the
   * hooks (onTrade for a print; onBook at the end of a message that changed the top). Returns whether a hook ran.
   */
  receiveMarket(event: MarketEvent): boolean {
    switch (event.kind) {
      case 'trade':
        return this.publishTrade(event);
      case 'quote':
      case 'order': // order-by-order events are for the venue's queue model, not a strategy's feed
        return false;
      case 'snapshot':
        this.feedBook.applySnapshot(event);
        break;
      case 'delta':
        this.feedBook.set(event.side, event.price, event.size);
        if (!event.last) return false;
        break;
    }
    this.feedExchTs = event.exchTs;
    return this.publishBook();
  }

  private publishTrade(trade: Trade): boolean {
    if (this.tradeHandlers.length === 0) return false;
    const { units } = this.parts;
    const view: TradeView = {
      market: this.market,
      timestamp: this.now(),
      price: units.price(trade.price),
      size: units.size(trade.size),
      takerSide: trade.takerSide,
    };
    for (const handler of this.tradeHandlers) handler(view);
    return true;
  }

  /** Tells the onBook hooks when the feed's top of book changed (returns whether one ran). */
  private publishBook(): boolean {
    if (this.bookHandlers.length === 0) return false;
    const book = this.feedBook;
    if (book.bestBid === this.lastBookBid && book.bestAsk === this.lastBookAsk) return false;
    this.lastBookBid = book.bestBid;
    this.lastBookAsk = book.bestAsk;
    const { units } = this.parts;
    const view: BookView = {
      market: this.market,
      timestamp: this.now(),
      bestBid: units.price(book.bestBid),
      bestAsk: units.price(book.bestAsk),
      mid: units.price(book.bestBid + book.bestAsk) / 2,
    };
    for (const handler of this.bookHandlers) handler(view);
    return true;
  }

  /** A read of what the strategy has been told: no round trip (a promise, as live code awaits it). */
  private answerNow<T>(market: string, read: () => T): Promise<T> {
    if (market !== this.market) return Promise.reject(this.unknownMarket(market));
    return Promise.resolve(read());
  }

  /**
   * A request to the venue sent at `sentTs` (default now): `act` runs when it arrives (after the entry
   * latency) and its answer reaches the strategy after the response latency, when `received` updates what
   * the strategy knows (and the order log when the answer came back) before it resolves.
   */
  private roundTrip<T>(
    market: string,
    act: (arrival: Micros) => T,
    received?: (answer: T, back: Micros) => void,
    sentTs: Micros = this.parts.now(),
  ): Promise<T> {
    if (market !== this.market) return Promise.reject(this.unknownMarket(market));
    const { scheduler, latency, entry, responses } = this.parts;
    const arrival = entry.arrival(sentTs, latency.entry(sentTs));
    return new Promise((resolve) => {
      scheduler.schedule(arrival, Rank.orderArrival, () => {
        const answer = act(arrival);
        const back = responses.arrival(arrival, latency.response(arrival));
        scheduler.schedule(back, Rank.strategyNotice, () => {
          received?.(answer, back);
          resolve(answer);
        });
      });
    });
  }

  private unknownMarket(market: string): SpreadlabError {
    return new SpreadlabError(`unknown market "${market}": this run trades "${this.market}"`);
  }

  /** A book (the strategy's feed or the venue's) as the strategy API's snapshot, stamped `timeUs`. */
  private snapshotOf(book: L2Book, timeUs: Micros, depth: number): Snapshot {
    const { units } = this.parts;
    const levels = (side: 'bid' | 'ask'): Level[] => {
      const prices = new Array<number>(depth);
      const sizes = new Array<number>(depth);
      const count = book.topLevels(side, prices, sizes);
      return prices.slice(0, count).map((p, i) => ({ price: units.price(p), size: units.size(sizes[i]) }));
    };
    const bestBid = units.price(book.bestBid);
    const bestAsk = units.price(book.bestAsk);
    return {
      market: this.market,
      timestamp: timeUs / US_PER_MS,
      bestBid,
      bestAsk,
      mid: (bestBid + bestAsk) / 2,
      bids: levels('bid'),
      asks: levels('ask'),
    };
  }

  private openOrder(id: string, side: Side, price: Ticks, remaining: Lots, filled: Lots): OpenOrder {
    const { units } = this.parts;
    return { id, market: this.market, side, price: units.price(price), remaining: units.size(remaining), filled: units.size(filled) };
  }

  private rejectAtOnce(id: string, size: number, reason: string): OrderAck {
    this.rejects++;
    return rejectedAck(id, size, reason);
  }

  private toAck(reply: VenueReply): OrderAck {
    if (reply.status === 'rejected') this.rejects++;
    const { units } = this.parts;
    return {
      id: reply.id,
      status: reply.status,
      filled: units.size(reply.filled),
      remaining: units.size(reply.remaining),
      reason: reply.reason,
    };
  }
}
