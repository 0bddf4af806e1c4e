import { SpreadlabError } from '../core/errors.ts';
import type { MarketUnits } from '../core/market.ts';
import type { Lots, Ticks } from '../core/units.ts';
import type { OrderAck, OrderRequest, Side } from './api.ts';

/**
 * The checks of a strategy's order request before it is sent, written once for every venue (the backtest's
 * gateway, the live venue, the dry-run venue), so a request refused in a backtest is refused live and in a
 * dry run the same way: the same ack, the same reason text.
 *
 * Rules, in this order (the first that fails gives the reason):
 * - a limit order (the default type) needs a price: "a limit order needs a price";
 * - the size must be a whole number of lots ("size 0.0015 is not a whole number of lotSize (0.001)") and
 *   positive ("order size must be positive, got 0");
 * - a limit price must be a whole number of ticks ("price 100.005 is not a whole number of tickSize
 *   (0.01)"); a market order's price is not read.
 * - An amend's new price and size, where given, must be whole ticks and lots.
 * - A refused request is answered at once, without reaching the exchange (`rejectedAck`): status
 *   'rejected', nothing filled, the requested size as remaining, the reason.
 * Known limits: nothing here looks at the book or the account (post-only crossing, balance, price bands):
 * those are the exchange's and the risk guard's calls. The market name is checked by each venue.
 */
export interface CheckedOrder {
  side: Side;
  type: NonNullable<OrderRequest['type']>;
  /** Limit price in ticks; NaN for a market order. */
  price: Ticks;
  size: Lots;
  postOnly: boolean;
  timeInForce: NonNullable<OrderRequest['timeInForce']>;
}

export type OrderCheck = { ok: true; order: CheckedOrder } | { ok: false; reason: string };

/** An amend's new price and size in engine units (undefined: unchanged). */
export type AmendCheck = { ok: true; price?: Ticks; size?: Lots } | { ok: false; reason: string };

export function checkOrder(units: MarketUnits, request: OrderRequest): OrderCheck {
  return refusedAsReason(() => {
    const type = request.type ?? 'limit';
    if (type === 'limit' && request.price === undefined) throw new SpreadlabError('a limit order needs a price');
    const size = units.toLots(request.size);
    if (size <= 0) throw new SpreadlabError(`order size must be positive, got ${request.size}`);
    const order: CheckedOrder = {
      side: request.side,
      type,
      price: type === 'limit' ? units.toTicks(request.price!) : NaN,
      size,
      postOnly: request.postOnly ?? false,
      timeInForce: request.timeInForce ?? 'GTC',
    };
    return { ok: true, order };
  });
}

export function checkAmend(units: MarketUnits, change: { price?: number; size?: number }): AmendCheck {
  return refusedAsReason(() => ({
    ok: true,
    price: change.price === undefined ? undefined : units.toTicks(change.price),
    size: change.size === undefined ? undefined : units.toLots(change.size),
  }));
}

/** The answer to a request refused before it reached the exchange. */
export function rejectedAck(id: string, remaining: number, reason: string): OrderAck {
  return { id, status: 'rejected', filled: 0, remaining, reason };
}

function refusedAsReason<T>(check: () => T): T | { ok: false; reason: string } {
  try {
    return check();
  } catch (error) {
    if (error instanceof SpreadlabError) return { ok: false, reason: error.message };
    throw error;
  }
}
