import type { MarketUnits } from '../../core/market.ts';
import { US_PER_MS } from '../../core/units.ts';
import type { Lots, Micros, Side, Ticks } from '../../core/units.ts';
import type { MarketEvent, MarketEventSource, Trade } from '../../core/events.ts';
import { POST_ONLY_CROSS, SimExchange, type BookThroughRule, type VenueFill } from '../../venue/exchange.ts';
import type { FeeSchedule } from '../../venue/fees.ts';
import type { QueueModel } from '../../venue/queue.ts';
import { Account, type OrderRecord, type OrderType, type TimeInForce } from './account.ts';
import { BinanceJson } from './binance-json.ts';
import { BookFeed } from './book-feed.ts';
import { ERRORS } from './errors.ts';
import type { VenueSymbol } from './symbol.ts';

/**
 * The venue behind the local exchange server: the scenario's market data replayed in real time into a
 * SimExchange (so fills follow exactly the backtest's venue rules: its queue model and book-through rule),
 * and the account's records.
 *
 * Rules:
 * - Clock: data time t (µs) is served at wall time wallStart + (t − dataStart) / speed. Before each request
 *   and on a timer, every market event whose exchTs is due is applied (all events of one time together,
 *   so a book message is never half applied). Events before dataStart (the scenario's window) are applied
 *   at start-up. The data is read in exchange-time order (the data source's venue timeline); exchTs are
 *   made non-decreasing. After the data's end the book stays as it was.
 *   A test hook can freeze the clock: no market event is applied until it restarts, and the data resumes
 *   where it stopped (the frozen wall time is skipped). The order methods (placeOrder, cancelOrder,
 *   cancelAll, amend) do not advance the clock themselves: their caller has (handleRest, once per request).
 * - Everything a client sees is stamped with wall-clock ms (the market simply moves `speed` times faster
 *   than the data did); the records also keep data time.
 * - Orders: LIMIT GTC, IOC, FOK, GTX (post-only: refused with -5022, no order created, if on arrival it
 *   would cross: a buy at or above the best ask, a sell at or below the best bid); MARKET. Taker fills
 *   walk the displayed book (SimExchange); an IOC/market remainder and an unfillable FOK end EXPIRED.
 *   reduceOnly is refused (-2022) when the order would not reduce the position.
 * - User-stream events per order: NEW, then TRADE per fill (PARTIALLY_FILLED / FILLED) each followed by
 *   an ACCOUNT_UPDATE, then CANCELED or EXPIRED when it ends without filling.
 * - The served book is the market's book only: our resting orders are not shown in it, and our fills are
 *   not printed on the public trade stream (as in the simulator, the market does not see us).
 * - No request latency is added: the real loopback round trip is the latency.
 */
export interface LocalVenueSetup {
  units: MarketUnits;
  symbol: VenueSymbol;
  fees: FeeSchedule;
  queue: QueueModel;
  /** The scenario's venue.bookThrough rule (exchange.ts), as in the backtest. */
  bookThrough: BookThroughRule;
  openEvents: () => MarketEventSource;
  /** Data time served at `wallStartMs`. */
  dataStart: Micros;
  dataEnd: Micros;
  wallStartMs: number;
  speed: number;
  initialBalance: number;
  leverage: number;
}

export interface VenueListener {
  /** A user data stream event (ORDER_TRADE_UPDATE, ACCOUNT_UPDATE). */
  user(event: Record<string, unknown>): void;
  /** A market trade (from the data or injected). */
  trade(trade: PublicTrade): void;
  /** A complete book message was applied. */
  book(): void;
}

export interface PublicTrade {
  id: number;
  price: Ticks;
  qty: Lots;
  takerSide: Side;
  wallMs: number;
}

export interface OrderRequest {
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  /** Ticks; NaN for market orders. */
  price: Ticks;
  qty: Lots;
  clientOrderId?: string;
  reduceOnly: boolean;
}

export class LocalVenue {
  readonly exchange: SimExchange;
  readonly account: Account;
  readonly json: BinanceJson;
  readonly feed = new BookFeed();
  readonly recentTrades: PublicTrade[] = [];
  private readonly source: MarketEventSource;
  private pending: MarketEvent | null = null;
  private lastExchTs: Micros;
  private nextTradeId = 1;
  /** Wall ms and data µs of what is being processed now (fills take their stamps from these). */
  private nowWall: number;
  private nowData: Micros;
  /** The data has ended (or passed the window's end): the book stays as it is. */
  ended = false;
  marketEvents = 0;
  private clockPausedAt: number | undefined;
  private pausedMs = 0;
  private readonly walkPrices = new Float64Array(1000);
  private readonly walkSizes = new Float64Array(1000);

  constructor(
    private readonly setup: LocalVenueSetup,
    private readonly listener: VenueListener,
  ) {
    this.exchange = new SimExchange(setup.queue, setup.fees, (fill) => this.onFill(fill), setup.bookThrough);
    this.account = new Account(setup.units, setup.initialBalance, setup.leverage, setup.wallStartMs);
    this.json = new BinanceJson(setup.units, setup.symbol, this.account);
    this.source = setup.openEvents();
    this.lastExchTs = -Infinity;
    this.nowWall = setup.wallStartMs;
    this.nowData = setup.dataStart;
    this.drain(setup.dataStart, true);
  }

  get units(): MarketUnits {
    return this.setup.units;
  }

  get symbol(): VenueSymbol {
    return this.setup.symbol;
  }

  dataTime(wallMs: number): Micros {
    const wall = this.clockPausedAt ?? wallMs;
    return this.setup.dataStart + Math.round((wall - this.setup.wallStartMs - this.pausedMs) * US_PER_MS * this.setup.speed);
  }

  wallTime(dataTs: Micros): number {
    return this.setup.wallStartMs + this.pausedMs + (dataTs - this.setup.dataStart) / US_PER_MS / this.setup.speed;
  }

  get clockPaused(): boolean {
    return this.clockPausedAt !== undefined;
  }

  /** Freezes (or restarts) the market clock: while frozen no market event is applied (test hook). */
  pauseClock(paused: boolean, wallMs: number): void {
    if (paused && this.clockPausedAt === undefined) {
      this.advance(wallMs);
      this.clockPausedAt = wallMs;
    } else if (!paused && this.clockPausedAt !== undefined) {
      this.pausedMs += wallMs - this.clockPausedAt;
      this.clockPausedAt = undefined;
    }
  }

  /** Applies every market event due by `wallMs`. */
  advance(wallMs: number): void {
    this.drain(this.dataTime(wallMs), false);
    this.nowWall = wallMs;
    this.nowData = Math.max(this.dataTime(wallMs), this.lastExchTs);
  }

  /** Wall ms at which the next market event is due (null after the data's end or while the clock is frozen). */
  nextDueWallMs(): number | null {
    if (this.ended || this.clockPaused) return null;
    if (!this.pending) {
      const next = this.source.next();
      if (!next) {
        this.ended = true;
        return null;
      }
      this.pending = copyEvent(next);
    }
    return this.wallTime(Math.max(this.pending.exchTs, this.lastExchTs));
  }

  mid2(): number {
    return this.exchange.book.bestBid + this.exchange.book.bestAsk;
  }

  /** Top `limit` levels of each side. */
  depth(limit: number): { bids: [Ticks, Lots][]; asks: [Ticks, Lots][] } {
    const side = (s: 'bid' | 'ask'): [Ticks, Lots][] => {
      const prices = new Float64Array(limit);
      const sizes = new Float64Array(limit);
      const n = this.exchange.book.topLevels(s, prices, sizes);
      return Array.from({ length: n }, (_, i) => [prices[i], sizes[i]]);
    };
    return { bids: side('bid'), asks: side('ask') };
  }

  placeOrder(request: OrderRequest, wallMs: number): OrderRecord {
    const { book } = this.exchange;
    if (request.clientOrderId !== undefined && this.account.openOrders().some((o) => o.clientOrderId === request.clientOrderId)) {
      throw ERRORS.duplicateClientId();
    }
    const position = this.account.ledger.position;
    if (request.reduceOnly && (position === 0 || position > 0 === (request.side === 'buy') || request.qty > Math.abs(position))) {
      throw ERRORS.reduceOnly();
    }
    const isLimit = request.type === 'LIMIT';
    if (
      isLimit &&
      request.timeInForce === 'GTX' &&
      (request.side === 'buy' ? request.price >= book.bestAsk : request.price <= book.bestBid)
    ) {
      throw ERRORS.postOnlyWouldCross();
    }
    const order = this.account.newOrder({
      side: request.side,
      type: request.type,
      timeInForce: isLimit ? request.timeInForce : 'GTC',
      price: isLimit ? request.price : NaN,
      origQty: request.qty,
      reduceOnly: request.reduceOnly,
      time: wallMs,
      dataTs: this.nowData,
      clientOrderId: request.clientOrderId,
    });
    this.listener.user(this.json.orderTradeUpdate(order, 'NEW', wallMs));
    if (isLimit && request.timeInForce === 'FOK' && this.fillable(request.side, request.price) < request.qty) {
      this.end(order, 'EXPIRED', wallMs);
      return order;
    }
    const reply = this.exchange.submit(
      {
        id: String(order.orderId),
        side: request.side,
        type: isLimit ? 'limit' : 'market',
        price: isLimit ? request.price : 0,
        size: request.qty,
        postOnly: request.timeInForce === 'GTX',
        timeInForce: !isLimit || request.timeInForce === 'IOC' || request.timeInForce === 'FOK' ? 'IOC' : 'GTC',
      },
      this.nowData,
    );
    if (reply.status === 'cancelled' && order.status !== 'FILLED') this.end(order, 'EXPIRED', wallMs);
    if (reply.status === 'rejected') throw ERRORS.postOnlyWouldCross();
    return order;
  }

  cancelOrder(orderId: number | undefined, clientOrderId: string | undefined, wallMs: number): OrderRecord {
    const order = this.account.find(orderId, clientOrderId);
    if (!order || (order.status !== 'NEW' && order.status !== 'PARTIALLY_FILLED')) throw ERRORS.unknownOrder();
    this.exchange.cancel(String(order.orderId));
    this.end(order, 'CANCELED', wallMs);
    return order;
  }

  cancelAll(wallMs: number): OrderRecord[] {
    const open = this.account.openOrders();
    for (const order of open) {
      this.exchange.cancel(String(order.orderId));
      this.end(order, 'CANCELED', wallMs);
    }
    return open;
  }

  /** PUT /fapi/v1/order: new price and total quantity of a resting limit order. */
  amend(orderId: number | undefined, clientOrderId: string | undefined, price: Ticks, qty: Lots, wallMs: number): OrderRecord {
    const order = this.account.find(orderId, clientOrderId);
    if (!order || (order.status !== 'NEW' && order.status !== 'PARTIALLY_FILLED')) throw ERRORS.unknownOrder();
    if (qty <= order.executedQty) throw ERRORS.qtyTooSmall();
    const reply = this.exchange.amend(String(order.orderId), price, qty - order.executedQty, this.nowData);
    if (reply.status === 'rejected') throw reply.reason === POST_ONLY_CROSS ? ERRORS.postOnlyWouldCross() : ERRORS.unknownOrder();
    order.price = price;
    order.origQty = qty;
    order.updateTime = wallMs;
    this.listener.user(this.json.orderTradeUpdate(order, 'AMENDMENT', wallMs));
    return order;
  }

  /** A market trade at the current time (test hook): printed publicly and matched against our orders. */
  injectTrade(takerSide: Side, price: Ticks, qty: Lots, wallMs: number): void {
    this.advance(wallMs);
    const trade: Trade = { kind: 'trade', exchTs: this.nowData, localTs: this.nowData, price, size: qty, takerSide };
    this.applyEvent(trade, wallMs);
  }

  private drain(target: Micros, silent: boolean): void {
    for (;;) {
      let event = this.pending;
      const held = event !== null;
      this.pending = null;
      if (!event) {
        if (this.ended) return;
        const next = this.source.next();
        if (!next) {
          this.ended = true;
          return;
        }
        event = next;
      }
      const ts = Math.max(event.exchTs, this.lastExchTs);
      if (ts > this.setup.dataEnd) {
        this.ended = true;
        return;
      }
      if (ts > target) {
        this.pending = held ? event : copyEvent(event);
        return;
      }
      this.lastExchTs = ts;
      this.nowData = ts;
      this.applyEvent(event, silent ? this.setup.wallStartMs : this.wallTime(ts));
    }
  }

  private applyEvent(event: MarketEvent, wallMs: number): void {
    this.nowWall = wallMs;
    this.marketEvents++;
    const { book } = this.exchange;
    switch (event.kind) {
      case 'delta':
        this.feed.touch(event.side, event.price);
        this.exchange.applyMarketEvent(event);
        if (event.last) {
          this.feed.endMessage();
          this.listener.book();
        }
        break;
      case 'snapshot':
        this.feed.touchAll(book);
        this.exchange.applyMarketEvent(event);
        this.feed.touchAll(book);
        this.feed.endMessage();
        this.listener.book();
        break;
      case 'trade': {
        const trade: PublicTrade = { id: this.nextTradeId++, price: event.price, qty: event.size, takerSide: event.takerSide, wallMs };
        this.recentTrades.push(trade);
        if (this.recentTrades.length > 2000) this.recentTrades.splice(0, this.recentTrades.length - 1000);
        this.listener.trade(trade);
        this.exchange.applyMarketEvent(event);
        break;
      }
      case 'order':
        this.exchange.applyMarketEvent(event);
        break;
      case 'quote':
        break;
    }
  }

  private onFill(fill: VenueFill): void {
    const order = this.account.orders.get(Number(fill.orderId));
    if (!order) return;
    const wallMs = this.nowWall;
    const record = this.account.applyFill(order, fill.price, fill.size, fill.liquidity, fill.fee, this.nextTradeId++, wallMs, fill.exchTs);
    this.listener.user(this.json.orderTradeUpdate(order, 'TRADE', wallMs, record));
    this.listener.user(this.json.accountUpdate(this.account.balances(this.mid2()), wallMs));
  }

  private end(order: OrderRecord, status: 'CANCELED' | 'EXPIRED', wallMs: number): void {
    this.account.endOrder(order, status, wallMs);
    this.listener.user(this.json.orderTradeUpdate(order, status, wallMs));
  }

  /** Displayed size a taker order could take up to its limit. */
  private fillable(side: Side, limit: Ticks): Lots {
    const n = this.exchange.book.topLevels(side === 'buy' ? 'ask' : 'bid', this.walkPrices, this.walkSizes);
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (side === 'buy' ? this.walkPrices[i] > limit : this.walkPrices[i] < limit) break;
      total += this.walkSizes[i];
    }
    return total;
  }
}

/** Sources may reuse the object they return: keep a copy of an event held back for later. */
function copyEvent(event: MarketEvent): MarketEvent {
  if (event.kind === 'snapshot') {
    return {
      ...event,
      bidPrices: [...event.bidPrices],
      bidSizes: [...event.bidSizes],
      askPrices: [...event.askPrices],
      askSizes: [...event.askSizes],
    };
  }
  return { ...event };
}
