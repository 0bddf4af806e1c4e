import type { MarketUnits } from '../core/market.ts';
import type { Side } from '../core/units.ts';
import type { FillEvent, OpenOrder, OrderAck, OrderRequest, Venue } from '../strategy/api.ts';
import { checkAmend, checkOrder, rejectedAck } from '../strategy/order-check.ts';
import { feeMicroTickLots, feeSchedule } from '../venue/fees.ts';
import type { CcxtExchange, CcxtOrder, CcxtTrade } from './ccxt-client.ts';
import { ccxtBookUpdate } from './ccxt-feed.ts';
import { FeedVenue, type OwnOrder } from './feed-venue.ts';
import { wallMicros, type BookUpdate } from './feed.ts';
import { keepWatching } from './reconnect.ts';
import type { EventLog, RunTape } from './tape.ts';

/**
 * The live venue: a strategy's orders, fills and position on one market of a real exchange, through ccxt
 * (REST for orders, websockets for our fills and order states). Market data comes from the run (FeedVenue).
 *
 * Rules:
 * - Own fills: `watchMyTrades`; order states: `watchOrders` (an order canceled, expired, rejected or closed
 *   leaves `open`). Each stream reconnects as reconnect.ts says; after an own-fills stream error the venue
 *   resyncs before watching again.
 * - Resync: fills since the last one seen are read back with `fetchMyTrades` (when the exchange has it);
 *   then open orders (`fetchOpenOrders`) and position (`fetchPositions`) are adopted. A position that differs
 *   from what our fills add up to (by more than half a lot) is logged (`position-resync`) and taken as the
 *   new base.
 * - A fill is booked once (by trade id; without one, by order, time, size and price), with the exchange's
 *   fee when ccxt gives it, else the config's fee schedule.
 * - Orders: the order checks (order-check.ts) first, as in a backtest; then `createOrder` limit/market;
 *   postOnly → `{ postOnly: true }` (binanceusdm sends GTX; an order that would cross is refused by the
 *   exchange, Binance -5022, and answered 'rejected'); IOC → `{ timeInForce: 'IOC' }`; reduceOnly →
 *   `{ reduceOnly: true }`. An exchange error
 *   is answered 'rejected' with its (redacted) text as the reason.
 * - amend = checks, then cancel + a new post-only order (a new id; always loses priority).
 *   `cancelAllOrders` resolves to the number of our orders that were open.
 * - `getPosition` is the position at the start plus our fills; `getOpenOrders` our orders as acks, fills and
 *   order updates told us (FeedVenue). The REST reads: `fetchSnapshot` = fetchOrderBook, `fetchPosition` =
 *   fetchPositions, `fetchOpenOrders` = fetchOpenOrders (answered as read, not adopted; resync adopts).
 *   Every error text goes through the event log's redaction before it is stored or returned.
 * Known limits: one market per run; without fetchMyTrades, fills during an outage are missed (the position
 * resync catches their effect).
 */
export class LiveVenue extends FeedVenue implements Venue {
  private readonly seenTrades = new Set<string>();
  private basePosition = 0;
  private lastFillMs: number | null = null;
  private readonly stopping = new AbortController();
  private readonly fees;

  constructor(
    private readonly ex: CcxtExchange,
    private readonly symbol: string,
    market: string,
    units: MarketUnits,
    tape: RunTape,
    log: EventLog,
    private readonly onFillBooked: () => void = () => {},
  ) {
    super(market, units, tape, log);
    this.fees = feeSchedule(units.spec.makerFeeBps, units.spec.takerFeeBps);
  }

  /** Reads the starting position and open orders, then starts the private streams. */
  async start(): Promise<void> {
    await this.resync('start');
    const stopped = this.stopping.signal;
    const failed = (stream: string) => (error: Error, attempt: number) =>
      this.log.write('stream-error', { stream, error: error.message, attempt });
    void keepWatching(
      async () => {
        const trades = await this.ex.watchMyTrades(this.symbol);
        if (stopped.aborted) return;
        for (const t of trades) this.bookTrade(t);
      },
      stopped,
      {
        failed: failed('myTrades'),
        beforeRetry: () => this.resync('reconnect').catch((e: Error) => this.log.write('resync-error', { error: e.message })),
      },
    );
    void keepWatching(
      async () => {
        for (const o of await this.ex.watchOrders(this.symbol)) {
          if (o.status === 'canceled' || o.status === 'expired' || o.status === 'rejected' || o.status === 'closed') this.open.delete(o.id);
        }
        this.publishQuotes();
      },
      stopped,
      { failed: failed('orders') },
    );
  }

  stop(): void {
    this.stopping.abort();
  }

  /** Reads open orders and position from the exchange and adopts them. */
  async resync(why: string): Promise<void> {
    if (why === 'reconnect' && this.lastFillMs !== null && this.ex.has.fetchMyTrades) {
      // Fills that happened while the private stream was down: read them back (already booked ones are
      // recognised by their trade id and skipped).
      const missed = await this.ex.fetchMyTrades(this.symbol, this.lastFillMs - 1_000, 1_000);
      const before = this.tape.fills.length;
      for (const t of missed) this.bookTrade(t);
      if (this.tape.fills.length > before) this.log.write('fills-recovered', { count: this.tape.fills.length - before });
    }
    const [orders, positions] = await Promise.all([this.ex.fetchOpenOrders(this.symbol), this.ex.fetchPositions([this.symbol])]);
    this.open.clear();
    for (const o of orders) {
      const own = this.ownOrderOf(o);
      if (own) this.open.set(o.id, own);
    }
    const exchangePosition = this.exchangePosition(positions);
    const ours = this.position();
    if (Math.abs(exchangePosition - ours) > this.units.spec.lotSize / 2) {
      this.basePosition += exchangePosition - ours;
      this.log.write('position-resync', { why, exchange: exchangePosition, fromFills: ours, base: this.basePosition });
    }
    this.log.write('resync', { why, openOrders: this.open.size, position: exchangePosition });
    this.publishQuotes();
  }

  position(): number {
    return Number((this.basePosition + this.tape.position()).toFixed(this.units.sizeDecimals));
  }

  /** The exchange's book by REST (getSnapshot before the websocket book's first update; fetchSnapshot). */
  protected async fetchBook(depth: number): Promise<BookUpdate> {
    return ccxtBookUpdate(await this.ex.fetchOrderBook(this.symbol, Math.max(5, depth)));
  }

  async getPosition(market: string): Promise<number> {
    this.checkMarket(market);
    return this.position();
  }

  /** The exchange's position (REST fetchPositions), not adopted: resync does that. */
  async fetchPosition(market: string): Promise<number> {
    this.checkMarket(market);
    return this.exchangePosition(await this.ex.fetchPositions([this.symbol]));
  }

  /** The exchange's open orders (REST fetchOpenOrders), not adopted: resync does that. */
  async fetchOpenOrders(market: string): Promise<OpenOrder[]> {
    this.checkMarket(market);
    const orders: OpenOrder[] = [];
    for (const o of await this.ex.fetchOpenOrders(this.symbol)) {
      const own = this.ownOrderOf(o);
      if (own)
        orders.push({
          id: o.id,
          market,
          side: own.side,
          price: this.units.price(own.price),
          remaining: this.units.size(own.remaining),
          filled: o.filled ?? 0,
        });
    }
    return orders;
  }

  /** An order as fetchOpenOrders reads it, in ticks and lots (null without a price or side). */
  private ownOrderOf(o: CcxtOrder): OwnOrder | null {
    if (o.price === undefined || o.side === undefined) return null;
    return {
      side: o.side as Side,
      price: this.units.roundToTick(o.price),
      remaining: Math.round((o.remaining ?? o.amount ?? 0) / this.units.spec.lotSize),
    };
  }

  /** Our signed position in fetchPositions' answer (0 when the market is not listed). */
  private exchangePosition(positions: { symbol: string; contracts?: number; side?: string }[]): number {
    const p = positions.find((x) => x.symbol === this.symbol);
    return p ? (p.contracts ?? 0) * (p.side === 'short' ? -1 : 1) : 0;
  }

  async placeOrder(request: OrderRequest): Promise<OrderAck> {
    this.checkMarket(request.market);
    const checked = checkOrder(this.units, request);
    if (!checked.ok) return this.refuse('', request.size, checked.reason);
    const { type, price, size } = checked.order;
    const params: Record<string, unknown> = {};
    if (checked.order.postOnly) params.postOnly = true;
    if (checked.order.timeInForce === 'IOC') params.timeInForce = 'IOC';
    if (request.reduceOnly) params.reduceOnly = true;
    this.tape.ordersSent++;
    const sentAt = wallMicros();
    const record = this.recordSent('', checked.order, sentAt);
    this.log.write('place', {
      side: request.side,
      price: request.price ?? null,
      size: request.size,
      type,
      postOnly: checked.order.postOnly,
    });
    try {
      const order = await this.ex.createOrder(
        this.symbol,
        type,
        request.side,
        this.units.size(size),
        type === 'limit' ? this.units.price(price) : undefined,
        params,
      );
      const ackAt = wallMicros();
      const status = mapStatus(order.status);
      this.tape.orders.identify(record, order.id);
      if (order.timestamp) this.tape.orders.arrived(record, order.timestamp * 1000);
      this.tape.orders.answered(record, ackAt, status, undefined);
      const remaining = Math.round((order.remaining ?? (status === 'open' ? this.units.size(size) : 0)) / this.units.spec.lotSize);
      const filled = Math.round((order.filled ?? 0) / this.units.spec.lotSize);
      if (status === 'open' && remaining > 0) this.open.set(order.id, { side: request.side, price, remaining });
      if (status === 'rejected') this.tape.rejects++;
      this.log.write('ack', {
        id: order.id,
        status,
        filled: this.units.size(filled),
        remaining: this.units.size(remaining),
        rtt_us: ackAt - sentAt,
      });
      this.publishQuotes();
      return { id: order.id, status, filled: this.units.size(filled), remaining: this.units.size(remaining) };
    } catch (error) {
      const reason = this.log.redact((error as Error).message);
      const ackAt = wallMicros();
      this.tape.orders.answered(record, ackAt, 'rejected', reason);
      this.log.write('reject', {
        side: request.side,
        price: request.price ?? null,
        size: request.size,
        reason,
        rtt_us: ackAt - sentAt,
      });
      return this.refuse('', request.size, reason);
    }
  }

  async cancelOrder(market: string, orderId: string): Promise<OrderAck> {
    this.checkMarket(market);
    const known = this.open.get(orderId);
    try {
      await this.ex.cancelOrder(orderId, this.symbol);
      this.open.delete(orderId);
      this.tape.cancels++;
      this.tape.orders.cancelled(orderId, wallMicros());
      this.log.write('cancel', { id: orderId });
      this.publishQuotes();
      return { id: orderId, status: 'cancelled', filled: 0, remaining: 0 };
    } catch (error) {
      const reason = this.log.redact((error as Error).message);
      this.log.write('cancel-failed', { id: orderId, reason });
      return rejectedAck(orderId, known ? this.units.size(known.remaining) : 0, reason);
    }
  }

  async cancelAllOrders(market: string): Promise<number> {
    this.checkMarket(market);
    const count = this.open.size;
    await this.ex.cancelAllOrders(this.symbol);
    return this.forgetAll('cancel-all', count);
  }

  async amendOrder(market: string, orderId: string, change: { price?: number; size?: number }): Promise<OrderAck> {
    const checked = checkAmend(this.units, change);
    if (!checked.ok) return this.refuse(orderId, change.size ?? 0, checked.reason);
    const known = this.open.get(orderId);
    if (!known) return rejectedAck(orderId, 0, 'unknown or closed order');
    const cancelled = await this.cancelOrder(market, orderId);
    if (cancelled.status !== 'cancelled') return cancelled;
    return this.placeOrder({
      market,
      side: known.side,
      price: change.price ?? this.units.price(known.price),
      size: change.size ?? this.units.size(known.remaining),
      postOnly: true,
    });
  }

  private bookTrade(t: CcxtTrade): void {
    const key = t.id ? `id:${t.id}` : `${t.order ?? ''}/${t.timestamp ?? ''}/${t.amount}/${t.price}`;
    if (this.seenTrades.has(key)) return;
    this.seenTrades.add(key);
    const side: Side = t.side === 'sell' ? 'sell' : 'buy';
    const price = this.units.roundToTick(t.price);
    const size = Math.round(t.amount / this.units.spec.lotSize);
    const liquidity = t.takerOrMaker === 'taker' ? 'taker' : 'maker';
    const unit = this.units.spec.tickSize * this.units.spec.lotSize;
    const fee =
      typeof t.fee?.cost === 'number' && Number.isFinite(t.fee.cost)
        ? BigInt(Math.round((t.fee.cost / unit) * 1e6))
        : feeMicroTickLots(price, size, liquidity, this.fees);
    const orderId = String(t.order ?? '');
    const own = this.open.get(orderId);
    let remaining = 0;
    if (own) {
      own.remaining = Math.max(0, own.remaining - size);
      remaining = own.remaining;
      if (remaining === 0) this.open.delete(orderId);
    }
    const exchTs = (t.timestamp ?? Date.now()) * 1000;
    this.lastFillMs = Math.max(this.lastFillMs ?? 0, exchTs / 1000);
    this.tape.addFill({ orderId, side, price, size, liquidity, fee, exchTs, remaining }, wallMicros());
    this.tape.orders.filledBy(orderId, size);
    this.log.write('fill', {
      id: orderId,
      trade: t.id ?? null,
      side,
      price: this.units.price(price),
      size: this.units.size(size),
      liquidity,
      fee: this.units.money(fee),
      exch_ts_us: exchTs,
      position: this.position(),
    });
    this.publishQuotes();
    const event: FillEvent = {
      orderId,
      market: this.market,
      side,
      price: this.units.price(price),
      size: this.units.size(size),
      fee: this.units.money(fee),
      liquidity,
      timestamp: exchTs / 1000,
    };
    for (const h of this.fillHandlers) h(event);
    this.onFillBooked();
  }
}

function mapStatus(status: string | undefined): OrderAck['status'] {
  if (status === 'closed') return 'filled';
  if (status === 'canceled' || status === 'expired') return 'cancelled';
  if (status === 'rejected') return 'rejected';
  return 'open';
}
