/**
 * Pointing a real ccxt `binanceusdm` client (ccxt.pro for WebSockets) at the local exchange server.
 * No ccxt import here: the caller owns the (lazily loaded) ccxt instance.
 *
 *   const ex = new ccxt.pro.binanceusdm({ apiKey, secret, ...LOOPBACK_CCXT_OPTIONS });
 *   await pointCcxtAt(ex, server.url);   // e.g. 'http://127.0.0.1:40123'
 *
 * - every string in `ex.urls.api` (fapiPublic, fapiPrivate, fapiPrivateV2/V3, …) keeps its path and gets the
 *   server's origin; `ex.urls.api.ws.future` becomes ws://127.0.0.1:PORT/ws (ccxt derives /public/ws/<n>,
 *   /market/ws/<n> and /private/ws?listenKey=… from it);
 * - `fetchCurrencies` / `fetchMargins` off (they would call /sapi endpoints the server does not serve), and
 *   no client-side rate limiter (it spaces orders ~200 ms apart);
 * - `loadHttpProxyAgent()` must have run before ccxt opens plain ws:// URLs.
 */
export const LOOPBACK_CCXT_OPTIONS = {
  enableRateLimit: false,
  options: { fetchCurrencies: false, fetchMargins: false },
} as const;

export interface CcxtLike {
  urls: { api: Record<string, unknown> };
  loadHttpProxyAgent?: () => Promise<unknown>;
}

export async function pointCcxtAt(exchange: CcxtLike, baseUrl: string): Promise<void> {
  const origin = baseUrl.replace(/\/+$/, '');
  const api = exchange.urls.api;
  for (const [key, value] of Object.entries(api)) {
    if (typeof value === 'string') api[key] = value.replace(/^[a-z]+:\/\/[^/]+/i, origin);
  }
  const ws = (api.ws ?? {}) as Record<string, unknown>;
  ws.future = `${origin.replace(/^http/i, 'ws')}/ws`;
  api.ws = ws;
  await exchange.loadHttpProxyAgent?.();
}
