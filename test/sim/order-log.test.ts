import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/core/events.ts';
import { Rng } from '../../src/core/rng.ts';
import { finalStatus } from '../../src/sim/order-log.ts';
import type { Strategy } from '../../src/strategy/api.ts';
import { createLatencyModel } from '../../src/venue/models.ts';
import { backtestWithOrderLog, BOOK_AROUND_100 as book } from './helpers.ts';

const ENTRY = 5_000; // µs
const RESPONSE = 7_000;

const run = (events: MarketEvent[], strategy: Strategy) =>
  backtestWithOrderLog(
    events,
    strategy,
    createLatencyModel({ model: 'constant', entryMs: ENTRY / 1000, responseMs: RESPONSE / 1000 }, new Rng('x')),
  );

describe('the order log of a backtest', () => {
  it('records each order sent: times sent, at the venue, acknowledged, cancelled; the book and queue it met; its fills', async () => {
    const trade: MarketEvent = { kind: 'trade', exchTs: 100_000, localTs: 100_000, price: 9999, size: 12, takerSide: 'sell' };
    const { result, orders } = await run([book, trade], async ({ venue, clock, market }) => {
      // 1: joins the bid at 99.99 behind 10; filled 2 of 3 by the 12-lot print at 100 ms, then cancelled at 200 ms.
      const bid = await venue.placeOrder({ market, side: 'buy', price: 99.99, size: 3, postOnly: true });
      // 2: a post-only ask that would cross: rejected.
      await venue.placeOrder({ market, side: 'sell', price: 99.99, size: 1, postOnly: true });
      // 3: an ask two ticks behind the best ask (no queue there); still open at the end.
      await venue.placeOrder({ market, side: 'sell', price: 100.03, size: 1, postOnly: true });
      await clock.sleep(200);
      await venue.cancelOrder(market, bid.id);
      // 4: an IOC buy taking 1 at the ask: filled at once.
      await venue.placeOrder({ market, side: 'buy', price: 100.01, size: 1, timeInForce: 'IOC' });
      // refused before sending (not a whole tick): not an order, not in the log.
      await venue.placeOrder({ market, side: 'buy', price: 99.985, size: 1 });
    });
    const rt = ENTRY + RESPONSE;
    expect(orders.map((o) => [o.id, o.side, o.price, o.size, o.postOnly, o.timeInForce, finalStatus(o), o.filled, o.reason])).toEqual([
      ['1', 'buy', 9999, 3, true, 'GTC', 'cancelled', 2, ''],
      ['2', 'sell', 9999, 1, true, 'GTC', 'rejected', 0, 'post-only order would cross the book'],
      ['3', 'sell', 10003, 1, true, 'GTC', 'open', 0, ''],
      ['4', 'buy', 10001, 1, false, 'IOC', 'filled', 1, ''],
    ]);
    const [first, second, third, fourth] = orders;
    expect([first.sentTs, first.venueTs, first.ackTs]).toEqual([0, ENTRY, rt]);
    expect([second.sentTs, second.venueTs, second.ackTs]).toEqual([rt, rt + ENTRY, 2 * rt]);
    expect(third.sentTs).toBe(2 * rt);
    const cancelSent = 3 * rt + 200_000;
    expect(first.cancelTs).toBe(cancelSent + ENTRY);
    expect([third.cancelTs, fourth.cancelTs]).toEqual([NaN, NaN]);
    // The book each met: mid 100.00; the bid joined 10 lots, the far ask had none ahead, the others did not rest.
    expect(orders.map((o) => [o.placedMid2, o.placedQueueAhead])).toEqual([
      [20000, 10],
      [20000, NaN],
      [20000, 0],
      [20000, NaN],
    ]);
    // Fills carry the local time their notice reached the strategy.
    expect(result.fills.map((f) => [f.orderId, f.size, f.exchTs, f.noticeTs])).toEqual([
      ['1', 2, 100_000, 100_000 + RESPONSE],
      ['4', 1, cancelSent + rt + ENTRY, cancelSent + rt + ENTRY + RESPONSE],
    ]);
  });

  it('cancel-all stamps every order it cancels at its arrival', async () => {
    const { orders } = await run([book], async ({ venue, market }) => {
      await venue.placeOrder({ market, side: 'buy', price: 99.98, size: 1, postOnly: true });
      await venue.placeOrder({ market, side: 'sell', price: 100.02, size: 1, postOnly: true });
      await venue.cancelAllOrders(market);
    });
    const cancelArrival = 2 * (ENTRY + RESPONSE) + ENTRY;
    expect(orders.map((o) => [finalStatus(o), o.cancelTs])).toEqual([
      ['cancelled', cancelArrival],
      ['cancelled', cancelArrival],
    ]);
  });
});
