import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parseScenario } from '../../src/sim/scenario.ts';
import { MarketUnits } from '../../src/core/market.ts';
import { connectExchange } from '../../src/live/ccxt-client.ts';
import { LiveVenue } from '../../src/live/live-venue.ts';
import { EventLog, RunTape } from '../../src/live/tape.ts';
import { startExchangeServer, type ExchangeServer, type ServerState } from '../../src/live/server/server.ts';

/**
 * The local exchange server driven by a real ccxt.pro binanceusdm client over real sockets.
 * The market: 60 s of a seeded random walk at 10× speed (6 s of wall time, during which the book moves),
 * then frozen, so the order tests run against a fixed book. Fills are made deterministic with the
 * server's trade hook (a sell print below our bid fills it through, as maker).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
type Ccxt = any;

const API_KEY = 'test-key';
const SECRET = 'test-secret';
const SYMBOL = 'SYN/USDT:USDT';

const scenario = parseScenario(
  {
    name: 'serve-test',
    seed: 7,
    durationSeconds: 60,
    market: { symbol: 'SYN-USD', tickSize: 0.01, lotSize: 0.001, makerFeeBps: -2, takerFeeBps: 5 },
    data: {
      kind: 'synthetic',
      model: 'random-walk',
      startPrice: 100,
      volatility: 0.02,
      spreadTicks: 1,
      levels: 20,
      levelSize: 0.02,
      churn: 0.2,
      tradesPerSecond: 2,
      tradeSize: 0.01,
      refreshMs: 100,
    },
    strategy: { name: 'fixed-spread', spreadBps: 10, size: 0.01, requoteMs: 1000 },
  },
  'serve-test',
);

function within(promise: Promise<any>, ms: number, what: string): Promise<any> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

describe('local exchange server with a real ccxt binanceusdm client', () => {
  let ccxt: Ccxt;
  let server: ExchangeServer;
  let ex: Ccxt;
  const clients: Ccxt[] = [];

  const state = async (): Promise<ServerState> => (await fetch(`${server.url}/_spreadlab/state`)).json() as Promise<ServerState>;
  const hook = async (path: string) => (await fetch(`${server.url}/_spreadlab/${path}`, { method: 'POST' })).json();
  const client = async (secret = SECRET): Promise<Ccxt> => {
    // The live commands' own connection: every REST and websocket URL pointed at the server.
    const c: Ccxt = await connectExchange({ exchange: 'binanceusdm', sandbox: false, baseUrl: server.url, apiKey: API_KEY, secret });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    ccxt = (await import('ccxt')).default;
    server = await startExchangeServer({ scenario, baseDir: '.', port: 0, speed: 10, apiKey: API_KEY, secret: SECRET });
    ex = await client();
  }, 30_000);

  afterAll(async () => {
    for (const c of clients) await within(c.close(), 5_000, 'ccxt close').catch(() => undefined);
    await server?.close();
  });

  it('serves the scenario market as one USD-M perpetual with the scenario tick and step', async () => {
    const markets = await within(ex.loadMarkets(), 10_000, 'loadMarkets');
    expect(Object.keys(markets)).toEqual([SYMBOL]);
    const m = markets[SYMBOL];
    expect(m).toMatchObject({ id: 'SYNUSDT', swap: true, linear: true, settle: 'USDT', contractSize: 1 });
    expect(m.precision).toMatchObject({ price: 0.01, amount: 0.001 });
    expect(server.venue.feed.updateId).toBeGreaterThan(0);
  });

  it('answers fetchOrderBook from the venue book, with lastUpdateId as the nonce', async () => {
    const book = await within(ex.fetchOrderBook(SYMBOL, 50), 5_000, 'fetchOrderBook');
    expect(book.bids.length).toBeGreaterThan(5);
    expect(book.asks.length).toBeGreaterThan(5);
    expect(book.bids[0][0]).toBeLessThan(book.asks[0][0]);
    expect(book.nonce).toBeGreaterThan(0);
  });

  it('streams depth diffs whose U/u/pu chain keeps a watched book equal to the REST book', async () => {
    const nonces: number[] = [];
    const deadline = Date.now() + 8_000;
    let book: any;
    while (nonces.length < 5 && Date.now() < deadline) {
      book = await within(ex.watchOrderBook(SYMBOL), 5_000, 'watchOrderBook');
      nonces.push(book.nonce);
    }
    expect(nonces.length).toBe(5);
    for (let i = 1; i < nonces.length; i++) expect(nonces[i]).toBeGreaterThanOrEqual(nonces[i - 1]);
    const trades = await within(ex.watchTrades(SYMBOL), 5_000, 'watchTrades');
    expect(trades.length).toBeGreaterThan(0);
    expect(trades[0].symbol).toBe(SYMBOL);
    // once the data has ended the book stops; the last diffs must leave ccxt's book equal to the server's
    await waitFor(async () => (await state()).dataEnded, 15_000, 'the end of the data');
    // the last diffs reach the watched book a flush later: wait until it has the REST book's update id
    let rest: any;
    await waitFor(
      async () => {
        rest = await within(ex.fetchOrderBook(SYMBOL, 1000), 5_000, 'fetchOrderBook');
        return ex.orderbooks[SYMBOL].nonce === rest.nonce;
      },
      10_000,
      'the watched book to catch up with the last diff',
    );
    const watched = ex.orderbooks[SYMBOL];
    expect(watched.nonce).toBe(rest.nonce);
    expect(rest.bids.length).toBeGreaterThan(5);
    expect(watched.bids.slice()).toEqual(rest.bids);
    expect(watched.asks.slice()).toEqual(rest.asks);
  }, 30_000);

  let bid = 0;
  let restingId = '';

  it('rests a post-only order and refuses a crossing one with -5022 (InvalidOrder)', async () => {
    const top = await ex.fetchOrderBook(SYMBOL, 5);
    bid = Number((top.bids[0][0] - 0.2).toFixed(2));
    const order = await within(ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, bid, { postOnly: true }), 5_000, 'createOrder');
    expect(order).toMatchObject({ status: 'open', price: bid, amount: 0.01, filled: 0, postOnly: true, timeInForce: 'PO' });
    restingId = order.id;
    let s = await state();
    expect(s.openOrders.map((o) => String(o.orderId))).toEqual([restingId]);
    expect(s.openOrders[0]).toMatchObject({ timeInForce: 'GTX', side: 'BUY', price: bid.toFixed(2), origQty: '0.010' });

    const crossing = ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, top.asks[0][0], { postOnly: true });
    await expect(within(crossing, 5_000, 'crossing post-only')).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    await expect(ex.createOrder(SYMBOL, 'limit', 'sell', 0.01, top.bids[0][0], { postOnly: true })).rejects.toThrow(/-5022/);
    s = await state();
    expect(s.orders).toHaveLength(1);
    const open = await ex.fetchOpenOrders(SYMBOL);
    expect(open.map((o: any) => o.id)).toEqual([restingId]);
  });

  it('delivers the fill on watchOrders and watchMyTrades, equal to the server records', async () => {
    const tradesP = within(ex.watchMyTrades(SYMBOL), 10_000, 'watchMyTrades');
    const ordersP = within(ex.watchOrders(SYMBOL), 10_000, 'watchOrders');
    await waitFor(async () => (await state()).connections.user > 0, 10_000, 'the user data stream');
    // a sell print one tick below our bid trades through it: it fills first, at our price, as maker
    await hook(`trade?side=sell&price=${(bid - 0.01).toFixed(2)}&qty=0.05`);
    const [trades, orders] = await Promise.all([tradesP, ordersP]);
    const s = await state();
    expect(s.fills).toHaveLength(1);
    const fill = s.fills[0];
    expect(fill).toMatchObject({ orderId: Number(restingId), side: 'buy', price: bid, qty: 0.01, liquidity: 'maker', positionAfter: 0.01 });
    const trade = trades[trades.length - 1];
    expect(trade).toMatchObject({ symbol: SYMBOL, order: restingId, side: 'buy', price: bid, amount: 0.01, takerOrMaker: 'maker' });
    expect(trade.id).toBe(String(fill.tradeId));
    expect(trade.fee.cost).toBeCloseTo(fill.commission, 10);
    expect(fill.commission).toBeLessThan(0); // the 2 bp maker rebate
    const order = orders.find((o: any) => o.id === restingId);
    expect(order).toMatchObject({ status: 'closed', filled: 0.01 });
    expect(s.openOrders).toHaveLength(0);
  }, 30_000);

  it('reports the position and balance the server booked', async () => {
    const positions = await within(ex.fetchPositions([SYMBOL]), 5_000, 'fetchPositions');
    expect(positions).toHaveLength(1);
    expect(positions[0]).toMatchObject({ symbol: SYMBOL, side: 'long', contracts: 0.01, entryPrice: bid, marginMode: 'cross' });
    const balance = await within(ex.fetchBalance(), 5_000, 'fetchBalance');
    const s = await state();
    expect(balance.USDT.total).toBeCloseTo(s.balance.margin, 6);
    expect(s.balance.rebatesEarned).toBeGreaterThan(0);
    expect(s.position.qty).toBe(0.01);
  });

  it("LiveVenue's REST reads ask the exchange: fetchSnapshot, fetchPosition, fetchOpenOrders answer what the server holds", async () => {
    const market = scenario.market!.symbol;
    const units = new MarketUnits(scenario.market!);
    const venue = new LiveVenue(ex, SYMBOL, market, units, new RunTape(units, 0), new EventLog(null, []));
    const top = await ex.fetchOrderBook(SYMBOL, 5);
    const price = Number((top.bids[0][0] - 0.3).toFixed(2));
    // placed by another client of the account: this venue was told nothing of it
    const order = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.003, price, { postOnly: true });
    const snapshot = await within(venue.fetchSnapshot(market, 5), 5_000, 'fetchSnapshot');
    expect([snapshot.bestBid, snapshot.bestAsk, snapshot.bids.length]).toEqual([top.bids[0][0], top.asks[0][0], 5]);
    expect(await within(venue.fetchPosition(market), 5_000, 'fetchPosition')).toBe(0.01);
    expect(await within(venue.fetchOpenOrders(market), 5_000, 'fetchOpenOrders')).toEqual([
      { id: order.id, market, side: 'buy', price, remaining: 0.003, filled: 0 },
    ]);
    expect(await venue.getOpenOrders(market)).toEqual([]);
    await ex.cancelOrder(order.id, SYMBOL);
  });

  it('cancels all open orders, with CANCELED events on the user stream', async () => {
    const top = await ex.fetchOrderBook(SYMBOL, 5);
    const a = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.002, Number((top.bids[0][0] - 0.5).toFixed(2)), { postOnly: true });
    const b = await ex.createOrder(SYMBOL, 'limit', 'sell', 0.002, Number((top.asks[0][0] + 0.5).toFixed(2)), { postOnly: true });
    expect((await state()).openOrders).toHaveLength(2);
    const ordersP = within(ex.watchOrders(SYMBOL), 10_000, 'watchOrders');
    await within(ex.cancelAllOrders(SYMBOL), 5_000, 'cancelAllOrders');
    expect((await state()).openOrders).toHaveLength(0);
    expect(await ex.fetchOpenOrders(SYMBOL)).toEqual([]);
    await ordersP;
    await waitFor(
      () => {
        const cached = ex.orders.filter((o: any) => o.id === a.id || o.id === b.id);
        return cached.length === 2 && cached.every((o: any) => o.status === 'canceled');
      },
      5_000,
      'both CANCELED events',
    );
  }, 20_000);

  it('fills a market order as taker and books the realized PnL', async () => {
    const order = await within(ex.createOrder(SYMBOL, 'market', 'sell', 0.01), 5_000, 'market order');
    expect(order).toMatchObject({ status: 'closed', filled: 0.01, type: 'market' });
    const s = await state();
    expect(s.position.qty).toBe(0);
    const last = s.fills[s.fills.length - 1];
    expect(last).toMatchObject({ side: 'sell', liquidity: 'taker', qty: 0.01, positionAfter: 0 });
    expect(last.realizedPnl).toBeCloseTo((last.price - bid) * 0.01, 8);
    expect(await ex.fetchPositions([SYMBOL])).toEqual([]);
  });

  it('drops every socket on request, and the client reconnects on its next watch', async () => {
    const before = await state();
    expect(before.connections.public + before.connections.user).toBeGreaterThan(0);
    const dropped = (await hook('drop-sockets')) as { dropped: number };
    expect(dropped.dropped).toBe(before.connections.public + before.connections.user);
    await waitFor(async () => (await state()).connections.public === 0, 5_000, 'sockets to close');
    // a watch pending on the dropped socket rejects with NetworkError; the next call reconnects
    const watching = (async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          return await ex.watchTrades(SYMBOL);
        } catch (error) {
          if (!(error instanceof ccxt.NetworkError)) throw error;
        }
      }
      throw new Error('no reconnect after 5 attempts');
    })();
    await waitFor(async () => ((await state()).connections.streams['synusdt@trade'] ?? 0) > 0, 10_000, 'a new trade subscription');
    await hook('trade?side=buy&price=150&qty=0.001');
    const trades = await within(watching, 5_000, 'watchTrades after the drop');
    expect(trades[trades.length - 1]).toMatchObject({ price: 150, amount: 0.001, side: 'buy' });
    expect((await state()).connections.public).toBeGreaterThan(0);
  }, 30_000);

  it('refuses a request signed with the wrong secret (-1022, AuthenticationError)', async () => {
    const wrong = await client('not-the-secret');
    await within(wrong.loadMarkets(), 5_000, 'loadMarkets');
    await expect(within(wrong.fetchBalance(), 5_000, 'fetchBalance')).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    await expect(wrong.createOrder(SYMBOL, 'limit', 'buy', 0.01, 50, { postOnly: true })).rejects.toThrow(/-1022/);
    const res = await fetch(`${server.url}/fapi/v1/openOrders?timestamp=${Date.now()}&signature=${'0'.repeat(64)}`, {
      headers: { 'X-MBX-APIKEY': API_KEY },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
    const noKey = await fetch(`${server.url}/fapi/v1/openOrders?timestamp=${Date.now()}&signature=00`);
    expect(noKey.status).toBe(401);
  });
});

describe('local exchange server protocol details (plain HTTP and WebSocket)', () => {
  let server: ExchangeServer;
  const sockets: WebSocket[] = [];
  const quick = parseScenario({ ...JSON.parse(JSON.stringify(scenario)), name: 'serve-protocol', durationSeconds: 0.5 }, 'serve-protocol');

  const signed = async (
    method: string,
    path: string,
    params: Record<string, string | number>,
    options: { secret?: string; apiKey?: string | null; timestamp?: number } = {},
  ) => {
    const query = new URLSearchParams({
      ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
      timestamp: String(options.timestamp ?? Date.now()),
    }).toString();
    const signature = createHmac('sha256', options.secret ?? SECRET)
      .update(query)
      .digest('hex');
    const headers: Record<string, string> = options.apiKey === null ? {} : { 'X-MBX-APIKEY': options.apiKey ?? API_KEY };
    const body = `${query}&signature=${signature}`;
    const res =
      method === 'GET' || method === 'DELETE'
        ? await fetch(`${server.url}${path}?${body}`, { method, headers })
        : await fetch(`${server.url}${path}`, {
            method,
            headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
            body,
          });
    return { status: res.status, json: (await res.json()) as any };
  };
  const open = (path: string) =>
    new Promise<{ ws: WebSocket; messages: any[] }>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`);
      sockets.push(ws);
      const messages: any[] = [];
      ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
      ws.once('open', () => resolve({ ws, messages }));
      ws.once('error', reject);
    });
  const trade = (side: string, price: number, qty: number) =>
    fetch(`${server.url}/_spreadlab/trade?side=${side}&price=${price}&qty=${qty}`, { method: 'POST' });

  beforeAll(async () => {
    server = await startExchangeServer({ scenario: quick, baseDir: '.', port: 0, speed: 1, apiKey: API_KEY, secret: SECRET });
    await waitFor(() => server.state().dataEnded || undefined, 10_000, 'the end of the data');
  });

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await server?.close();
  });

  it('answers Binance error codes for bad keys, timestamps, ticks, steps, symbols and unknown orders', async () => {
    const order = { symbol: 'SYNUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '90.00' };
    expect(await signed('POST', '/fapi/v1/order', order, { apiKey: null })).toMatchObject({ status: 401, json: { code: -2014 } });
    expect(await signed('POST', '/fapi/v1/order', order, { apiKey: 'other' })).toMatchObject({ status: 401, json: { code: -2015 } });
    expect(await signed('POST', '/fapi/v1/order', order, { secret: 'other' })).toMatchObject({ status: 400, json: { code: -1022 } });
    expect(await signed('POST', '/fapi/v1/order', order, { timestamp: Date.now() - 60_000 })).toMatchObject({
      status: 400,
      json: { code: -1021 },
    });
    expect((await signed('POST', '/fapi/v1/order', { ...order, price: '90.005' })).json.code).toBe(-4014);
    expect((await signed('POST', '/fapi/v1/order', { ...order, quantity: '0.0105' })).json.code).toBe(-4023);
    expect((await signed('POST', '/fapi/v1/order', { ...order, symbol: 'BTCUSDT' })).json.code).toBe(-1121);
    expect((await signed('DELETE', '/fapi/v1/order', { symbol: 'SYNUSDT', orderId: 999 })).json.code).toBe(-2011);
    expect(
      (await signed('POST', '/fapi/v1/order', { ...order, side: 'SELL', type: 'MARKET', reduceOnly: 'true', timeInForce: '' })).json.code,
    ).toBe(-2022);
    expect(server.state().orders).toHaveLength(0);
  });

  it('sends NEW, TRADE (+ACCOUNT_UPDATE) and EXPIRED for an IOC that takes part of the best ask, and amends a resting order', async () => {
    const { json: key } = await fetch(`${server.url}/fapi/v1/listenKey`, { method: 'POST', headers: { 'X-MBX-APIKEY': API_KEY } }).then(
      async (r) => ({ json: (await r.json()) as any }),
    );
    const user = await open(`/private/ws?listenKey=${key.listenKey}`);
    const book = server.venue.depth(1);
    const [askTicks, askLots] = book.asks[0];
    const u = server.venue.units;
    const qty = u.formatSize(askLots + 1);
    const ioc = await signed('POST', '/fapi/v1/order', {
      symbol: 'SYNUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'IOC',
      quantity: qty,
      price: u.formatPrice(askTicks),
    });
    expect(ioc.json).toMatchObject({ status: 'EXPIRED', executedQty: u.formatSize(askLots), origQty: qty, timeInForce: 'IOC' });
    await waitFor(() => user.messages.length >= 4 || undefined, 5_000, 'four user events');
    expect(user.messages.map((m) => (m.e === 'ORDER_TRADE_UPDATE' ? m.o.x : m.e))).toEqual(['NEW', 'TRADE', 'ACCOUNT_UPDATE', 'EXPIRED']);
    const fill = user.messages[1].o;
    expect(fill).toMatchObject({
      X: 'PARTIALLY_FILLED',
      l: u.formatSize(askLots),
      L: u.formatPrice(askTicks),
      m: false,
      N: 'USDT',
      i: ioc.json.orderId,
    });
    expect(Number(fill.n)).toBeCloseTo(u.price(askTicks) * u.size(askLots) * 5e-4, 8);
    expect(user.messages[2].a.P[0]).toMatchObject({ s: 'SYNUSDT', pa: u.formatSize(askLots), ps: 'BOTH' });

    const fok = await signed('POST', '/fapi/v1/order', {
      symbol: 'SYNUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'FOK',
      quantity: '1000',
      price: u.formatPrice(askTicks + 5),
    });
    expect(fok.json).toMatchObject({ status: 'EXPIRED', executedQty: '0.000' });

    const rest = await signed('POST', '/fapi/v1/order', {
      symbol: 'SYNUSDT',
      side: 'SELL',
      type: 'LIMIT',
      timeInForce: 'GTX',
      quantity: '0.005',
      price: u.formatPrice(askTicks + 20),
    });
    expect(rest.json.status).toBe('NEW');
    const amended = await signed('PUT', '/fapi/v1/order', {
      symbol: 'SYNUSDT',
      side: 'SELL',
      orderId: rest.json.orderId,
      quantity: '0.007',
      price: u.formatPrice(askTicks + 10),
    });
    expect(amended.json).toMatchObject({ status: 'NEW', price: u.formatPrice(askTicks + 10), origQty: '0.007' });
    await waitFor(() => user.messages.some((m) => m.o?.x === 'AMENDMENT') || undefined, 5_000, 'the AMENDMENT event');
    const openOrders = await signed('GET', '/fapi/v1/openOrders', { symbol: 'SYNUSDT' });
    expect(openOrders.json.map((o: any) => [o.orderId, o.price, o.origQty])).toEqual([
      [rest.json.orderId, u.formatPrice(askTicks + 10), '0.007'],
    ]);
    const trades = await signed('GET', '/fapi/v1/userTrades', { symbol: 'SYNUSDT' });
    expect(trades.json).toHaveLength(1);
    expect(trades.json[0]).toMatchObject({ orderId: ioc.json.orderId, maker: false, buyer: true, qty: u.formatSize(askLots) });
  });

  it('serves raw and combined stream paths, LIST_SUBSCRIPTIONS, a paused feed, and refuses unknown listen keys', async () => {
    const raw = await open('/ws/synusdt@trade');
    const combined = await open('/stream?streams=synusdt@aggTrade/synusdt@bookTicker');
    const subscriber = await open('/public/ws/3');
    subscriber.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['synusdt@trade'], id: 7 }));
    subscriber.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 8 }));
    await waitFor(() => subscriber.messages.length >= 2 || undefined, 5_000, 'subscription replies');
    expect(subscriber.messages).toEqual([
      { result: null, id: 7 },
      { result: ['synusdt@trade'], id: 8 },
    ]);

    await fetch(`${server.url}/_spreadlab/feed?paused=true`, { method: 'POST' });
    await trade('sell', 50, 0.001); // while paused: never sent (a socket keeps order, so the next trade proves it)
    await fetch(`${server.url}/_spreadlab/feed?paused=false`, { method: 'POST' });
    await trade('buy', 150, 0.002);
    await waitFor(
      () => (raw.messages.length > 0 && combined.messages.length > 0 && subscriber.messages.length > 2) || undefined,
      5_000,
      'trade messages',
    );
    expect(raw.messages).toEqual([expect.objectContaining({ e: 'trade', s: 'SYNUSDT', p: '150.00', q: '0.002', m: false })]);
    expect(combined.messages[0]).toMatchObject({ stream: 'synusdt@aggTrade', data: { e: 'aggTrade', p: '150.00', q: '0.002' } });
    expect(subscriber.messages[2]).toMatchObject({ e: 'trade', p: '150.00' });

    await expect(open('/private/ws?listenKey=nope')).rejects.toThrow(/400/);
  });
});

describe('local exchange server market clock', () => {
  it('freezes and restarts the market on request; raw depth diffs chain pu to the previous u', async () => {
    const long = parseScenario({ ...JSON.parse(JSON.stringify(scenario)), name: 'serve-clock', durationSeconds: 600 }, 'serve-clock');
    const server = await startExchangeServer({ scenario: long, baseDir: '.', speed: 5, secret: SECRET });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws/synusdt@depth@100ms`);
    try {
      const diffs: any[] = [];
      ws.on('message', (data) => diffs.push(JSON.parse(data.toString())));
      await within(new Promise((resolve) => ws.once('open', resolve)), 5_000, 'ws open');
      await waitFor(() => diffs.length >= 5 || undefined, 5_000, 'five depth diffs');
      const clock = async (paused: boolean) => (await fetch(`${server.url}/_spreadlab/clock?paused=${paused}`, { method: 'POST' })).json();
      expect(await clock(true)).toEqual({ paused: true });
      await sleep(300);
      const frozen = server.state();
      await sleep(300);
      const still = server.state();
      expect([still.marketEvents, still.dataTime, still.book]).toEqual([frozen.marketEvents, frozen.dataTime, frozen.book]);
      const depth = (await (await fetch(`${server.url}/fapi/v1/depth?symbol=SYNUSDT`)).json()) as any;
      expect(depth.lastUpdateId).toBe(diffs[diffs.length - 1].u);
      expect(await clock(false)).toEqual({ paused: false });
      await waitFor(() => server.state().marketEvents > still.marketEvents || undefined, 5_000, 'the market to move again');
      // the data resumes where it stopped: data time moved on by about the wall time since the restart × speed
      expect(server.state().dataTime - still.dataTime).toBeLessThan(5 * 2_000_000);
      for (let i = 1; i < diffs.length; i++) {
        expect(diffs[i].pu).toBe(diffs[i - 1].u);
        expect(diffs[i].U).toBe(diffs[i - 1].u + 1);
      }
    } finally {
      ws.terminate();
      await server.close();
    }
  }, 30_000);
});

describe('spreadlab serve (the command)', () => {
  it('listens on 127.0.0.1, serves the scenario symbol, and exits 0 on SIGTERM; a bad scenario exits 2', async () => {
    const child = spawn(
      process.execPath,
      ['bin/spreadlab.js', 'serve', '--scenario', 'scenarios/demo.json', '--port', '0', '--speed', '5'],
      {
        env: { ...process.env, SPREADLAB_SERVE_API_KEY: API_KEY, SPREADLAB_SERVE_SECRET: SECRET },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const url = await waitFor(() => /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 20_000, 'the listening line');
      expect(out).not.toContain(SECRET);
      const info = (await (await fetch(`${url}/fapi/v1/exchangeInfo`)).json()) as any;
      expect(info.symbols.map((s: any) => s.symbol)).toEqual(['SYNUSDT']);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await within(exited, 10_000, 'serve to exit')).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const bad = spawnSync(process.execPath, ['bin/spreadlab.js', 'serve', '--scenario', 'does-not-exist.json'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/does-not-exist\.json: cannot read scenario/);
  }, 60_000);
});
