/**
 * The API a strategy sees, the same in a backtest, in paper trading and live. Prices and sizes are
 * decimals here (as a user writes a live bot); the venue converts them to ticks and lots and refuses a
 * price or size that is not a whole number of them. Every method that talks to the venue is async: in a
 * backtest each call costs its modelled latency in virtual time (entry latency to reach the venue,
 * response latency back), so the cost of a quoting loop's own round trips shows in its results.
 */
import type { OrderStatus, Side } from '../core/events.ts';

export type { OrderStatus, Side };

export interface Level {
  price: number;
  size: number;
}

export interface Snapshot {
  market: string;
  /** Venue time of the snapshot, in milliseconds since the epoch. */
  timestamp: number;
  bestBid: number;
  bestAsk: number;
  /** (bestBid + bestAsk) / 2; NaN when a side is empty. */
  mid: number;
  bids: Level[];
  asks: Level[];
}

export interface OrderRequest {
  market: string;
  side: Side;
  size: number;
  /** Required for limit orders. */
  price?: number;
  /** Default 'limit'. */
  type?: 'limit' | 'market';
  /** Rejected (not repriced) if it would cross the book on arrival. */
  postOnly?: boolean;
  /** Default 'GTC'. */
  timeInForce?: 'GTC' | 'IOC';
  /** Live venues: the exchange refuses the part that would increase |position| (the risk guard's flatten uses it). */
  reduceOnly?: boolean;
}

export interface OrderAck {
  id: string;
  status: OrderStatus;
  /** Filled on arrival (taker part). */
  filled: number;
  /** Size left resting. */
  remaining: number;
  reason?: string;
}

export interface OpenOrder {
  id: string;
  market: string;
  side: Side;
  price: number;
  remaining: number;
  filled: number;
}

export interface FillEvent {
  orderId: string;
  market: string;
  side: Side;
  price: number;
  size: number;
  /** Quote currency; negative is a rebate. */
  fee: number;
  liquidity: 'maker' | 'taker';
  /** When the fill happened at the venue, ms since the epoch. */
  timestamp: number;
}

/** Top of the book as the strategy's market data feed shows it (at local time). */
export interface BookView {
  market: string;
  timestamp: number;
  bestBid: number;
  bestAsk: number;
  mid: number;
}

/** A market trade as the strategy's feed shows it (at local time). */
export interface TradeView {
  market: string;
  timestamp: number;
  price: number;
  size: number;
  /** The aggressor's side: 'sell' hit the bids. */
  takerSide: Side;
}

export interface Venue {
  getSnapshot(market: string, depth?: number): Promise<Snapshot>;
  /** Net position in base units: positive long, negative short. */
  getPosition(market: string): Promise<number>;
  getOpenOrders(market: string): Promise<OpenOrder[]>;
  placeOrder(request: OrderRequest): Promise<OrderAck>;
  cancelOrder(market: string, orderId: string): Promise<OrderAck>;
  /** Resolves to the number of orders cancelled. */
  cancelAllOrders(market: string): Promise<number>;
  /** Change price and/or remaining size; a price change or size increase loses queue priority. */
  amendOrder(market: string, orderId: string, change: { price?: number; size?: number }): Promise<OrderAck>;
  /** Called when a fill notice reaches the strategy. */
  onFill(handler: (fill: FillEvent) => void): void;
  /** Called when market data that changes the top of book reaches the strategy. */
  onBook(handler: (book: BookView) => void): void;
  /** Called when a market trade reaches the strategy's feed. */
  onTrade(handler: (trade: TradeView) => void): void;
}

export interface Clock {
  /** Milliseconds since the epoch (virtual time in a backtest). */
  now(): number;
  /** Resolves to true after `ms`, or to false when the run is ending and the strategy should return. */
  sleep(ms: number): Promise<boolean>;
}

export interface StrategyContext {
  venue: Venue;
  clock: Clock;
  market: string;
  /** Price step of the market: valid prices are whole multiples of it. */
  tickSize: number;
  /** Size step of the market. */
  lotSize: number;
}

/** A strategy is an async function of its context: the same code runs in backtest, paper and live. */
export type Strategy = (context: StrategyContext) => Promise<void>;
