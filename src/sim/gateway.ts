import type { MarketUnits } from '../core/market.ts';
import { SpreadlabError } from '../core/errors.ts';
import { US_PER_MS, type Micros } from '../core/units.ts';
import type { L2Book } from '../book/l2-book.ts';
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
import type { Trade } from '../core/events.ts';
import { VenueHooks } from '../strategy/hooks.ts';
import type { RecordedSeries } from '../strategy/recorded-series.ts';
import { checkAmend, checkOrder, rejectedAck } from '../strategy/order-check.ts';
import type { SimExchange, VenueFill } from '../venue/exchange.ts';
import type { FifoChannel, LatencyModel } from '../venue/latency.ts';
import type { OrderIntent, VenueReply } from '../venue/orders.ts';
import { placedAtVenue, type OrderLog } from './order-log.ts';
import { Rank, type Scheduler } from './scheduler.ts';

/**
 * The strategy's side of a backtest: the `Venue` and `Clock` the strategy code calls, in decimals, and the
 * latency between it and the simulated exchange.
 *
 * Rules:
 * - Every venue call is a round trip: the request reaches the exchange after the entry latency, the
 *   exchange acts (or reads its state) at that time, and the answer reaches the strategy after the
 *   response latency. `getSnapshot`, `getPosition` and `getOpenOrders` read the venue at arrival, like a
 *   REST call.
 * - Fill notices travel on the same FIFO response channel as replies, so the strategy never sees a fill
 *   before the response latency has passed since the fill.
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

const DEFAULT_DEPTH = 10;

export class SimGateway extends VenueHooks implements Venue, Clock {
  ordersSent = 0;
  rejects = 0;
  cancels = 0;
  private nextOrderId = 1;
  private readonly pendingSleeps = new Set<(alive: boolean) => void>();
  private ended = false;
  private lastBookBid = NaN;
  private lastBookAsk = NaN;

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

  /** Whether the strategy registered hooks that need its own market feed. */
  wantsMarketFeed(): boolean {
    return this.bookHandlers.length > 0 || this.tradeHandlers.length > 0;
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

  // Venue

  getSnapshot(market: string, depth = DEFAULT_DEPTH): Promise<Snapshot> {
    return this.roundTrip(market, (arrival) => this.snapshotAt(arrival, depth));
  }

  getPosition(market: string): Promise<number> {
    return this.roundTrip(market, () => this.parts.units.size(this.parts.ledger.position));
  }

  getOpenOrders(market: string): Promise<OpenOrder[]> {
    const { units } = this.parts;
    return this.roundTrip(market, () =>
      this.parts.exchange.openOrders().map((o) => ({
        id: o.id,
        market,
        side: o.side,
        price: units.price(o.price),
        remaining: units.size(o.remaining),
        filled: units.size(o.filled),
      })),
    );
  }

  placeOrder(request: OrderRequest): Promise<OrderAck> {
    const id = String(this.nextOrderId++);
    const checked = checkOrder(this.parts.units, request);
    if (!checked.ok) return Promise.resolve(this.rejectAtOnce(id, request.size, checked.reason));
    this.ordersSent++;
    const intent: OrderIntent = { id, ...checked.order };
    const { exchange, orderLog } = this.parts;
    const sentTs = this.parts.now();
    const record = orderLog.sent(id, checked.order, sentTs);
    return this.roundTrip(
      request.market,
      (arrival) => {
        const reply = exchange.submit(intent, arrival);
        placedAtVenue(orderLog, record, exchange, arrival, reply);
        return this.toAck(reply);
      },
      (ack, back) => orderLog.answered(record, back, ack.status, ack.reason),
      sentTs,
    );
  }

  cancelOrder(market: string, orderId: string): Promise<OrderAck> {
    return this.roundTrip(market, (arrival) => {
      const reply = this.parts.exchange.cancel(orderId);
      if (reply.status === 'cancelled') {
        this.cancels++;
        this.parts.orderLog.cancelled(orderId, arrival);
      }
      return this.toAck(reply);
    });
  }

  cancelAllOrders(market: string): Promise<number> {
    return this.roundTrip(market, (arrival) => {
      for (const order of this.parts.exchange.openOrders()) this.parts.orderLog.cancelled(order.id, arrival);
      const count = this.parts.exchange.cancelAll();
      this.cancels += count;
      return count;
    });
  }

  amendOrder(market: string, orderId: string, change: { price?: number; size?: number }): Promise<OrderAck> {
    const checked = checkAmend(this.parts.units, change);
    if (!checked.ok) return Promise.resolve(this.rejectAtOnce(orderId, change.size ?? 0, checked.reason));
    return this.roundTrip(market, (arrival) => {
      const order = this.parts.exchange.openOrders().find((o) => o.id === orderId);
      const newPrice = checked.price ?? order?.price ?? 0;
      const newSize = checked.size ?? order?.remaining ?? 0;
      return this.toAck(this.parts.exchange.amend(orderId, newPrice, newSize, arrival));
    });
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
    const arrival = this.parts.responses.arrival(fill.exchTs, this.parts.latency.response(fill.exchTs));
    this.parts.orderLog.filledBy(fill.orderId, fill.size);
    this.parts.scheduler.schedule(arrival, Rank.strategyNotice, () => {
      for (const handler of this.fillHandlers) handler(event);
    });
    return arrival;
  }

  /** A market trade reached the strategy's feed; returns whether a hook ran. */
  publishTrade(trade: Trade): boolean {
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

  /** The strategy's market feed moved; tells the onBook hooks when the top of book changed (returns whether one ran). */
  publishBook(book: L2Book): boolean {
    if (this.bookHandlers.length === 0) return false;
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

  /**
   * Sends a request at `sentTs` (default now): `act` runs at the venue on arrival; `answered`, if given, learns
   * when the answer reached the strategy.
   */
  private roundTrip<T>(
    market: string,
    act: (arrival: Micros) => T,
    answered?: (answer: T, back: Micros) => void,
    sentTs: Micros = this.parts.now(),
  ): Promise<T> {
    if (market !== this.market) {
      return Promise.reject(new SpreadlabError(`unknown market "${market}": this run trades "${this.market}"`));
    }
    const { scheduler, latency, entry, responses } = this.parts;
    const arrival = entry.arrival(sentTs, latency.entry(sentTs));
    return new Promise((resolve) => {
      scheduler.schedule(arrival, Rank.orderArrival, () => {
        const answer = act(arrival);
        const back = responses.arrival(arrival, latency.response(arrival));
        scheduler.schedule(back, Rank.strategyNotice, () => {
          answered?.(answer, back);
          resolve(answer);
        });
      });
    });
  }

  private snapshotAt(arrival: Micros, depth: number): Snapshot {
    const { units, exchange } = this.parts;
    const book = exchange.book;
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
      timestamp: arrival / US_PER_MS,
      bestBid,
      bestAsk,
      mid: (bestBid + bestAsk) / 2,
      bids: levels('bid'),
      asks: levels('ask'),
    };
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
