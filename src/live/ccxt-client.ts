import { SpreadlabError } from '../core/errors.ts';

/**
 * The ccxt exchange client of the live commands: connecting (ccxt.pro, for websockets), pointing every URL
 * at one origin (a local exchange server), finding a config's market, and the narrow view of a ccxt
 * exchange the live code uses.
 *
 * Rules:
 * - ccxt is imported lazily, here only (it is large and slow to load), and only by the live commands.
 * - The client does not fetch currencies or margins (calls a local server does not serve) nor a positions
 *   snapshot before watching positions.
 * - `baseUrl` (http(s)://host:port, a trailing slash allowed): every REST and websocket URL in the client's
 *   `urls.api`, at any depth, keeps its path and gets that origin (ws:// for websocket URLs). For binanceusdm
 *   against `spreadlab serve`: fapiPublic, fapiPrivate, fapiPrivateV2/V3… go to http://HOST/fapi/…, and
 *   `ws.future` to ws://HOST/ws (from which ccxt derives /public/ws/<n>, /market/ws/<n> and
 *   /private/ws?listenKey=…). No client-side rate limiter then (it spaces orders ~200 ms apart), and ccxt's
 *   proxy agent is loaded, which it needs before it opens plain ws:// URLs.
 * - A market is found by its unified symbol, its exchange id (a swap first), or a scenario's "BASE-QUOTE"
 *   (a swap first; a USD quote also finds USDT).
 * Known limits: the view below lists only what the live code calls; ccxt's own types are looser.
 */
export interface CcxtOrderBook {
  bids: number[][];
  asks: number[][];
  timestamp?: number;
}

export interface CcxtPublicTrade {
  id?: string;
  timestamp?: number;
  price: number;
  amount: number;
  side: string;
}

export interface CcxtOrder {
  id: string;
  status?: string;
  side?: string;
  price?: number;
  amount?: number;
  filled?: number;
  remaining?: number;
  /** When the exchange created the order, ms. */
  timestamp?: number;
}

/** One of our fills. */
export interface CcxtTrade {
  id?: string;
  order?: string;
  timestamp?: number;
  side: string;
  price: number;
  amount: number;
  takerOrMaker?: string;
  fee?: { cost?: number; currency?: string };
}

export interface CcxtExchange {
  id: string;
  markets: Record<string, { id: string; symbol: string; base?: string; quote?: string; precision?: { price?: number; amount?: number } }>;
  urls: { api: unknown };
  has: Record<string, unknown>;
  precisionMode?: number;
  loadMarkets(): Promise<unknown>;
  loadHttpProxyAgent?(): Promise<unknown>;
  setSandboxMode(on: boolean): void;
  watchOrderBook(symbol: string, limit?: number): Promise<CcxtOrderBook>;
  watchTrades(symbol: string): Promise<CcxtPublicTrade[]>;
  watchMyTrades(symbol: string): Promise<CcxtTrade[]>;
  watchOrders(symbol: string): Promise<{ id: string; status: string; remaining?: number }[]>;
  fetchOrderBook(symbol: string, limit?: number): Promise<CcxtOrderBook>;
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
    rewriteOrigins(ex.urls.api as Record<string, unknown>, origin);
    await ex.loadHttpProxyAgent?.();
  }
  return ex;
}

/** Every URL string below `node` with its origin replaced (http(s) by `origin`, ws(s) by its ws form). */
function rewriteOrigins(node: Record<string, unknown>, origin: string): void {
  const wsOrigin = origin.replace(/^http/, 'ws');
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string') node[key] = value.replace(/^https?:\/\/[^/]+/, origin).replace(/^wss?:\/\/[^/]+/, wsOrigin);
    else if (value && typeof value === 'object') rewriteOrigins(value as Record<string, unknown>, origin);
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

/** ccxt error classes a user's setup causes (keys, permissions, symbol, funds, network), by name. */
const SETUP_ERRORS = new Set([
  'AuthenticationError',
  'PermissionDenied',
  'AccountNotEnabled',
  'AccountSuspended',
  'BadSymbol',
  'InsufficientFunds',
  'NetworkError',
  'ExchangeNotAvailable',
  'OnMaintenance',
  'RequestTimeout',
  'DDoSProtection',
  'RateLimitExceeded',
]);

/**
 * A ccxt error the user's setup causes, as a one-line user error (redacted); any other error unchanged.
 * A wrong API key or secret says which environment variables to check.
 */
export function exchangeSetupError(error: unknown, exchange: string, redact: (text: string) => string): unknown {
  if (!(error instanceof Error)) return error;
  let kind: string | null = null;
  for (let p: object | null = error; p !== null && p !== Error.prototype; p = Object.getPrototypeOf(p) as object | null) {
    const name = (p as { constructor?: { name?: string } }).constructor?.name ?? '';
    if (SETUP_ERRORS.has(name)) {
      kind = name;
      break;
    }
  }
  if (kind === null) return error;
  const detail = redact(error.message.replace(/\s+/g, ' ').trim());
  const advice =
    kind === 'AuthenticationError' || kind === 'PermissionDenied'
      ? ": check SPREADLAB_API_KEY and SPREADLAB_API_SECRET (and the key's permissions)"
      : '';
  return new SpreadlabError(`${exchange} refused the request (${kind}: ${detail})${advice}`);
}
