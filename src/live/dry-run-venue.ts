import type { OpenOrder, OrderAck, OrderRequest, Venue } from '../strategy/api.ts';
import { checkAmend, checkOrder, rejectedAck } from '../strategy/order-check.ts';
import { FeedVenue } from './feed-venue.ts';
import { wallMicros } from './feed.ts';

/**
 * `--dry-run`: orders logged, never sent. Market data, the strategy's onBook/onTrade hooks, getSnapshot and
 * the open orders work as live (FeedVenue); before the first book a snapshot is empty. The fetch* reads
 * answer as the get* reads: there is no venue to ask (fetchSnapshot: the latest book).
 *
 * Rules:
 * - An order passes the same checks as in a backtest and live (order-check.ts); a refused one is answered
 *   'rejected' with the same reason and is not logged.
 * - An accepted order is logged (`would-place`), acked 'open' with id `dry-1`, `dry-2`…, and rests until
 *   cancelled; nothing ever fills, so the position stays 0.
 * - cancel (`would-cancel`) answers 'cancelled' for an open order, 'rejected' otherwise; cancel-all
 *   (`would-cancel-all`) resolves to the number that were open; amend (`would-amend`) changes the order in
 *   place after the same checks as a backtest's amend.
 */
export class DryRunVenue extends FeedVenue implements Venue {
  private next = 1;

  protected async fetchBook(): Promise<null> {
    return null;
  }

  async getPosition(market: string): Promise<number> {
    this.checkMarket(market);
    return 0;
  }

  /** Nothing is sent, so the venue's position is the dry run's own: 0. */
  fetchPosition(market: string): Promise<number> {
    return this.getPosition(market);
  }

  /** Nothing is sent, so the venue's open orders are the dry run's own record. */
  fetchOpenOrders(market: string): Promise<OpenOrder[]> {
    return this.getOpenOrders(market);
  }

  async placeOrder(request: OrderRequest): Promise<OrderAck> {
    this.checkMarket(request.market);
    const checked = checkOrder(this.units, request);
    if (!checked.ok) return this.refuse('', request.size, checked.reason);
    const id = `dry-${this.next++}`;
    this.tape.ordersSent++;
    const now = wallMicros();
    this.tape.orders.answered(this.recordSent(id, checked.order, now), now, 'open', undefined);
    this.log.write('would-place', {
      id,
      side: request.side,
      price: request.price ?? null,
      size: request.size,
      type: checked.order.type,
      postOnly: checked.order.postOnly,
    });
    this.open.set(id, { side: request.side, price: checked.order.price, remaining: checked.order.size });
    this.publishQuotes();
    return { id, status: 'open', filled: 0, remaining: request.size };
  }

  async cancelOrder(market: string, orderId: string): Promise<OrderAck> {
    this.checkMarket(market);
    const had = this.open.delete(orderId);
    this.log.write('would-cancel', { id: orderId });
    if (had) {
      this.tape.cancels++;
      this.tape.orders.cancelled(orderId, wallMicros());
    }
    this.publishQuotes();
    return { id: orderId, status: had ? 'cancelled' : 'rejected', filled: 0, remaining: 0 };
  }

  /** `market` defaults to the run's own: the run cancels everything this way when it stops. */
  async cancelAllOrders(market = this.market): Promise<number> {
    this.checkMarket(market);
    return this.forgetAll('would-cancel-all');
  }

  async amendOrder(market: string, orderId: string, change: { price?: number; size?: number }): Promise<OrderAck> {
    this.checkMarket(market);
    const checked = checkAmend(this.units, change);
    if (!checked.ok) return this.refuse(orderId, change.size ?? 0, checked.reason);
    const o = this.open.get(orderId);
    if (!o) return rejectedAck(orderId, 0, 'unknown or closed order');
    o.price = checked.price ?? o.price;
    o.remaining = checked.size ?? o.remaining;
    this.log.write('would-amend', { id: orderId, ...change });
    this.publishQuotes();
    return { id: orderId, status: 'open', filled: 0, remaining: this.units.size(o.remaining) };
  }
}
