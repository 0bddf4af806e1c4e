/**
 * The quote currency a market's money figures are in, read from its symbol, for labels ("PnL (USDT)").
 * Rules, in order:
 * - ccxt's unified form BASE/QUOTE or BASE/QUOTE:SETTLE: QUOTE ("BTC/USDT:USDT" → USDT);
 * - BASE-QUOTE (any further "-…" part is a contract suffix): QUOTE ("SYN-USD" → USD, "BTC-USD-PERP" → USD);
 * - a run of capitals and digits ending in a currency exchanges quote in: that currency ("BTCUSDT" →
 *   USDT, "ETHBTC" → BTC; a code is tried before any code it ends with: TUSD before USD);
 * - otherwise (a stock ticker such as "AMZN", a name of the user's own): null, and labels say "quote
 *   currency".
 * Known limits: a name is only a label; nothing checks it against the exchange's market list.
 */
const QUOTE_SUFFIXES = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'TUSD', 'DAI', 'USD', 'EUR', 'GBP', 'JPY', 'TRY', 'BRL', 'BTC', 'ETH', 'BNB'];

export function quoteCurrencyOf(symbol: string): string | null {
  const unified = /^[^/]+\/([^:/]+)/.exec(symbol);
  if (unified) return unified[1];
  const dashed = /^[^-]+-([^-]+)/.exec(symbol);
  if (dashed) return dashed[1];
  if (!/^[A-Z0-9]+$/.test(symbol)) return null;
  return QUOTE_SUFFIXES.find((quote) => symbol.length > quote.length && symbol.endsWith(quote)) ?? null;
}

/** The currency's name for a label: its code, or "quote currency" when the symbol does not say. */
export function currencyLabel(symbol: string | undefined): string {
  return (symbol === undefined ? null : quoteCurrencyOf(symbol)) ?? 'quote currency';
}
