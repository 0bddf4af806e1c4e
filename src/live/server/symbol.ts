import { SpreadlabError } from '../../core/errors.ts';

/**
 * How a scenario's market symbol is named on the local Binance USD-M server.
 *
 * Rules:
 * - "BASE-QUOTE", "BASE/QUOTE", "BASE_QUOTE" or "BASE:QUOTE" split at the separator; a bare "BTCUSDT"
 *   splits before a known quote suffix (USDT, USDC, FDUSD, BUSD, USD).
 * - USD-M futures settle in a stablecoin, so a quote of "USD" becomes "USDT" (the demo's "SYN-USD" is
 *   served as "SYNUSDT", which ccxt names "SYN/USDT:USDT").
 * - The exchange id is BASE + QUOTE in capitals; the quote is also the margin (settlement) asset.
 */
export interface VenueSymbol {
  /** Binance id, e.g. "BTCUSDT". */
  id: string;
  base: string;
  quote: string;
  /** ccxt's unified symbol, e.g. "BTC/USDT:USDT". */
  ccxt: string;
}

const QUOTES = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'USD'];

export function venueSymbol(marketSymbol: string): VenueSymbol {
  const clean = marketSymbol.trim().toUpperCase();
  let base: string | undefined;
  let quote: string | undefined;
  const parts = clean.split(/[-/_:]/).filter((p) => p.length > 0);
  if (parts.length >= 2) {
    [base, quote] = parts;
  } else {
    const suffix = QUOTES.find((q) => clean.endsWith(q) && clean.length > q.length);
    if (suffix) {
      base = clean.slice(0, clean.length - suffix.length);
      quote = suffix;
    }
  }
  if (!base || !quote || !/^[A-Z0-9]+$/.test(base) || !/^[A-Z0-9]+$/.test(quote)) {
    throw new SpreadlabError(
      `market.symbol: cannot serve "${marketSymbol}" as a Binance USD-M symbol; expected BASE-QUOTE such as "BTC-USDT" (or pass --symbol BTCUSDT)`,
    );
  }
  if (quote === 'USD') quote = 'USDT';
  return { id: base + quote, base, quote, ccxt: `${base}/${quote}:${quote}` };
}
