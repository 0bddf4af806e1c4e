import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Side } from '../../core/units.ts';
import type { FeeSchedule } from '../../venue/fees.ts';
import type { OrderType, TimeInForce } from './account.ts';
import { exchangeInfo, FILTERS, leverageBrackets, money } from './binance-json.ts';
import { BinanceError, ERRORS } from './errors.ts';
import type { LocalVenue } from './venue.ts';

/**
 * The REST half of the local Binance USD-M server: routes, API-key and HMAC-SHA256 signature checks, and
 * parameter parsing.
 *
 * Rules (as Binance):
 * - Signed endpoints need the X-MBX-APIKEY header (-2014 when missing, -2015 when it is not the served key),
 *   `timestamp` and `signature` = hex HMAC-SHA256 of the query string followed directly by the body, both
 *   without the signature parameter, under the secret (-1022 when it differs, HTTP 400). The timestamp must
 *   be within [now − recvWindow, now + 1000 ms] of the wall clock (recvWindow default 5000; -1021).
 * - listenKey endpoints need only the API key.
 * - recvWindow at most 60 000 ms (-1131).
 * - Orders meet the filters exchangeInfo serves (binance-json.ts FILTERS): PRICE_FILTER (one tick to
 *   maxPrice, whole ticks: -4013, -4002, -4014), LOT_SIZE and MARKET_LOT_SIZE (one lot to maxQty, whole lots:
 *   -4004, -4005, -4023; a quantity ≤ 0 is -4003, a price ≤ 0 -4001) and PERCENT_PRICE for LIMIT orders once
 *   the book has a mid (a buy above multiplierUp × the mid: -4016; a sell below multiplierDown × it: -4024).
 * - Once a request has passed its checks, the market is brought up to its arrival time (venue.advance,
 *   once per request; the venue's order methods rely on it) before its handler runs.
 */
export type Params = URLSearchParams;

export interface RestContext {
  venue: LocalVenue;
  fees: FeeSchedule;
  apiKey: string | undefined;
  secret: string;
  startedMs: number;
  listenKeys: Set<string>;
  /** Called when a listen key is deleted. */
  onListenKeyClosed(key: string): void;
}

type Auth = 'none' | 'key' | 'signed';
type Handler = (params: Params, wallMs: number, ctx: RestContext) => unknown;

interface Route {
  auth: Auth;
  handler: Handler;
}

const routes = new Map<string, Route>();
const route = (method: string, paths: string[], auth: Auth, handler: Handler): void => {
  for (const path of paths) routes.set(`${method} ${path}`, { auth, handler });
};

export interface RestRequest {
  method: string;
  path: string;
  rawQuery: string;
  rawBody: string;
  apiKeyHeader: string | undefined;
}

export interface RestResponse {
  status: number;
  body: string;
}

/** Answers one request; a Binance error becomes its HTTP status and `{code, msg}` body. */
export function handleRest(request: RestRequest, wallMs: number, ctx: RestContext): RestResponse {
  try {
    const found = routes.get(`${request.method} ${request.path}`);
    if (!found) throw ERRORS.notFound(request.path);
    const params = new URLSearchParams(request.rawQuery);
    for (const [key, value] of new URLSearchParams(request.rawBody)) params.append(key, value);
    if (found.auth !== 'none') checkApiKey(request.apiKeyHeader, ctx);
    if (found.auth === 'signed') checkSignature(request, params, wallMs, ctx);
    ctx.venue.advance(wallMs);
    return { status: 200, body: JSON.stringify(found.handler(params, wallMs, ctx)) };
  } catch (error) {
    if (error instanceof BinanceError) return { status: error.httpStatus, body: error.body() };
    throw error;
  }
}

function checkApiKey(header: string | undefined, ctx: RestContext): void {
  if (!header) throw ERRORS.missingApiKey();
  if (ctx.apiKey !== undefined && header !== ctx.apiKey) throw ERRORS.badApiKey();
}

function checkSignature(request: RestRequest, params: Params, wallMs: number, ctx: RestContext): void {
  const signature = params.get('signature');
  if (!signature) throw ERRORS.missing('signature');
  const timestamp = Number(params.get('timestamp'));
  if (!params.has('timestamp') || !Number.isFinite(timestamp)) throw ERRORS.missing('timestamp');
  const payload = withoutSignature(request.rawQuery) + withoutSignature(request.rawBody);
  const expected = createHmac('sha256', ctx.secret).update(payload).digest();
  const given = /^[0-9a-fA-F]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw ERRORS.badSignature();
  const recvWindow = params.has('recvWindow') ? Number(params.get('recvWindow')) : 5000;
  if (!(recvWindow > 0 && recvWindow <= 60_000)) throw ERRORS.recvWindow();
  if (!(timestamp < wallMs + 1000 && wallMs - timestamp <= recvWindow)) throw ERRORS.timestamp();
}

function withoutSignature(raw: string): string {
  if (!raw.includes('signature=')) return raw;
  return raw
    .split('&')
    .filter((part) => !part.startsWith('signature='))
    .join('&');
}

// ---- parameter parsing ----

function symbolParam(params: Params, venue: LocalVenue, required = true): void {
  const symbol = params.get('symbol');
  if (symbol === null) {
    if (required) throw ERRORS.missing('symbol');
    return;
  }
  if (symbol.toUpperCase() !== venue.symbol.id) throw ERRORS.badSymbol();
}

interface StepRules {
  notPositive: () => BinanceError;
  belowMin: () => BinanceError;
  aboveMax: () => BinanceError;
  notWhole: () => BinanceError;
  /** The largest value allowed, in steps. */
  maxSteps: number;
}

/** A price or quantity parameter as whole steps, checked against its filter (see the header). */
function steps(text: string | null, step: number, name: string, rules: StepRules): number {
  if (text === null || text === '') throw ERRORS.missing(name);
  const value = Number(text);
  if (!Number.isFinite(value)) throw ERRORS.badParam(name);
  if (value <= 0) throw rules.notPositive();
  const count = value / step;
  if (count < 1 - 1e-9) throw rules.belowMin();
  if (count > rules.maxSteps + 1e-9) throw rules.aboveMax();
  const whole = Math.round(count);
  if (Math.abs(count - whole) > 1e-6) throw rules.notWhole();
  return whole;
}

const QTY: StepRules = {
  notPositive: ERRORS.qtyTooSmall,
  belowMin: ERRORS.qtyBelowMin,
  aboveMax: ERRORS.qtyAboveMax,
  notWhole: ERRORS.qtyStep,
  maxSteps: FILTERS.maxQtyLots,
};

function priceRules(tickSize: number): StepRules {
  return {
    notPositive: ERRORS.priceTooSmall,
    belowMin: ERRORS.priceBelowMin,
    aboveMax: ERRORS.priceAboveMax,
    notWhole: ERRORS.priceTick,
    maxSteps: Math.floor(FILTERS.maxPrice / tickSize + 1e-9),
  };
}

/** PERCENT_PRICE for a LIMIT order, against the book's mid (not checked before the book has one). */
function checkPercentPrice(venue: LocalVenue, side: Side, price: number): void {
  const mid = venue.mid2() / 2;
  if (!Number.isFinite(mid)) return;
  const format = (ticks: number) => venue.json.price(Math.floor(ticks));
  if (side === 'buy' && price > mid * FILTERS.multiplierUp) throw ERRORS.priceAboveMultiplier(format(mid * FILTERS.multiplierUp));
  if (side === 'sell' && price < mid * FILTERS.multiplierDown)
    throw ERRORS.priceBelowMultiplier(format(Math.ceil(mid * FILTERS.multiplierDown)));
}

function orderIdParams(params: Params): { orderId: number | undefined; clientOrderId: string | undefined } {
  const id = params.get('orderId');
  const clientOrderId = params.get('origClientOrderId') ?? undefined;
  if (id === null && clientOrderId === undefined) throw ERRORS.missing('orderId');
  const orderId = id === null ? undefined : Number(id);
  if (orderId !== undefined && !Number.isInteger(orderId)) throw ERRORS.badParam('orderId');
  return { orderId, clientOrderId };
}

function sideParam(params: Params): Side {
  const side = params.get('side');
  if (side === null) throw ERRORS.missing('side');
  if (side !== 'BUY' && side !== 'SELL') throw ERRORS.badSide();
  return side === 'BUY' ? 'buy' : 'sell';
}

// ---- public ----

route('GET', ['/fapi/v1/ping'], 'none', () => ({}));
route('GET', ['/fapi/v1/time'], 'none', (_p, wallMs) => ({ serverTime: wallMs }));
route('GET', ['/fapi/v1/exchangeInfo'], 'none', (_p, wallMs, { venue, startedMs }) =>
  exchangeInfo(venue.units, venue.symbol, wallMs, startedMs),
);

route('GET', ['/fapi/v1/depth'], 'none', (params, wallMs, { venue }) => {
  symbolParam(params, venue);
  const limit = Math.min(1000, Math.max(1, Number(params.get('limit') ?? 500) || 500));
  const { bids, asks } = venue.depth(limit);
  return { lastUpdateId: venue.feed.updateId, E: wallMs, T: wallMs, bids: venue.json.levels(bids), asks: venue.json.levels(asks) };
});

route('GET', ['/fapi/v1/trades'], 'none', (params, _w, { venue }) => {
  symbolParam(params, venue);
  const limit = Math.min(1000, Number(params.get('limit') ?? 500) || 500);
  return venue.recentTrades.slice(-limit).map((t) => ({
    id: t.id,
    price: venue.json.price(t.price),
    qty: venue.json.qty(t.qty),
    quoteQty: money(venue.account.tickLots(t.price * t.qty)),
    time: Math.round(t.wallMs),
    isBuyerMaker: t.takerSide === 'sell',
  }));
});

route('GET', ['/fapi/v1/ticker/bookTicker'], 'none', (params, wallMs, { venue }) => {
  symbolParam(params, venue, false);
  const { book } = venue.exchange;
  const ticker = {
    symbol: venue.symbol.id,
    bidPrice: venue.json.price(book.bestBid),
    bidQty: venue.json.qty(book.bestBidSize()),
    askPrice: venue.json.price(book.bestAsk),
    askQty: venue.json.qty(book.bestAskSize()),
    time: wallMs,
    lastUpdateId: venue.feed.updateId,
  };
  return params.has('symbol') ? ticker : [ticker];
});

const midPrice = (venue: LocalVenue): string => {
  const mid2 = venue.mid2();
  return Number.isFinite(mid2) ? ((mid2 / 2) * venue.units.spec.tickSize).toFixed(8) : '0';
};

route('GET', ['/fapi/v1/ticker/price', '/fapi/v2/ticker/price'], 'none', (params, wallMs, { venue }) => {
  symbolParam(params, venue, false);
  const ticker = { symbol: venue.symbol.id, price: midPrice(venue), time: wallMs };
  return params.has('symbol') ? ticker : [ticker];
});

route('GET', ['/fapi/v1/premiumIndex'], 'none', (params, wallMs, { venue }) => {
  symbolParam(params, venue, false);
  const mark = midPrice(venue);
  const index = {
    symbol: venue.symbol.id,
    markPrice: mark,
    indexPrice: mark,
    estimatedSettlePrice: mark,
    lastFundingRate: '0.00000000',
    interestRate: '0.00000000',
    nextFundingTime: 0,
    time: wallMs,
  };
  return params.has('symbol') ? index : [index];
});

// ---- user data stream ----

route('POST', ['/fapi/v1/listenKey'], 'key', (_p, _w, { listenKeys }) => {
  let [key] = listenKeys;
  if (key === undefined) {
    key = randomBytes(32).toString('hex');
    listenKeys.add(key);
  }
  return { listenKey: key };
});
route('PUT', ['/fapi/v1/listenKey'], 'key', (_p, _w, { listenKeys }) => {
  const [key] = listenKeys;
  if (key === undefined) throw new BinanceError(-1125, 'This listenKey does not exist.', 400);
  return { listenKey: key };
});
route('DELETE', ['/fapi/v1/listenKey'], 'key', (_p, _w, ctx) => {
  for (const key of ctx.listenKeys) ctx.onListenKeyClosed(key);
  ctx.listenKeys.clear();
  return {};
});

// ---- orders ----

route('POST', ['/fapi/v1/order'], 'signed', (params, wallMs, { venue }) => {
  symbolParam(params, venue);
  const side = sideParam(params);
  const type = params.get('type');
  if (type === null) throw ERRORS.missing('type');
  if (type !== 'LIMIT' && type !== 'MARKET') throw ERRORS.badType();
  const { tickSize, lotSize } = venue.units.spec;
  const qty = steps(params.get('quantity'), lotSize, 'quantity', QTY);
  let price = NaN;
  let timeInForce: TimeInForce = 'GTC';
  if (type === 'LIMIT') {
    price = steps(params.get('price'), tickSize, 'price', priceRules(tickSize));
    checkPercentPrice(venue, side, price);
    const tif = params.get('timeInForce');
    if (tif === null) throw ERRORS.missing('timeInForce');
    if (tif !== 'GTC' && tif !== 'IOC' && tif !== 'FOK' && tif !== 'GTX') throw ERRORS.badTimeInForce();
    timeInForce = tif;
  }
  const clientOrderId = params.get('newClientOrderId') ?? undefined;
  if (clientOrderId !== undefined && !/^[.A-Z:/a-z0-9_-]{1,36}$/.test(clientOrderId)) throw ERRORS.badParam('newClientOrderId');
  const order = venue.placeOrder(
    { side, type: type as OrderType, timeInForce, price, qty, clientOrderId, reduceOnly: params.get('reduceOnly') === 'true' },
    wallMs,
  );
  return venue.json.order(order);
});

route('PUT', ['/fapi/v1/order'], 'signed', (params, wallMs, { venue }) => {
  symbolParam(params, venue);
  const { orderId, clientOrderId } = orderIdParams(params);
  const { tickSize, lotSize } = venue.units.spec;
  const side = sideParam(params);
  const qty = steps(params.get('quantity'), lotSize, 'quantity', QTY);
  const price = steps(params.get('price'), tickSize, 'price', priceRules(tickSize));
  checkPercentPrice(venue, side, price);
  return venue.json.order(venue.amend(orderId, clientOrderId, price, qty, wallMs));
});

route('DELETE', ['/fapi/v1/order'], 'signed', (params, wallMs, { venue }) => {
  symbolParam(params, venue);
  const { orderId, clientOrderId } = orderIdParams(params);
  return venue.json.order(venue.cancelOrder(orderId, clientOrderId, wallMs));
});

route('DELETE', ['/fapi/v1/allOpenOrders'], 'signed', (params, wallMs, { venue }) => {
  symbolParam(params, venue);
  venue.cancelAll(wallMs);
  return { code: 200, msg: 'The operation of cancel all open order is done.' };
});

route('GET', ['/fapi/v1/order'], 'signed', (params, _w, { venue }) => {
  symbolParam(params, venue);
  const { orderId, clientOrderId } = orderIdParams(params);
  const order = venue.account.find(orderId, clientOrderId);
  if (!order) throw ERRORS.noSuchOrder();
  return venue.json.order(order);
});

route('GET', ['/fapi/v1/openOrder'], 'signed', (params, _w, { venue }) => {
  symbolParam(params, venue);
  const { orderId, clientOrderId } = orderIdParams(params);
  const order = venue.account.find(orderId, clientOrderId);
  if (!order || (order.status !== 'NEW' && order.status !== 'PARTIALLY_FILLED'))
    throw new BinanceError(-2013, 'Order does not exist.', 400);
  return venue.json.order(order);
});

route('GET', ['/fapi/v1/openOrders'], 'signed', (params, _w, { venue }) => {
  symbolParam(params, venue, false);
  return venue.account.openOrders().map((o) => venue.json.order(o));
});

route('GET', ['/fapi/v1/allOrders'], 'signed', (params, _w, { venue }) => {
  symbolParam(params, venue);
  const limit = Math.min(1000, Number(params.get('limit') ?? 500) || 500);
  return [...venue.account.orders.values()].slice(-limit).map((o) => venue.json.order(o));
});

route('GET', ['/fapi/v1/userTrades'], 'signed', (params, _w, { venue }) => {
  symbolParam(params, venue);
  const limit = Math.min(1000, Number(params.get('limit') ?? 500) || 500);
  const fromId = params.has('fromId') ? Number(params.get('fromId')) : -Infinity;
  return venue.account.fills
    .filter((f) => f.tradeId >= fromId)
    .slice(fromId === -Infinity ? -limit : 0, fromId === -Infinity ? undefined : limit)
    .map((f) => venue.json.userTrade(f));
});

// ---- account and positions ----

route('GET', ['/fapi/v1/leverageBracket'], 'signed', (params, _w, { venue }) => {
  symbolParam(params, venue, false);
  return leverageBrackets(venue.symbol, venue.account.leverage);
});

for (const version of [2, 3] as const) {
  route('GET', [`/fapi/v${version}/positionRisk`], 'signed', (params, wallMs, { venue }) => {
    symbolParam(params, venue, false);
    // v3 lists only symbols with a position or open orders, as Binance does; v2 lists every symbol.
    if (version === 3 && venue.account.ledger.position === 0 && venue.account.openOrders().length === 0) return [];
    return [venue.json.positionRisk(venue.account.balances(venue.mid2()), version, wallMs)];
  });
  route('GET', [`/fapi/v${version}/account`], 'signed', (_p, wallMs, { venue }) =>
    venue.json.accountInfo(venue.account.balances(venue.mid2()), version, wallMs),
  );
}

route('GET', ['/fapi/v2/balance', '/fapi/v3/balance'], 'signed', (_p, wallMs, { venue }) => {
  const b = venue.account.balances(venue.mid2());
  return [
    {
      accountAlias: 'spreadlab',
      asset: venue.symbol.quote,
      balance: money(b.walletBalance),
      crossWalletBalance: money(b.walletBalance),
      crossUnPnl: money(b.unrealizedProfit),
      availableBalance: money(b.availableBalance),
      maxWithdrawAmount: money(Math.max(0, b.availableBalance)),
      marginAvailable: true,
      updateTime: wallMs,
    },
  ];
});

route('POST', ['/fapi/v1/leverage'], 'signed', (params, _w, { venue }) => {
  symbolParam(params, venue);
  const leverage = Number(params.get('leverage'));
  if (!Number.isInteger(leverage) || leverage < 1 || leverage > 125) throw ERRORS.badParam('leverage');
  venue.account.leverage = leverage;
  return { leverage, maxNotionalValue: '1000000000', symbol: venue.symbol.id };
});

route('POST', ['/fapi/v1/marginType'], 'signed', (params, _w, { venue }) => {
  symbolParam(params, venue);
  if (params.get('marginType') === 'CROSSED') throw new BinanceError(-4046, 'No need to change margin type.', 400);
  return { code: 200, msg: 'success' };
});

route('GET', ['/fapi/v1/positionSide/dual'], 'signed', () => ({ dualSidePosition: false }));
route('GET', ['/fapi/v1/multiAssetsMargin'], 'signed', () => ({ multiAssetsMargin: false }));

route('GET', ['/fapi/v1/commissionRate'], 'signed', (params, _w, { venue, fees }) => {
  symbolParam(params, venue);
  const rate = (centiBps: number) => (centiBps / 1_000_000).toFixed(6);
  return { symbol: venue.symbol.id, makerCommissionRate: rate(fees.makerCentiBps), takerCommissionRate: rate(fees.takerCentiBps) };
});
