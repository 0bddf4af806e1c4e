import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/sim/scenario.ts';
import { startExchangeServer, type ExchangeServer } from '../../src/live/server/server.ts';

/**
 * Class 9 of issue 15: `serve` enforces the filters its own exchangeInfo advertises — PRICE_FILTER,
 * LOT_SIZE, MARKET_LOT_SIZE, PERCENT_PRICE — and recvWindow ≤ 60 000, with Binance's error codes, and caps
 * request bodies. Plain signed HTTP requests against the server in this process.
 */
const API_KEY = 'filters-key';
const SECRET = 'filters-secret';
const CASE_MS = 30_000;

const scenario = parseScenario(
  {
    name: 'serve-filters',
    durationSeconds: 600,
    market: { symbol: 'SYN-USD', tickSize: 0.01, lotSize: 0.001 },
    data: {
      kind: 'synthetic',
      model: 'random-walk',
      startPrice: 100,
      volatility: 0,
      levelSize: 0.02,
      tradesPerSecond: 0.1,
      tradeSize: 0.001,
    },
    strategy: { name: 'fixed-spread', spreadBps: 10, size: 0.01 },
  },
  'serve-filters',
);

describe('serve enforces its advertised filters (class 9)', () => {
  let server: ExchangeServer;

  const signed = async (method: string, path: string, params: Record<string, string>, extra = '') => {
    const query = new URLSearchParams({ ...params, timestamp: String(Date.now()) }).toString() + extra;
    const signature = createHmac('sha256', SECRET).update(query).digest('hex');
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'X-MBX-APIKEY': API_KEY, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `${query}&signature=${signature}`,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, json: (await res.json()) as { code?: number; msg?: string; status?: string } };
  };
  const limit = (side: string, price: string, quantity: string) =>
    signed('POST', '/fapi/v1/order', { symbol: 'SYNUSDT', side, type: 'LIMIT', timeInForce: 'GTC', price, quantity });
  const market = (side: string, quantity: string) =>
    signed('POST', '/fapi/v1/order', { symbol: 'SYNUSDT', side, type: 'MARKET', quantity });

  beforeAll(async () => {
    server = await startExchangeServer({ scenario, baseDir: '.', port: 0, apiKey: API_KEY, secret: SECRET });
    // the book must have a mid before the percent-price cases
    const deadline = Date.now() + 10_000;
    while (!Number.isFinite(server.venue.mid2()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  }, CASE_MS);
  afterAll(async () => server?.close());

  it('the filters served are the ones enforced', async () => {
    const info = (await (await fetch(`${server.url}/fapi/v1/exchangeInfo`)).json()) as { symbols: { filters: Record<string, string>[] }[] };
    const filters = Object.fromEntries(info.symbols[0].filters.map((f) => [f.filterType, f]));
    expect(filters.PRICE_FILTER).toMatchObject({ minPrice: '0.01', maxPrice: '100000000', tickSize: '0.01' });
    expect(filters.LOT_SIZE).toMatchObject({ minQty: '0.001', maxQty: '1000000.000', stepSize: '0.001' });
    expect(filters.MARKET_LOT_SIZE).toMatchObject({ minQty: '0.001', maxQty: '1000000.000' });
    expect(filters.PERCENT_PRICE).toMatchObject({ multiplierUp: '1.0500', multiplierDown: '0.9500' });
  });

  const refused: [string, () => ReturnType<typeof limit>, number, number][] = [
    ['LOT_SIZE: quantity 1e20', () => limit('BUY', '99.00', '1e20'), 400, -4005],
    ['LOT_SIZE: quantity one lot above maxQty', () => limit('BUY', '99.00', '1000000.001'), 400, -4005],
    ['LOT_SIZE: half a lot', () => limit('BUY', '99.00', '0.0005'), 400, -4004],
    ['LOT_SIZE: not whole lots', () => limit('BUY', '99.00', '0.0015'), 400, -4023],
    ['LOT_SIZE: a quantity of 0', () => limit('BUY', '99.00', '0'), 400, -4003],
    ['PRICE_FILTER: price 1e308 (was accepted and shown as "0")', () => limit('SELL', '1e308', '0.01'), 400, -4002],
    ['PRICE_FILTER: price above maxPrice', () => limit('SELL', '100000000.01', '0.01'), 400, -4002],
    ['PRICE_FILTER: half a tick', () => limit('BUY', '0.005', '0.01'), 400, -4013],
    ['PRICE_FILTER: a negative price', () => limit('BUY', '-1', '0.01'), 400, -4001],
    ['PERCENT_PRICE: a buy 10 % above the mid', () => limit('BUY', '110.00', '0.01'), 400, -4016],
    ['PERCENT_PRICE: a sell 10 % below the mid', () => limit('SELL', '90.00', '0.01'), 400, -4024],
    ['MARKET_LOT_SIZE: a market order of 1e300', () => market('SELL', '1e300'), 400, -4005],
    ['MARKET_LOT_SIZE: a market order of half a lot', () => market('BUY', '0.0005'), 400, -4004],
  ];
  for (const [name, request, status, code] of refused) {
    it(
      `${name}: HTTP ${status}, code ${code}; nothing rests`,
      async () => {
        const before = server.state().openOrders.length;
        const r = await request();
        expect(r.status).toBe(status);
        expect(r.json.code).toBe(code);
        expect(server.state().openOrders.length).toBe(before);
      },
      CASE_MS,
    );
  }

  it(
    'orders inside every filter are accepted',
    async () => {
      expect((await limit('BUY', '99.00', '0.010')).json.status).toBe('NEW');
      expect((await limit('SELL', '101.00', '1000000')).json.status).toBe('NEW');
    },
    CASE_MS,
  );

  it(
    'an amend is held to the same filters',
    async () => {
      const placed = await limit('BUY', '98.00', '0.010');
      const id = (placed.json as { orderId?: number }).orderId!;
      const amend = (price: string, quantity: string) =>
        signed('PUT', '/fapi/v1/order', { symbol: 'SYNUSDT', side: 'BUY', orderId: String(id), price, quantity });
      expect((await amend('98.00', '1e20')).json.code).toBe(-4005);
      expect((await amend('1e308', '0.01')).json.code).toBe(-4002);
      expect((await amend('120.00', '0.01')).json.code).toBe(-4016);
    },
    CASE_MS,
  );

  it(
    'recvWindow above 60 000 ms (1e11 was accepted) is refused with -1131; 60 000 is fine',
    async () => {
      const order = { symbol: 'SYNUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: '97.00', quantity: '0.010' };
      for (const recvWindow of ['1e11', '60001', '0', '-5']) {
        const r = await signed('POST', '/fapi/v1/order', { ...order, recvWindow });
        expect(r.status, recvWindow).toBe(400);
        expect(r.json.code, recvWindow).toBe(-1131);
      }
      expect((await signed('POST', '/fapi/v1/order', { ...order, recvWindow: '60000' })).json.status).toBe('NEW');
    },
    CASE_MS,
  );

  it(
    'a request body over 64 KiB is refused (HTTP 413) without reading it all, and the server goes on',
    async () => {
      const big = `&pad=${'x'.repeat(1 << 20)}`;
      const r = await signed('POST', '/fapi/v1/order', { symbol: 'SYNUSDT' }, big);
      expect(r.status).toBe(413);
      expect(r.json.code).toBe(-1000);
      expect((await fetch(`${server.url}/fapi/v1/ping`)).status).toBe(200);
    },
    CASE_MS,
  );
});
