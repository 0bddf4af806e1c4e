import type { Lots, Micros, Side, Ticks } from '../core/units.ts';
import type { OrderStatus } from '../core/events.ts';
import type { QueueState } from './queue.ts';

export type OrderType = 'limit' | 'market';
export type TimeInForce = 'GTC' | 'IOC';

/** An order as the venue receives it, in engine units. */
export interface OrderIntent {
  id: string;
  side: Side;
  type: OrderType;
  /** Limit price in ticks; ignored for market orders. */
  price: Ticks;
  size: Lots;
  postOnly: boolean;
  timeInForce: TimeInForce;
}

/** One of our orders resting at the venue. */
export interface RestingOrder extends QueueState {
  id: string;
  side: Side;
  price: Ticks;
  remaining: Lots;
  filled: Lots;
  postOnly: boolean;
  /** Arrival sequence number: time priority among our own orders. */
  priority: number;
  arrivedAt: Micros;
  /** Displayed opposite size at or through the price at the last complete book that crossed it (0: none); see exchange.ts. */
  crossSeen: Lots;
}

/** The venue's answer to a request, in engine units. */
export interface VenueReply {
  id: string;
  status: OrderStatus;
  filled: Lots;
  remaining: Lots;
  reason?: string;
}
