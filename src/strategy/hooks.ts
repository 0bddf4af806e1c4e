import type { BookView, FillEvent, TradeView } from './api.ts';

/**
 * The event hooks every Venue offers a strategy (onFill, onBook, onTrade): one way to register handlers.
 * Venues (the backtest's gateway, the live and dry-run venues) extend this class and call the handlers where their
 * events arrive.
 */
export abstract class VenueHooks {
  protected readonly fillHandlers: ((fill: FillEvent) => void)[] = [];
  protected readonly bookHandlers: ((book: BookView) => void)[] = [];
  protected readonly tradeHandlers: ((trade: TradeView) => void)[] = [];

  onFill(handler: (fill: FillEvent) => void): void {
    this.fillHandlers.push(handler);
  }

  onBook(handler: (book: BookView) => void): void {
    this.bookHandlers.push(handler);
  }

  onTrade(handler: (trade: TradeView) => void): void {
    this.tradeHandlers.push(handler);
  }
}
