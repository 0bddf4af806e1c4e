import type { Ticks } from '../core/units.ts';
import type { SimExchange } from './exchange.ts';

/**
 * Watches our best resting bid and ask at a simulated venue and reports each change once (NaN when a side
 * has no order), for the quote path behind uptime and quoted-spread figures.
 */
export class OwnQuoteWatch {
  private bid = NaN;
  private ask = NaN;

  constructor(
    private readonly exchange: SimExchange,
    private readonly onChange: (bid: Ticks, ask: Ticks) => void,
  ) {}

  /** Call after anything that may have changed our orders. */
  check(): void {
    const bid = this.exchange.ownBestBid();
    const ask = this.exchange.ownBestAsk();
    if (Object.is(bid, this.bid) && Object.is(ask, this.ask)) return;
    this.bid = bid;
    this.ask = ask;
    this.onChange(bid, ask);
  }
}
