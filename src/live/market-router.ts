import { SpreadlabError } from '../core/errors.ts';
import type { BookView, FillEvent, OpenOrder, OrderAck, OrderRequest, Snapshot, TradeView, Venue } from '../strategy/api.ts';

/**
 * Several markets live or in a dry run: one venue per market (a LiveVenue on its venue's ccxt instance, or
 * a DryRunVenue), and this router in front of them, so the strategy (and the risk guard around it) sees
 * one Venue as in a backtest.
 *
 * Rules:
 * - Every call naming a market goes to that market's venue; an unknown market throws, naming the run's.
 * - onFill, onBook and onTrade register the handler with every market's venue (each names its market in
 *   the events it sends).
 * Known limits: no call spans markets (there is none in the Venue API).
 */
export class MarketRouter implements Venue {
  constructor(private readonly venues: ReadonlyMap<string, Venue>) {}

  private venueOf(market: string): Venue {
    const venue = this.venues.get(market);
    if (!venue)
      throw new SpreadlabError(`unknown market "${market}": this run trades ${[...this.venues.keys()].map((m) => `"${m}"`).join(', ')}`);
    return venue;
  }

  getSnapshot(market: string, depth?: number): Promise<Snapshot> {
    return this.venueOf(market).getSnapshot(market, depth);
  }

  getPosition(market: string): Promise<number> {
    return this.venueOf(market).getPosition(market);
  }

  getOpenOrders(market: string): Promise<OpenOrder[]> {
    return this.venueOf(market).getOpenOrders(market);
  }

  fetchSnapshot(market: string, depth?: number): Promise<Snapshot> {
    return this.venueOf(market).fetchSnapshot(market, depth);
  }

  fetchPosition(market: string): Promise<number> {
    return this.venueOf(market).fetchPosition(market);
  }

  fetchOpenOrders(market: string): Promise<OpenOrder[]> {
    return this.venueOf(market).fetchOpenOrders(market);
  }

  placeOrder(request: OrderRequest): Promise<OrderAck> {
    return this.venueOf(request.market).placeOrder(request);
  }

  cancelOrder(market: string, orderId: string): Promise<OrderAck> {
    return this.venueOf(market).cancelOrder(market, orderId);
  }

  cancelAllOrders(market: string): Promise<number> {
    return this.venueOf(market).cancelAllOrders(market);
  }

  amendOrder(market: string, orderId: string, change: { price?: number; size?: number }): Promise<OrderAck> {
    return this.venueOf(market).amendOrder(market, orderId, change);
  }

  onFill(handler: (fill: FillEvent) => void): void {
    for (const venue of this.venues.values()) venue.onFill(handler);
  }

  onBook(handler: (book: BookView) => void): void {
    for (const venue of this.venues.values()) venue.onBook(handler);
  }

  onTrade(handler: (trade: TradeView) => void): void {
    for (const venue of this.venues.values()) venue.onTrade(handler);
  }
}
