import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpreadlabError } from '../../core/errors.ts';
import { describeFsError } from '../../core/fs-errors.ts';
import { Rng } from '../../core/rng.ts';
import { dataSpan, marketSetups, openMarketData, tradingWindow } from '../../sim/assemble.ts';
import { scenarioMarkets, type Scenario } from '../../sim/scenario.ts';
import type { OrderRecord } from './account.ts';
import { money } from './binance-json.ts';
import { DIFF_RATES_MS } from './book-feed.ts';
import { BinanceError, ERRORS } from './errors.ts';
import { handleRest, type RestContext } from './rest.ts';
import { StreamHub } from './streams.ts';
import { venueSymbol, type VenueSymbol } from './symbol.ts';
import { LocalVenue, type PublicTrade } from './venue.ts';

/**
 * `spreadlab serve`: the simulated venue as a local Binance USD-M futures server (HTTP + WebSocket on
 * 127.0.0.1 only) that a real ccxt `binanceusdm` client can trade against. See venue.ts (market clock and
 * order rules), rest.ts (endpoints, signatures), streams.ts (WebSocket paths and streams).
 *
 * Test-only endpoints, unauthenticated (the server listens on loopback only):
 * - GET  /_spreadlab/state: the server's own records: orders, fills, position, balances, book, clock;
 * - POST /_spreadlab/drop-sockets: terminates every WebSocket at once (clients must reconnect);
 * - POST /_spreadlab/trade?side=sell&price=P&qty=Q: a market trade now (side = the taker's side), printed
 *   on the trade streams and matched against resting orders like any trade in the data;
 * - POST /_spreadlab/feed?paused=true|false: stops / resumes all public market data (a stale feed);
 * - POST /_spreadlab/clock?paused=true|false: freezes / restarts the market itself (no data applied while
 *   frozen; orders, cancels and the trade hook still work against the frozen book).
 */
export interface ExchangeServerOptions {
  scenario: Scenario;
  /** Folder the scenario's relative data paths resolve against. */
  baseDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Data seconds per wall second (default 1). */
  speed?: number;
  /** The secret signatures are checked with. */
  secret: string;
  /** When given, the only API key accepted; otherwise any non-empty key is. */
  apiKey?: string;
  /** Quote-asset balance at the start (default 10 000). */
  initialBalance?: number;
  leverage?: number;
  /** Overrides the Binance symbol derived from the served market's symbol. */
  symbol?: string;
  /**
   * Several markets: the id of the market to serve (default the first). One server serves one market; run
   * one per market (one per venue), over the markets' common time span, as a run of the scenario would.
   */
  market?: string;
}

export interface ExchangeServer {
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  /** ws://127.0.0.1:PORT/ws (what ccxt's urls.api.ws.future should be). */
  wsUrl: string;
  symbol: VenueSymbol;
  venue: LocalVenue;
  state(): ServerState;
  dropSockets(): number;
  close(): Promise<void>;
}

export type ServerState = ReturnType<typeof buildState>;

export async function startExchangeServer(options: ExchangeServerOptions): Promise<ExchangeServer> {
  const { scenario } = options;
  const speed = options.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new SpreadlabError(`--speed ${speed}: expected a positive number`);
  if (!options.secret)
    throw new SpreadlabError('the server needs an API secret to check signatures with (--secret or SPREADLAB_SERVE_SECRET)');
  // the server's own round trip is the only latency, so the scenario's latency model is not used
  const markets = scenarioMarkets(scenario);
  const index = options.market === undefined ? 0 : markets.findIndex((m) => m.id === options.market);
  if (index < 0)
    throw new SpreadlabError(
      `--market ${options.market}: not a market of ${scenario.name} (its markets: ${markets.map((m) => m.id).join(', ')})`,
    );
  const { units, fees, queue, bookThrough } = marketSetups(scenario, new Rng(String(scenario.seed)), options.baseDir)[index];
  const data = await openMarketData(scenario, index, units, options.baseDir);
  const { startTs, endTs } = tradingWindow(scenario, markets.length > 1 ? await dataSpan(scenario, options.baseDir) : data);
  const symbol = venueSymbol(options.symbol ?? markets[index].symbol);
  const listenKeys = new Set<string>();
  let hub: StreamHub | undefined;
  const startedMs = Date.now();
  const venue = new LocalVenue(
    {
      units,
      symbol,
      fees,
      queue,
      bookThrough,
      openEvents: data.openVenue,
      dataStart: startTs,
      dataEnd: endTs,
      wallStartMs: startedMs,
      speed,
      initialBalance: options.initialBalance ?? 10_000,
      leverage: options.leverage ?? 20,
    },
    {
      user: (event) => hub?.user(event),
      trade: (trade: PublicTrade) => hub?.trade(trade),
      book: () => hub?.book(),
    },
  );
  hub = new StreamHub(venue, listenKeys);
  const streams = hub;
  const rest: RestContext = {
    venue,
    fees,
    apiKey: options.apiKey,
    secret: options.secret,
    startedMs,
    listenKeys,
    onListenKeyClosed: (key) => streams.closeListenKey(key),
  };
  const counters = { requests: 0, rejected: 0 };

  const server = createServer((req, res) => {
    readBody(req)
      .then((rawBody) => {
        counters.requests++;
        const [path, rawQuery = ''] = (req.url ?? '/').split(/\?(.*)/s, 2);
        if (path.startsWith('/_spreadlab/')) return hook(req.method ?? 'GET', path, new URLSearchParams(rawQuery), res);
        const header = req.headers['x-mbx-apikey'];
        const answer = handleRest(
          { method: req.method ?? 'GET', path, rawQuery, rawBody, apiKeyHeader: Array.isArray(header) ? header[0] : header },
          Date.now(),
          rest,
        );
        if (answer.status !== 200) counters.rejected++;
        reply(res, answer.status, answer.body);
      })
      .catch((error: unknown) => {
        if (error instanceof BinanceError) {
          counters.rejected++;
          return reply(res, error.httpStatus, error.body(), true);
        }
        process.stderr.write(
          `spreadlab serve: internal error on ${req.method} ${req.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        reply(res, 500, JSON.stringify({ code: -1000, msg: 'An unknown error occurred while processing the request.' }));
      });
  });
  server.on('upgrade', (req, socket, head) => streams.upgrade(req, socket, head));

  const hook = (method: string, path: string, params: URLSearchParams, res: ServerResponse): void => {
    const now = Date.now();
    if (method === 'GET' && path === '/_spreadlab/state')
      return reply(res, 200, JSON.stringify(buildState(venue, streams, counters, speed, now)));
    if (method === 'POST' && path === '/_spreadlab/drop-sockets') return reply(res, 200, JSON.stringify({ dropped: streams.dropAll() }));
    if (method === 'POST' && path === '/_spreadlab/feed') {
      streams.paused = params.get('paused') === 'true';
      return reply(res, 200, JSON.stringify({ paused: streams.paused }));
    }
    if (method === 'POST' && path === '/_spreadlab/clock') {
      venue.pauseClock(params.get('paused') === 'true', now);
      if (!venue.clockPaused && !pumpTimer) pump();
      return reply(res, 200, JSON.stringify({ paused: venue.clockPaused }));
    }
    if (method === 'POST' && path === '/_spreadlab/trade') {
      const side = params.get('side');
      const price = Number(params.get('price'));
      const qty = Number(params.get('qty'));
      if ((side !== 'buy' && side !== 'sell') || !(price > 0) || !(qty > 0)) {
        return reply(res, 400, JSON.stringify({ error: 'expected side=buy|sell (the taker side), price > 0 and qty > 0' }));
      }
      try {
        venue.injectTrade(side, units.toTicks(price), units.toLots(qty), now);
      } catch (error) {
        return reply(res, 400, JSON.stringify({ error: (error as Error).message }));
      }
      return reply(res, 200, JSON.stringify({ ok: true, fills: venue.account.fills.length }));
    }
    return reply(res, 404, JSON.stringify({ error: `no test hook ${method} ${path}` }));
  };

  // The market clock: apply events as they fall due; depth diffs on Binance's wall-clock cadences.
  let pumpTimer: NodeJS.Timeout | undefined;
  const pump = (): void => {
    pumpTimer = undefined;
    const now = Date.now();
    venue.advance(now);
    const due = venue.nextDueWallMs();
    if (due !== null) pumpTimer = setTimeout(pump, Math.min(1000, Math.max(1, Math.ceil(due - now))));
  };
  // listen first: a port that is taken fails at once, with no timer left to keep the process alive
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      streams.close();
      reject(
        new SpreadlabError(
          `cannot listen on 127.0.0.1:${options.port ?? 0} (${error.code === 'EADDRINUSE' ? 'the port is in use: choose another --port, or 0 for a free one' : describeFsError(error)})`,
        ),
      );
    });
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const flushTimers = DIFF_RATES_MS.map((rate) => setInterval(() => streams.flushDepth(rate), rate));
  pump();
  const { port } = server.address() as AddressInfo;
  let closed = false;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    symbol,
    venue,
    state: () => buildState(venue, streams, counters, speed, Date.now()),
    dropSockets: () => streams.dropAll(),
    close: async () => {
      if (closed) return;
      closed = true;
      if (pumpTimer) clearTimeout(pumpTimer);
      for (const timer of flushTimers) clearInterval(timer);
      streams.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function buildState(
  venue: LocalVenue,
  streams: StreamHub,
  counters: { requests: number; rejected: number },
  speed: number,
  wallMs: number,
) {
  const { account, units, json } = venue;
  const { book } = venue.exchange;
  const balances = account.balances(venue.mid2());
  const orderState = (o: OrderRecord) => ({ ...json.order(o), dataTs: o.dataTs });
  return {
    symbol: venue.symbol,
    wallTime: wallMs,
    dataTime: venue.dataTime(wallMs),
    speed,
    dataEnded: venue.ended,
    clockPaused: venue.clockPaused,
    marketEvents: venue.marketEvents,
    book: {
      lastUpdateId: venue.feed.updateId,
      bestBid: Number.isFinite(book.bestBid) ? units.price(book.bestBid) : null,
      bestAsk: Number.isFinite(book.bestAsk) ? units.price(book.bestAsk) : null,
    },
    position: {
      qty: units.size(account.ledger.position),
      entryPrice: balances.entryPrice,
      unrealizedPnl: Number(money(balances.unrealizedProfit)),
      maxAbs: units.size(account.ledger.maxAbsPosition),
    },
    balance: {
      asset: venue.symbol.quote,
      initial: account.initialBalance,
      wallet: Number(money(balances.walletBalance)),
      margin: Number(money(balances.marginBalance)),
      feesPaid: units.money(account.ledger.feesPaid),
      rebatesEarned: units.money(account.ledger.rebatesEarned),
    },
    orders: [...account.orders.values()].map(orderState),
    openOrders: account.openOrders().map(orderState),
    fills: account.fills.map((f) => ({
      tradeId: f.tradeId,
      orderId: f.orderId,
      clientOrderId: f.clientOrderId,
      side: f.side,
      price: units.price(f.price),
      qty: units.size(f.qty),
      liquidity: f.liquidity,
      commission: units.money(f.fee),
      realizedPnl: Number(money(f.realizedPnl)),
      time: Math.round(f.time),
      dataTs: f.dataTs,
      positionAfter: units.size(f.positionAfter),
    })),
    connections: streams.counts(),
    feedPaused: streams.paused,
    requests: counters.requests,
    rejectedRequests: counters.rejected,
    wsMessagesSent: streams.messagesSent,
  };
}

/** The largest request body read (an order's parameters are a few hundred bytes). */
const MAX_BODY_BYTES = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(ERRORS.bodyTooLarge());
      req.resume();
      return;
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(ERRORS.bodyTooLarge());
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: string, close = false): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(body);
}
