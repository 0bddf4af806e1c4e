import type { Lots, Micros, Side, Ticks } from './units.ts';

export type { Side } from './units.ts';

/** Where an order stands: the same words at the venue and in the strategy API. */
export type OrderStatus = 'open' | 'filled' | 'cancelled' | 'rejected';

/**
 * Market events, as every reader and generator produces them.
 * - `exchTs`: when the exchange did it; the simulated venue applies the event at this time.
 * - `localTs`: when the strategy sees it; the strategy's view of the market changes at this time.
 * Prices are integer ticks and sizes integer lots of the market's tickSize/lotSize.
 */
export type BookSide = 'bid' | 'ask';

export interface BookSnapshot {
  kind: 'snapshot';
  exchTs: Micros;
  localTs: Micros;
  /** Bid levels, best first. Replaces the whole book. */
  bidPrices: Ticks[];
  bidSizes: Lots[];
  /** Ask levels, best first. */
  askPrices: Ticks[];
  askSizes: Lots[];
}

/** One price level's new absolute size; 0 deletes the level. */
export interface BookDelta {
  kind: 'delta';
  exchTs: Micros;
  localTs: Micros;
  side: BookSide;
  price: Ticks;
  size: Lots;
  /** True on the last delta of one exchange message: the book is only complete (and checked) after it. */
  last: boolean;
}

/** A print on the tape. `takerSide` is the aggressor's side: a 'sell' trade hit the bids. */
export interface Trade {
  kind: 'trade';
  exchTs: Micros;
  localTs: Micros;
  price: Ticks;
  size: Lots;
  takerSide: Side;
}

/** Best bid and offer. A missing side has price NaN and size 0. */
export interface Quote {
  kind: 'quote';
  exchTs: Micros;
  localTs: Micros;
  bidPrice: Ticks;
  bidSize: Lots;
  askPrice: Ticks;
  askSize: Lots;
}

/**
 * What happened to one order of the market, from order-by-order (L3) data such as LOBSTER message files:
 * - `add`: a new limit order of `size` joins the back of the queue at `price`;
 * - `cancel`: `size` of the order is cancelled, the rest stays (and keeps its place);
 * - `delete`: the order leaves the book; `size` is what it still had;
 * - `execute`: `size` of the order traded against an incoming order (the same print also comes as a Trade).
 * An order event of a message comes before that message's trade and book update (the readers' rule), so a
 * venue knows which order an execution took before it matches the print.
 */
export type OrderAction = 'add' | 'cancel' | 'delete' | 'execute';

export interface OrderEvent {
  kind: 'order';
  exchTs: Micros;
  localTs: Micros;
  action: OrderAction;
  /** The exchange's id of the order. */
  orderId: number;
  side: BookSide;
  price: Ticks;
  size: Lots;
}

export type MarketEvent = BookSnapshot | BookDelta | Trade | Quote | OrderEvent;

/**
 * A pull-based stream of market events in `localTs` order. The object returned by `next()` may be reused
 * by the source on the following call: consumers read it at once and keep no reference.
 */
export interface MarketEventSource {
  next(): MarketEvent | null;
}

/**
 * Opens a fresh source over the same events each time it is called (the simulator opens one for the
 * venue's timeline and one for the strategy's). Two opens yield identical sequences.
 */
export type OpenMarketEvents = () => MarketEventSource;
