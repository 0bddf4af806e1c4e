/**
 * The API a strategy sees, the same in a backtest, in paper trading and live. Prices and sizes are
 * decimals here (as a user writes a live bot); the venue converts them to ticks and lots and refuses a
 * price or size that is not a whole number of them.
 *
 * Two kinds of reads, as a live bot has them:
 * - `getSnapshot`, `getPosition`, `getOpenOrders` answer from what the strategy has received: its market
 *   data feed (the websocket book, which lags the exchange by the feed latency) and its order
 *   acknowledgements and fill notices. No request is sent; in a backtest they cost no virtual time.
 * - `fetchSnapshot`, `fetchPosition`, `fetchOpenOrders` ask the venue (a REST call): the venue's book,
 *   position and open orders when the request arrives. In a backtest each costs a round trip (entry
 *   latency to reach the venue, response latency back); live they are ccxt's fetchOrderBook,
 *   fetchPositions and fetchOpenOrders.
 * Every method that sends a request (orders, cancels, fetches) is a round trip in a backtest, so the cost
 * of a quoting loop's own requests shows in its results.
 */
import type { OrderStatus, Side } from '../core/events.ts';

export type { OrderStatus, Side };

export interface Level {
  price: number;
  size: number;
}

export interface Snapshot {
  market: string;
  /**
   * Exchange time of the book shown, ms since the epoch: getSnapshot, the exchange time of the last feed
   * message; fetchSnapshot, the venue's time when the request arrived.
   */
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
  /** The book as the strategy's feed shows it now (top `depth` levels a side, default 10). No request. */
  getSnapshot(market: string, depth?: number): Promise<Snapshot>;
  /** Net position in base units (positive long, negative short), as the fill notices received add up. No request. */
  getPosition(market: string): Promise<number>;
  /** Our orders acknowledged open, less those closed by answers or fill notices received since. No request. */
  getOpenOrders(market: string): Promise<OpenOrder[]>;
  /** The venue's book when the request arrives (REST: a round trip). */
  fetchSnapshot(market: string, depth?: number): Promise<Snapshot>;
  /** The venue's position when the request arrives (REST: a round trip). */
  fetchPosition(market: string): Promise<number>;
  /** The venue's open orders when the request arrives (REST: a round trip). */
  fetchOpenOrders(market: string): Promise<OpenOrder[]>;
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

/** One market a run trades, as the strategy's context lists it. */
export interface MarketInfo {
  /** What calls and events name it (`market`): the symbol in a one-market run, the scenario's id otherwise. */
  id: string;
  symbol: string;
  /** The venue it trades on (markets of one venue share its latency). */
  venue: string;
  kind: 'spot' | 'perpetual';
  /** Price step: valid prices are whole multiples of it. */
  tickSize: number;
  /** Size step. */
  lotSize: number;
  /** Base units one unit of size stands for (1: sizes are in base units). */
  contractSize: number;
}

export interface StrategyContext {
  venue: Venue;
  clock: Clock;
  /** The first (quoted) market's id: the one market of a one-market run. */
  market: string;
  /** Price step of that market: valid prices are whole multiples of it. */
  tickSize: number;
  /** Size step of that market. */
  lotSize: number;
  /** Every market the run trades, the first one first (one entry in a one-market run). */
  markets: MarketInfo[];
  /**
   * Records a value of a named series at the current time, e.g. `record('spreadBps', 12)`: what the strategy
   * decided, kept in the run folder's strategy-series.csv and charted in its report (recorded-series.ts).
   */
  record(name: string, value: number): void;
}

/** A strategy is an async function of its context: the same code runs in backtest, paper and live. */
export type Strategy = (context: StrategyContext) => Promise<void>;
