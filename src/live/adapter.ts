import { SpreadlabError } from '../core/errors.ts';
import type { MarketUnits } from '../core/market.ts';
import type { Lots, Side, Ticks } from '../core/units.ts';
import type { BookView, Clock, FillEvent, Level, OpenOrder, OrderAck, OrderRequest, Snapshot, TradeView, Venue } from '../strategy/api.ts';
import { feeMicroTickLots, feeSchedule } from '../venue/fees.ts';
import { VenueHooks } from '../strategy/hooks.ts';
import { wallMicros, type BookUpdate, type FeedSink, type MarketFeed, type TradeUpdate } from './feed.ts';
import type { EventLog, RunTape } from './tape.ts';

/**
 * The exchange adapter: ccxt (REST + websockets) behind the strategy's Venue, and the real clock behind
 * its Clock, so the same strategy object runs live. ccxt is imported lazily (it is large and slow to load)
 * and only by the live commands.
 *
 * Rules:
 * - Market data: `watchOrderBook` and `watchTrades` loops; own fills: `watchMyTrades`; order states:
 *   `watchOrders`. Each loop reconnects after an error with exponential backoff (0.25 s doubling to 8 s);
 *   after a private stream error the venue resyncs its open orders (`fetchOpenOrders`) and position
 *   (`fetchPositions`) before watching again. A position that differs from what our fills add up to is
 *   logged (`position-resync`) and taken as the new base.
 * - Orders: `createOrder` limit/market; postOnly → `{ postOnly: true }` (binanceusdm sends GTX; an order
 *   that would cross is refused by the exchange, Binance -5022, and answered 'rejected'); IOC →
 *   `{ timeInForce: 'IOC' }`. amend = cancel + new order (a new id; always loses priority).
 *   `cancelAllOrders` resolves to the number of our orders that were open.
 * - Prices and sizes that are not whole ticks/lots are refused before sending (as in a backtest).
 * - `getSnapshot` answers from the websocket book (a real bot's view); REST `fetchOrderBook` only before
 *   the first update. `getPosition` is the position at the start plus our fills.
 * - LiveVenue and DryRunVenue (--dry-run: orders logged, never sent) share FeedVenue: the run hands both
 *   every book and trade the same way, so the strategy's onBook/onTrade hooks, getSnapshot and the tape's
 *   own-quote record behave alike in both.
 * - Every error text goes through the event log's redaction before it is stored or printed.
 * - After a private stream error, fills since the last one seen are read back with `fetchMyTrades` (when
 *   the exchange has it) and booked unless already booked (same trade id).
 * Known limits: one market per run; without fetchMyTrades, fills during an outage are missed (the position
 * resync catches their effect).
 */
// ccxt's types are loose for our purposes; the adapter uses a narrow structural view of an exchange.
export interface CcxtExchange {
  id: string;
  markets: Record<string, { id: string; symbol: string; base?: string; quote?: string; precision?: { price?: number; amount?: number } }>;
  urls: { api: unknown };
  has: Record<string, unknown>;
  precisionMode?: number;
  loadMarkets(): Promise<unknown>;
  loadHttpProxyAgent?(): Promise<unknown>;
  setSandboxMode(on: boolean): void;
  watchOrderBook(symbol: string, limit?: number): Promise<{ bids: number[][]; asks: number[][]; timestamp?: number }>;
  watchTrades(symbol: string): Promise<{ id?: string; timestamp?: number; price: number; amount: number; side: string }[]>;
  watchMyTrades(symbol: string): Promise<CcxtTrade[]>;
  watchOrders(symbol: string): Promise<{ id: string; status: string; remaining?: number }[]>;
  fetchOrderBook(symbol: string, limit?: number): Promise<{ bids: number[][]; asks: number[][]; timestamp?: number }>;
  createOrder(
    symbol: string,
    type: string,
    side: string,
    amount: number,
    price?: number,
    params?: Record<string, unknown>,
  ): Promise<CcxtOrder>;
  cancelOrder(id: string, symbol: string): Promise<unknown>;
  cancelAllOrders(symbol: string): Promise<unknown>;
  fetchOpenOrders(symbol: string): Promise<CcxtOrder[]>;
  fetchPositions(symbols?: string[]): Promise<{ symbol: string; contracts?: number; side?: string }[]>;
  fetchMyTrades(symbol: string, since?: number, limit?: number): Promise<CcxtTrade[]>;
  close(): Promise<unknown>;
}

interface CcxtOrder {
  id: string;
  status?: string;
  side?: string;
  price?: number;
  amount?: number;
  filled?: number;
  remaining?: number;
}

interface CcxtTrade {
  id?: string;
  order?: string;
  timestamp?: number;
  side: string;
  price: number;
  amount: number;
  takerOrMaker?: string;
  fee?: { cost?: number; currency?: string };
}

export interface ConnectOptions {
  exchange: string;
  sandbox: boolean;
  /** Point every REST and websocket URL at this origin (e.g. http://127.0.0.1:PORT), for a local server. */
  baseUrl?: string;
  apiKey?: string;
  secret?: string;
}

/** Loads ccxt (lazily) and creates a websocket-capable exchange client. */
export async function connectExchange(options: ConnectOptions): Promise<CcxtExchange> {
  const ccxt = (await import('ccxt')).default as unknown as { pro: Record<string, new (config: Record<string, unknown>) => CcxtExchange> };
  const Exchange = ccxt.pro[options.exchange];
  if (!Exchange)
    throw new SpreadlabError(`--exchange ${options.exchange}: not a ccxt exchange with websocket support (e.g. binanceusdm, bybit, okx)`);
  const ex = new Exchange({
    apiKey: options.apiKey,
    secret: options.secret,
    enableRateLimit: options.baseUrl === undefined,
    options: { fetchCurrencies: false, fetchMargins: false, watchPositions: { fetchPositionsSnapshot: false } },
  });
  if (options.sandbox) ex.setSandboxMode(true);
  if (options.baseUrl !== undefined) {
    const origin = options.baseUrl.replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+$/.test(origin)) throw new SpreadlabError(`--base-url ${options.baseUrl}: expected http(s)://host:port`);
    rewriteUrls(ex.urls.api as Record<string, unknown>, origin);
    await ex.loadHttpProxyAgent?.();
  }
  return ex;
}

function rewriteUrls(node: Record<string, unknown>, origin: string): void {
  const wsOrigin = origin.replace(/^http/, 'ws');
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string') node[key] = value.replace(/^https?:\/\/[^/]+/, origin).replace(/^wss?:\/\/[^/]+/, wsOrigin);
    else if (value && typeof value === 'object') rewriteUrls(value as Record<string, unknown>, origin);
  }
}

/** The ccxt market for a config's symbol (exchange id such as BTCUSDT, or a unified symbol). */
export async function resolveMarket(ex: CcxtExchange, symbol: string): Promise<string> {
  await ex.loadMarkets();
  const markets = Object.values(ex.markets);
  // A scenario's "BASE-QUOTE" (e.g. the demo's SYN-USD) also finds BASE/QUOTE, and a USD quote a USDT one.
  const [base, quote] = symbol.toUpperCase().split(/[-/_:]/);
  const byParts = (m: (typeof markets)[number]): boolean =>
    quote !== undefined && m.base === base && (m.quote === quote || (quote === 'USD' && m.quote === 'USDT'));
  const found =
    markets.find((m) => m.symbol === symbol) ??
    markets.find((m) => m.id === symbol && m.symbol.includes(':')) ??
    markets.find((m) => m.id === symbol) ??
    markets.find((m) => byParts(m) && m.symbol.includes(':')) ??
    markets.find(byParts);
  if (!found)
    throw new SpreadlabError(
      `market ${symbol}: not listed by ${ex.id} (e.g. ${markets
        .slice(0, 3)
        .map((m) => m.id)
        .join(', ')})`,
    );
  return found.symbol;
}

function backoff(attempt: number): number {
  return Math.min(8_000, 250 * 2 ** Math.min(attempt, 5));
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** ccxt's watchOrderBook / watchTrades as a MarketFeed. */
export class CcxtFeed implements MarketFeed {
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly ex: CcxtExchange,
    private readonly symbol: string,
    private readonly log: (event: string, fields: Record<string, unknown>) => void,
  ) {}

  start(sink: FeedSink): void {
    this.loops.push(
      this.loop(
        'book',
        async () => {
          const ob = await this.ex.watchOrderBook(this.symbol);
          if (this.stopped) return;
          const localTs = wallMicros();
          sink.book({ exchTs: ob.timestamp ? ob.timestamp * 1000 : localTs, localTs, bids: ob.bids, asks: ob.asks });
        },
        sink,
      ),
      this.loop(
        'trades',
        async () => {
          const trades = await this.ex.watchTrades(this.symbol);
          if (this.stopped) return;
          const localTs = wallMicros();
          for (const t of trades) {
            sink.trade({
              exchTs: t.timestamp ? t.timestamp * 1000 : localTs,
              localTs,
              id: String(t.id ?? ''),
              price: t.price,
              size: t.amount,
              takerSide: t.side === 'sell' ? 'sell' : 'buy',
            });
          }
        },
        sink,
      ),
    );
  }

  private async loop(name: string, step: () => Promise<void>, sink: FeedSink): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await step();
        if (failures > 0) sink.status(true, `${name} stream reconnected`);
        failures = 0;
      } catch (error) {
        if (this.stopped) return;
        sink.status(false, `${name} stream: ${(error as Error).message}`);
        this.log('feed-error', { stream: name, error: (error as Error).message, attempt: failures });
        await sleepMs(backoff(failures++));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }
}

interface OwnOrder {
  side: Side;
  price: Ticks;
  remaining: Lots;
}

/**
 * What the live and dry-run venues share: the strategy's hooks, fed from the run's market data feed
 * (publishBook, publishTrade), the latest book (getSnapshot answers from it), and the own-quote record
 * on the tape (publishQuotes, after every change of our open orders).
 */
export abstract class FeedVenue extends VenueHooks {
  latest: BookUpdate | null = null;

  constructor(
    protected readonly market: string,
    protected readonly units: MarketUnits,
    protected readonly tape: RunTape,
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
    const book = this.latest ?? (await this.bookBeforeFeed(depth));
    if (!book) return { market, timestamp: Date.now(), bestBid: NaN, bestAsk: NaN, mid: NaN, bids: [], asks: [] };
    const take = (levels: BookUpdate['bids']): Level[] =>
      Array.from({ length: Math.min(depth, levels.length) }, (_, i) => ({ price: Number(levels[i][0]), size: Number(levels[i][1]) }));
    const bids = take(book.bids);
    const asks = take(book.asks);
    const bestBid = bids[0]?.price ?? NaN;
    const bestAsk = asks[0]?.price ?? NaN;
    return { market, timestamp: book.exchTs / 1000, bestBid, bestAsk, mid: (bestBid + bestAsk) / 2, bids, asks };
  }

  /** The book getSnapshot answers before the feed's first update (null: an empty snapshot). */
  protected abstract bookBeforeFeed(depth: number): Promise<BookUpdate | null>;

  /** Records our best bid and ask (ticks; NaN when none) among these open orders. */
  protected publishQuotes(orders: Iterable<{ side: Side; price: Ticks }>): void {
    let bid = NaN;
    let ask = NaN;
    for (const o of orders) {
      if (o.side === 'buy' && !(o.price <= bid)) bid = o.price;
      if (o.side === 'sell' && !(o.price >= ask)) ask = o.price;
    }
    this.tape.ownQuotes(wallMicros(), bid, ask);
  }

  protected checkMarket(market: string): void {
    if (market !== this.market) throw new SpreadlabError(`unknown market "${market}": this run trades "${this.market}"`);
  }
}

/** The ccxt venue: orders, fills and position of one market. */
export class LiveVenue extends FeedVenue implements Venue {
  readonly open = new Map<string, OwnOrder>();
  private readonly seenTrades = new Set<string>();
  private basePosition = 0;
  private lastFillMs: number | null = null;
  private stopped = false;
  private readonly fees;

  constructor(
    private readonly ex: CcxtExchange,
    private readonly symbol: string,
    market: string,
    units: MarketUnits,
    tape: RunTape,
    private readonly log: EventLog,
    private readonly onFillBooked: () => void = () => {},
  ) {
    super(market, units, tape);
    this.fees = feeSchedule(units.spec.makerFeeBps, units.spec.takerFeeBps);
  }

  /** Reads the starting position and open orders, then starts the private streams. */
  async start(): Promise<void> {
    await this.resync('start');
    void this.privateLoop('myTrades', async () => {
      const trades = await this.ex.watchMyTrades(this.symbol);
      if (this.stopped) return;
      for (const t of trades) this.bookTrade(t);
    });
    void this.privateLoop('orders', async () => {
      for (const o of await this.ex.watchOrders(this.symbol)) {
        if (o.status === 'canceled' || o.status === 'expired' || o.status === 'rejected' || o.status === 'closed') this.open.delete(o.id);
      }
      this.ownQuotes();
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private async privateLoop(name: string, step: () => Promise<void>): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await step();
        failures = 0;
      } catch (error) {
        if (this.stopped) return;
        this.log.write('stream-error', { stream: name, error: (error as Error).message, attempt: failures });
        await sleepMs(backoff(failures++));
        if (name === 'myTrades') await this.resync('reconnect').catch((e: Error) => this.log.write('resync-error', { error: e.message }));
      }
    }
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
      if (o.price === undefined || o.side === undefined) continue;
      this.open.set(o.id, {
        side: o.side as Side,
        price: this.units.roundToTick(o.price),
        remaining: Math.round((o.remaining ?? o.amount ?? 0) / this.units.spec.lotSize),
      });
    }
    const p = positions.find((x) => x.symbol === this.symbol);
    const exchangePosition = p ? (p.contracts ?? 0) * (p.side === 'short' ? -1 : 1) : 0;
    const ours = this.position();
    if (Math.abs(exchangePosition - ours) > this.units.spec.lotSize / 2) {
      this.basePosition += exchangePosition - ours;
      this.log.write('position-resync', { why, exchange: exchangePosition, fromFills: ours, base: this.basePosition });
    }
    this.log.write('resync', { why, openOrders: this.open.size, position: exchangePosition });
    this.ownQuotes();
  }

  position(): number {
    return Number((this.basePosition + this.tape.position()).toFixed(this.units.sizeDecimals));
  }

  /** Before the websocket book's first update: REST. */
  protected async bookBeforeFeed(depth: number): Promise<BookUpdate> {
    const ob = await this.ex.fetchOrderBook(this.symbol, Math.max(5, depth));
    const localTs = wallMicros();
    return { exchTs: ob.timestamp ? ob.timestamp * 1000 : localTs, localTs, bids: ob.bids, asks: ob.asks };
  }

  async getPosition(market: string): Promise<number> {
    this.checkMarket(market);
    return this.position();
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

  async placeOrder(request: OrderRequest): Promise<OrderAck> {
    this.checkMarket(request.market);
    const type = request.type ?? 'limit';
    let price: Ticks = NaN;
    let size: Lots;
    try {
      if (type === 'limit') {
        if (request.price === undefined) throw new SpreadlabError('a limit order needs a price');
        price = this.units.toTicks(request.price);
      }
      size = this.units.toLots(request.size);
      if (size <= 0) throw new SpreadlabError(`order size must be positive, got ${request.size}`);
    } catch (error) {
      this.tape.rejects++;
      return { id: '', status: 'rejected', filled: 0, remaining: request.size, reason: (error as Error).message };
    }
    const params: Record<string, unknown> = {};
    if (request.postOnly) params.postOnly = true;
    if (request.timeInForce === 'IOC') params.timeInForce = 'IOC';
    this.tape.ordersSent++;
    const sentAt = wallMicros();
    this.log.write('place', {
      side: request.side,
      price: request.price ?? null,
      size: request.size,
      type,
      postOnly: request.postOnly ?? false,
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
      const status = mapStatus(order.status);
      const remaining = Math.round((order.remaining ?? (status === 'open' ? this.units.size(size) : 0)) / this.units.spec.lotSize);
      const filled = Math.round((order.filled ?? 0) / this.units.spec.lotSize);
      if (status === 'open' && remaining > 0) this.open.set(order.id, { side: request.side, price, remaining });
      if (status === 'rejected') this.tape.rejects++;
      this.log.write('ack', {
        id: order.id,
        status,
        filled: this.units.size(filled),
        remaining: this.units.size(remaining),
        rtt_us: wallMicros() - sentAt,
      });
      this.ownQuotes();
      return { id: order.id, status, filled: this.units.size(filled), remaining: this.units.size(remaining) };
    } catch (error) {
      this.tape.rejects++;
      const reason = this.log.redact((error as Error).message);
      this.log.write('reject', {
        side: request.side,
        price: request.price ?? null,
        size: request.size,
        reason,
        rtt_us: wallMicros() - sentAt,
      });
      return { id: '', status: 'rejected', filled: 0, remaining: request.size, reason };
    }
  }

  async cancelOrder(market: string, orderId: string): Promise<OrderAck> {
    this.checkMarket(market);
    const known = this.open.get(orderId);
    try {
      await this.ex.cancelOrder(orderId, this.symbol);
      this.open.delete(orderId);
      this.tape.cancels++;
      this.log.write('cancel', { id: orderId });
      this.ownQuotes();
      return { id: orderId, status: 'cancelled', filled: 0, remaining: 0 };
    } catch (error) {
      const reason = this.log.redact((error as Error).message);
      this.log.write('cancel-failed', { id: orderId, reason });
      return { id: orderId, status: 'rejected', filled: 0, remaining: known ? this.units.size(known.remaining) : 0, reason };
    }
  }

  async cancelAllOrders(market: string): Promise<number> {
    this.checkMarket(market);
    const count = this.open.size;
    await this.ex.cancelAllOrders(this.symbol);
    this.open.clear();
    this.tape.cancels += count;
    this.log.write('cancel-all', { count });
    this.ownQuotes();
    return count;
  }

  async amendOrder(market: string, orderId: string, change: { price?: number; size?: number }): Promise<OrderAck> {
    const known = this.open.get(orderId);
    if (!known) return { id: orderId, status: 'rejected', filled: 0, remaining: 0, reason: 'unknown or closed order' };
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
    this.tape.addFill({ orderId, side, price, size, liquidity, fee, exchTs, remaining });
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
    this.ownQuotes();
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

  private ownQuotes(): void {
    this.publishQuotes(this.open.values());
  }
}

function mapStatus(status: string | undefined): OrderAck['status'] {
  if (status === 'closed') return 'filled';
  if (status === 'canceled' || status === 'expired') return 'cancelled';
  if (status === 'rejected') return 'rejected';
  return 'open';
}

/**
 * Orders logged, never sent: `--dry-run`. Acks say 'open'; nothing ever fills. Market data, the strategy's
 * onBook/onTrade hooks and getSnapshot work as live (FeedVenue); before the first book a snapshot is empty.
 */
export class DryRunVenue extends FeedVenue implements Venue {
  private next = 1;
  private readonly open = new Map<string, OpenOrder>();

  constructor(
    market: string,
    units: MarketUnits,
    tape: RunTape,
    private readonly log: EventLog,
  ) {
    super(market, units, tape);
  }

  protected async bookBeforeFeed(): Promise<null> {
    return null;
  }

  async getPosition(): Promise<number> {
    return 0;
  }

  async getOpenOrders(): Promise<OpenOrder[]> {
    return [...this.open.values()];
  }

  async placeOrder(request: OrderRequest): Promise<OrderAck> {
    const id = `dry-${this.next++}`;
    this.tape.ordersSent++;
    this.log.write('would-place', {
      id,
      side: request.side,
      price: request.price ?? null,
      size: request.size,
      type: request.type ?? 'limit',
      postOnly: request.postOnly ?? false,
    });
    this.open.set(id, { id, market: this.market, side: request.side, price: request.price ?? NaN, remaining: request.size, filled: 0 });
    this.quotes();
    return { id, status: 'open', filled: 0, remaining: request.size };
  }

  async cancelOrder(_market: string, orderId: string): Promise<OrderAck> {
    const had = this.open.delete(orderId);
    this.log.write('would-cancel', { id: orderId });
    if (had) this.tape.cancels++;
    this.quotes();
    return { id: orderId, status: had ? 'cancelled' : 'rejected', filled: 0, remaining: 0 };
  }

  async cancelAllOrders(): Promise<number> {
    const n = this.open.size;
    this.open.clear();
    this.tape.cancels += n;
    this.log.write('would-cancel-all', { count: n });
    this.quotes();
    return n;
  }

  async amendOrder(_market: string, orderId: string, change: { price?: number; size?: number }): Promise<OrderAck> {
    const o = this.open.get(orderId);
    if (!o) return { id: orderId, status: 'rejected', filled: 0, remaining: 0, reason: 'unknown or closed order' };
    if (change.price !== undefined) o.price = change.price;
    if (change.size !== undefined) o.remaining = change.size;
    this.log.write('would-amend', { id: orderId, ...change });
    this.quotes();
    return { id: orderId, status: 'open', filled: 0, remaining: o.remaining };
  }

  private quotes(): void {
    this.publishQuotes([...this.open.values()].map((o) => ({ side: o.side, price: this.units.roundToTick(o.price) })));
  }
}

/** The real clock: `sleep` resolves false at once when the run is stopping. */
export class RealClock implements Clock {
  private stopping = false;
  private readonly pending = new Set<{ timer: NodeJS.Timeout; resolve: (alive: boolean) => void }>();

  now(): number {
    return Date.now();
  }

  sleep(ms: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(
          () => {
            this.pending.delete(entry);
            resolve(!this.stopping);
          },
          Math.max(0, ms),
        ),
        resolve,
      };
      this.pending.add(entry);
    });
  }

  stop(): void {
    this.stopping = true;
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.resolve(false);
    }
    this.pending.clear();
  }
}
