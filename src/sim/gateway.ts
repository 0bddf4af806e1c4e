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
  MarketInfo,
  OpenOrder,
  OrderAck,
  OrderRequest,
  Snapshot,
  StrategyContext,
  TradeView,
  Venue,
} from '../strategy/api.ts';
import type { BookSide, MarketEvent, Trade } from '../core/events.ts';
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
 *   run ends first. Only the markets the context lists can be traded; a call naming another is refused.
 * - Several markets: every market has its own feed, book, position and open orders as the strategy knows
 *   them; a request travels on its market's venue link (latency model and FIFO channels), shared by the
 *   markets of one venue, so requests to two venues do not wait for each other. Order ids are unique over
 *   the run (one counter for all markets).
 * - Every order sent is recorded in the order log (order-log.ts): sent, reached the venue (with the book
 *   and queue it met), answered, cancelled, filled.
 */
/** A venue's connection: its latency model and the two FIFO channels (shared by the markets of one venue). */
export interface VenueLink {
  latency: LatencyModel;
  entry: FifoChannel;
  responses: FifoChannel;
}

/** One market the gateway serves: how the strategy names it and the venue-side parts behind it. */
export interface GatewayMarket {
  info: MarketInfo;
  units: MarketUnits;
  exchange: SimExchange;
  /** The venue's ledger of this market (fetchPosition reads it). */
  ledger: Ledger;
  orderLog: OrderLog;
  link: VenueLink;
}

export interface GatewayParts {
  /** The markets, the first (quoted) one first. */
  markets: GatewayMarket[];
  scheduler: Scheduler;
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

/** A market as the gateway serves it: its parts, what the strategy has been told of it, and its counts. */
class GatewayLane {
  ordersSent = 0;
  rejects = 0;
  cancels = 0;
  /** The strategy's book: its feed, as of the last complete message. */
  readonly feedBook = new L2Book();
  /** Exchange time of the last complete message of the feed. */
  feedExchTs: Micros = NaN;
  lastBookBid = NaN;
  lastBookAsk = NaN;
  /** The position the fill notices received add up to, lots. */
  knownPosition: Lots = 0;
  readonly knownOrders = new Map<string, KnownOrder>();

  constructor(readonly parts: GatewayMarket) {}

  get id(): string {
    return this.parts.info.id;
  }
}

const DEFAULT_DEPTH = 10;

export class SimGateway extends VenueHooks implements Venue, Clock {
  private nextOrderId = 1;
  private readonly pendingSleeps = new Set<(alive: boolean) => void>();
  private ended = false;
  private readonly lanes: GatewayLane[];

  constructor(private readonly parts: GatewayParts) {
    super();
    this.lanes = parts.markets.map((m) => new GatewayLane(m));
  }

  context(): StrategyContext {
    const [first] = this.parts.markets;
    return {
      venue: this,
      clock: this,
      market: first.info.id,
      tickSize: first.info.tickSize,
      lotSize: first.info.lotSize,
      markets: this.parts.markets.map((m) => ({ ...m.info })),
      record: (name, value) => this.parts.strategySeries.record(this.parts.now(), name, value),
    };
  }

  /** Orders sent, rejected and cancelled in market `index` (the run's counts per market). */
  counts(index: number): { ordersSent: number; rejects: number; cancels: number } {
    const { ordersSent, rejects, cancels } = this.lanes[index];
    return { ordersSent, rejects, cancels };
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
    return this.answerNow(market, (lane) => this.snapshotOf(lane, lane.feedBook, lane.feedExchTs, depth));
  }

  getPosition(market: string): Promise<number> {
    return this.answerNow(market, (lane) => lane.parts.units.size(lane.knownPosition));
  }

  getOpenOrders(market: string): Promise<OpenOrder[]> {
    return this.answerNow(market, (lane) =>
      [...lane.knownOrders].map(([id, o]) => this.openOrder(lane, id, o.side, o.price, o.remaining, o.filled)),
    );
  }

  // Venue: REST reads (a round trip to the venue's state)

  fetchSnapshot(market: string, depth = DEFAULT_DEPTH): Promise<Snapshot> {
    return this.roundTrip(market, (lane, arrival) => this.snapshotOf(lane, lane.parts.exchange.book, arrival, depth));
  }

  fetchPosition(market: string): Promise<number> {
    return this.roundTrip(market, (lane) => lane.parts.units.size(lane.parts.ledger.position));
  }

  fetchOpenOrders(market: string): Promise<OpenOrder[]> {
    return this.roundTrip(market, (lane) =>
      lane.parts.exchange.openOrders().map((o) => this.openOrder(lane, o.id, o.side, o.price, o.remaining, o.filled)),
    );
  }

  // Venue: orders

  placeOrder(request: OrderRequest): Promise<OrderAck> {
    const lane = this.laneNamed(request.market);
    if (!lane) return Promise.reject(this.unknownMarket(request.market));
    const id = String(this.nextOrderId++);
    const checked = checkOrder(lane.parts.units, request);
    if (!checked.ok) return Promise.resolve(this.rejectAtOnce(lane, id, request.size, checked.reason));
    lane.ordersSent++;
    const intent: OrderIntent = { id, ...checked.order };
    const { exchange, orderLog } = lane.parts;
    const sentTs = this.parts.now();
    const record = orderLog.sent(id, checked.order, sentTs);
    let resting: KnownOrder | null = null;
    return this.roundTrip(
      request.market,
      (_, arrival) => {
        const reply = exchange.submit(intent, arrival);
        placedAtVenue(orderLog, record, exchange, arrival, reply);
        if (reply.status === 'open') resting = { side: intent.side, price: intent.price, remaining: reply.remaining, filled: reply.filled };
        return this.toAck(lane, reply);
      },
      (ack, back) => {
        orderLog.answered(record, back, ack.status, ack.reason);
        if (resting) lane.knownOrders.set(id, resting);
      },
      sentTs,
    );
  }

  cancelOrder(market: string, orderId: string): Promise<OrderAck> {
    return this.roundTrip(
      market,
      (lane, arrival) => {
        const reply = lane.parts.exchange.cancel(orderId);
        if (reply.status === 'cancelled') {
          lane.cancels++;
          lane.parts.orderLog.cancelled(orderId, arrival);
        }
        return this.toAck(lane, reply);
      },
      (ack) => {
        if (ack.status === 'cancelled') this.laneNamed(market)!.knownOrders.delete(orderId);
      },
    );
  }

  cancelAllOrders(market: string): Promise<number> {
    return this.roundTrip(
      market,
      (lane, arrival) => {
        const { exchange, orderLog } = lane.parts;
        for (const order of exchange.openOrders()) orderLog.cancelled(order.id, arrival);
        const count = exchange.cancelAll();
        lane.cancels += count;
        return count;
      },
      () => this.laneNamed(market)!.knownOrders.clear(),
    );
  }

  amendOrder(market: string, orderId: string, change: { price?: number; size?: number }): Promise<OrderAck> {
    const lane = this.laneNamed(market);
    if (!lane) return Promise.reject(this.unknownMarket(market));
    const checked = checkAmend(lane.parts.units, change);
    if (!checked.ok) return Promise.resolve(this.rejectAtOnce(lane, orderId, change.size ?? 0, checked.reason));
    let amended: { price: Ticks; remaining: Lots } | null = null;
    return this.roundTrip(
      market,
      (_, arrival) => {
        const { exchange } = lane.parts;
        const order = exchange.openOrders().find((o) => o.id === orderId);
        const newPrice = checked.price ?? order?.price ?? 0;
        const newSize = checked.size ?? order?.remaining ?? 0;
        const reply = exchange.amend(orderId, newPrice, newSize, arrival);
        if (reply.status === 'open') amended = { price: newPrice, remaining: reply.remaining };
        return this.toAck(lane, reply);
      },
      () => {
        const known = lane.knownOrders.get(orderId);
        if (known && amended) Object.assign(known, amended);
      },
    );
  }

  // Called by the event loop

  /** A fill happened at market `index`'s venue: its notice reaches the strategy after the response latency, returned. */
  notifyFill(index: number, fill: VenueFill): Micros {
    const lane = this.lanes[index];
    const { units, link, orderLog } = lane.parts;
    const event: FillEvent = {
      orderId: fill.orderId,
      market: lane.id,
      side: fill.side,
      price: units.price(fill.price),
      size: units.size(fill.size),
      fee: units.money(fill.fee),
      liquidity: fill.liquidity,
      timestamp: fill.exchTs / US_PER_MS,
    };
    const { orderId, side, size } = fill;
    const arrival = link.responses.arrival(fill.exchTs, link.latency.response(fill.exchTs));
    orderLog.filledBy(orderId, size);
    this.parts.scheduler.schedule(arrival, Rank.strategyNotice, () => {
      lane.knownPosition += sideSign(side) * size;
      const known = lane.knownOrders.get(orderId);
      if (known) {
        known.remaining -= size;
        known.filled += size;
        if (known.remaining <= 0) lane.knownOrders.delete(orderId);
      }
      for (const handler of this.fillHandlers) handler(event);
      return this.fillHandlers.length > 0; // without a hook the notice wakes no strategy code: no turn
    });
    return arrival;
  }

  /**
   * A market event of market `index` reached the strategy's feed (at its localTs): updates the strategy's
   * book and runs the hooks (onTrade for a print; onBook at the end of a message that changed the top).
   * Returns whether a hook ran.
   */
  receiveMarket(index: number, event: MarketEvent): boolean {
    const lane = this.lanes[index];
    switch (event.kind) {
      case 'trade':
        return this.publishTrade(lane, event);
      case 'quote':
      case 'order': // order-by-order events are for the venue's queue model, not a strategy's feed
        return false;
      case 'snapshot':
        lane.feedBook.applySnapshot(event);
        break;
      case 'delta':
        lane.feedBook.set(event.side, event.price, event.size);
        if (!event.last) return false;
        break;
    }
    return this.receiveMessageEnd(index, event.exchTs);
  }

  /** A delta's level change reached market `index`'s feed (receiveMarket's delta case, for a caller reading deltas as rows). */
  receiveLevel(index: number, side: BookSide, price: Ticks, size: Lots): void {
    this.lanes[index].feedBook.set(side, price, size);
  }

  /** The feed of market `index` completed a book message stamped `exchTs`: runs the onBook hooks when the top changed (returns whether one ran). */
  receiveMessageEnd(index: number, exchTs: Micros): boolean {
    const lane = this.lanes[index];
    lane.feedExchTs = exchTs;
    return this.publishBook(lane);
  }

  /** Whether the strategy has an onBook or onTrade hook (then every feed event may run strategy code). */
  hasMarketHooks(): boolean {
    return this.bookHandlers.length > 0 || this.tradeHandlers.length > 0;
  }

  private publishTrade(lane: GatewayLane, trade: Trade): boolean {
    if (this.tradeHandlers.length === 0) return false;
    const { units } = lane.parts;
    const view: TradeView = {
      market: lane.id,
      timestamp: this.now(),
      price: units.price(trade.price),
      size: units.size(trade.size),
      takerSide: trade.takerSide,
    };
    for (const handler of this.tradeHandlers) handler(view);
    return true;
  }

  /** Tells the onBook hooks when the feed's top of book changed (returns whether one ran). */
  private publishBook(lane: GatewayLane): boolean {
    if (this.bookHandlers.length === 0) return false;
    const book = lane.feedBook;
    if (book.bestBid === lane.lastBookBid && book.bestAsk === lane.lastBookAsk) return false;
    lane.lastBookBid = book.bestBid;
    lane.lastBookAsk = book.bestAsk;
    const { units } = lane.parts;
    const view: BookView = {
      market: lane.id,
      timestamp: this.now(),
      bestBid: units.price(book.bestBid),
      bestAsk: units.price(book.bestAsk),
      mid: units.price(book.bestBid + book.bestAsk) / 2,
    };
    for (const handler of this.bookHandlers) handler(view);
    return true;
  }

  /** The market a call names, or undefined. */
  private laneNamed(market: string): GatewayLane | undefined {
    const lanes = this.lanes;
    for (let i = 0; i < lanes.length; i++) if (lanes[i].id === market) return lanes[i];
    return undefined;
  }

  /** A read of what the strategy has been told: no round trip (a promise, as live code awaits it). */
  private answerNow<T>(market: string, read: (lane: GatewayLane) => T): Promise<T> {
    const lane = this.laneNamed(market);
    if (!lane) return Promise.reject(this.unknownMarket(market));
    return Promise.resolve(read(lane));
  }

  /**
   * A request to the venue sent at `sentTs` (default now): `act` runs when it arrives (after the entry
   * latency of the market's venue) and its answer reaches the strategy after the response latency, when
   * `received` updates what the strategy knows (and the order log when the answer came back) before it
   * resolves.
   */
  private roundTrip<T>(
    market: string,
    act: (lane: GatewayLane, arrival: Micros) => T,
    received?: (answer: T, back: Micros) => void,
    sentTs: Micros = this.parts.now(),
  ): Promise<T> {
    const lane = this.laneNamed(market);
    if (!lane) return Promise.reject(this.unknownMarket(market));
    const { scheduler } = this.parts;
    const { latency, entry, responses } = lane.parts.link;
    const arrival = entry.arrival(sentTs, latency.entry(sentTs));
    return new Promise((resolve) => {
      scheduler.schedule(arrival, Rank.orderArrival, () => {
        const answer = act(lane, arrival);
        const back = responses.arrival(arrival, latency.response(arrival));
        scheduler.schedule(back, Rank.strategyNotice, () => {
          received?.(answer, back);
          resolve(answer);
        });
      });
    });
  }

  private unknownMarket(market: string): SpreadlabError {
    const ids = this.lanes.map((lane) => `"${lane.id}"`);
    return new SpreadlabError(`unknown market "${market}": this run trades ${ids.join(', ')}`);
  }

  /** A book (the strategy's feed or the venue's) as the strategy API's snapshot, stamped `timeUs`. */
  private snapshotOf(lane: GatewayLane, book: L2Book, timeUs: Micros, depth: number): Snapshot {
    const { units } = lane.parts;
    const levels = (side: 'bid' | 'ask'): Level[] => {
      const prices = new Array<number>(depth);
      const sizes = new Array<number>(depth);
      const count = book.topLevels(side, prices, sizes);
      return prices.slice(0, count).map((p, i) => ({ price: units.price(p), size: units.size(sizes[i]) }));
    };
    const bestBid = units.price(book.bestBid);
    const bestAsk = units.price(book.bestAsk);
    return {
      market: lane.id,
      timestamp: timeUs / US_PER_MS,
      bestBid,
      bestAsk,
      mid: (bestBid + bestAsk) / 2,
      bids: levels('bid'),
      asks: levels('ask'),
    };
  }

  private openOrder(lane: GatewayLane, id: string, side: Side, price: Ticks, remaining: Lots, filled: Lots): OpenOrder {
    const { units } = lane.parts;
    return { id, market: lane.id, side, price: units.price(price), remaining: units.size(remaining), filled: units.size(filled) };
  }

  private rejectAtOnce(lane: GatewayLane, id: string, size: number, reason: string): OrderAck {
    lane.rejects++;
    return rejectedAck(id, size, reason);
  }

  private toAck(lane: GatewayLane, reply: VenueReply): OrderAck {
    if (reply.status === 'rejected') lane.rejects++;
    const { units } = lane.parts;
    return {
      id: reply.id,
      status: reply.status,
      filled: units.size(reply.filled),
      remaining: units.size(reply.remaining),
      reason: reply.reason,
    };
  }
}
