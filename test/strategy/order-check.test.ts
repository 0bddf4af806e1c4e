import { describe, expect, it } from 'vitest';
import { MarketUnits } from '../../src/core/market.ts';
import { Rng } from '../../src/core/rng.ts';
import { openEventArray, openEventArrayByExchTime } from '../../src/data/array-source.ts';
import type { MarketEvent } from '../../src/core/events.ts';
import type { CcxtExchange } from '../../src/live/ccxt-client.ts';
import { DryRunVenue } from '../../src/live/dry-run-venue.ts';
import { LiveVenue } from '../../src/live/live-venue.ts';
import { EventLog, RunTape } from '../../src/live/tape.ts';
import { runBacktest } from '../sim/run-backtest.ts';
import type { OrderAck, OrderRequest, Venue } from '../../src/strategy/api.ts';
import { checkAmend, checkOrder } from '../../src/strategy/order-check.ts';
import { feeSchedule } from '../../src/venue/fees.ts';
import { createLatencyModel, createQueueModel } from '../../src/venue/models.ts';

const market = 'BTCUSDT';
const units = new MarketUnits({ symbol: market, tickSize: 0.01, lotSize: 0.001, makerFeeBps: 0, takerFeeBps: 0 });

describe('checkOrder', () => {
  it('converts a good limit order to ticks and lots, with the defaults filled in', () => {
    expect(checkOrder(units, { market, side: 'sell', price: 100.25, size: 0.012 })).toEqual({
      ok: true,
      order: { side: 'sell', type: 'limit', price: 10025, size: 12, postOnly: false, timeInForce: 'GTC' },
    });
  });

  it("does not read a market order's price", () => {
    const check = checkOrder(units, { market, side: 'buy', type: 'market', price: 100.005, size: 0.01, timeInForce: 'IOC' });
    expect(check.ok && check.order).toMatchObject({ type: 'market', price: NaN, size: 10, timeInForce: 'IOC' });
  });

  it('checks in the stated order: price present, then size, then price on the tick', () => {
    const reason = (request: Partial<OrderRequest>) => {
      const check = checkOrder(units, { market, side: 'buy', size: 0.01, ...request });
      return check.ok ? 'accepted' : check.reason;
    };
    expect(reason({ size: 0 })).toBe('a limit order needs a price');
    expect(reason({ price: 100.005, size: 0.0015 })).toBe('size 0.0015 is not a whole number of lotSize (0.001)');
    expect(reason({ price: 100.005, size: -0.001 })).toBe('order size must be positive, got -0.001');
    expect(reason({ price: 100.005 })).toBe('price 100.005 is not a whole number of tickSize (0.01)');
  });

  it("checks an amend's new price and size only where given", () => {
    expect(checkAmend(units, { price: 100.01 })).toEqual({ ok: true, price: 10001, size: undefined });
    expect(checkAmend(units, { size: 0.0001 })).toEqual({ ok: false, reason: 'size 0.0001 is not a whole number of lotSize (0.001)' });
  });
});

/** An exchange that only takes orders (acked 'open' as x1), recording each createOrder call in `sent`. */
function fakeExchange(sent: unknown[][]): CcxtExchange {
  return {
    createOrder: async (...args: unknown[]) => {
      sent.push(args);
      return { id: 'x1', status: 'open' };
    },
  } as unknown as CcxtExchange;
}

/** Malformed requests, each refused before it reaches an exchange. */
const malformed: OrderRequest[] = [
  { market, side: 'buy', size: 0.01, postOnly: true },
  { market, side: 'buy', price: 100, size: 0 },
  { market, side: 'sell', price: 100.005, size: 0.01 },
  { market, side: 'sell', price: 100.01, size: 0.0015 },
];
const badAmend = { price: 99.999 };

/** What a venue answers to each malformed request, then to a malformed amend (id, which venues number differently, left out). */
async function answers(venue: Venue): Promise<Omit<OrderAck, 'id'>[]> {
  const acks: OrderAck[] = [];
  for (const request of malformed) acks.push(await venue.placeOrder(request));
  acks.push(await venue.amendOrder(market, 'no-such-order', badAmend));
  return acks.map(({ id: _id, ...rest }) => rest);
}

describe('the same malformed order is refused the same way by every venue', () => {
  it('backtest gateway, dry-run venue and live venue give the same status and reason, and send nothing', async () => {
    let simAnswers: Omit<OrderAck, 'id'>[] = [];
    const events: MarketEvent[] = [
      { kind: 'snapshot', exchTs: 0, localTs: 0, bidPrices: [9999], bidSizes: [10], askPrices: [10001], askSizes: [10] },
    ];
    const backtest = await runBacktest({
      units,
      fees: feeSchedule(0, 0),
      openEvents: openEventArray(events),
      openVenueEvents: openEventArrayByExchTime(events),
      startTs: 0,
      endTs: 1_000_000,
      queue: createQueueModel({ model: 'risk-averse' }),
      latency: createLatencyModel({ model: 'constant', entryMs: 5, responseMs: 5 }, new Rng('x')),
      strategy: async ({ venue }) => {
        simAnswers = await answers(venue);
      },
    });

    const dryTape = new RunTape(units, 0);
    const dry = await answers(new DryRunVenue(market, units, dryTape, new EventLog(null, [])));

    const sent: unknown[][] = [];
    const liveTape = new RunTape(units, 0);
    const live = await answers(new LiveVenue(fakeExchange(sent), 'BTC/USDT:USDT', market, units, liveTape, new EventLog(null, [])));

    const expected = [
      { status: 'rejected', filled: 0, remaining: 0.01, reason: 'a limit order needs a price' },
      { status: 'rejected', filled: 0, remaining: 0, reason: 'order size must be positive, got 0' },
      { status: 'rejected', filled: 0, remaining: 0.01, reason: 'price 100.005 is not a whole number of tickSize (0.01)' },
      { status: 'rejected', filled: 0, remaining: 0.0015, reason: 'size 0.0015 is not a whole number of lotSize (0.001)' },
      { status: 'rejected', filled: 0, remaining: 0, reason: 'price 99.999 is not a whole number of tickSize (0.01)' },
    ];
    expect(simAnswers).toEqual(expected);
    expect(dry).toEqual(expected);
    expect(live).toEqual(expected);
    // Counted as rejects, never as orders sent; nothing reached the (fake) exchange.
    expect([backtest.rejects, dryTape.rejects, liveTape.rejects]).toEqual([5, 5, 5]);
    expect([backtest.ordersSent, dryTape.ordersSent, liveTape.ordersSent]).toEqual([0, 0, 0]);
    expect(sent).toEqual([]);
  });

  it('a well-formed order passes the same checks and reaches the exchange in whole ticks and lots', async () => {
    const sent: unknown[][] = [];
    const tape = new RunTape(units, 0);
    const venue = new LiveVenue(fakeExchange(sent), 'BTC/USDT:USDT', market, units, tape, new EventLog(null, []));
    const ack = await venue.placeOrder({ market, side: 'buy', price: 100.01, size: 0.012, postOnly: true });
    expect(ack).toEqual({ id: 'x1', status: 'open', filled: 0, remaining: 0.012 });
    expect(sent).toEqual([['BTC/USDT:USDT', 'limit', 'buy', 0.012, 100.01, { postOnly: true }]]);
    expect(await venue.getOpenOrders(market)).toEqual([{ id: 'x1', market, side: 'buy', price: 100.01, remaining: 0.012, filled: 0 }]);
  });
});
