import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/core/events.ts';
import { MarketUnits } from '../../src/core/market.ts';
import { openEventArray } from '../../src/data/array-source.ts';
import { venueSymbol } from '../../src/live/server/symbol.ts';
import { LocalVenue } from '../../src/live/server/venue.ts';
import type { BookThroughRule } from '../../src/venue/exchange.ts';
import { feeSchedule } from '../../src/venue/fees.ts';
import { createQueueModel } from '../../src/venue/models.ts';

/**
 * The server's market clock on hand-picked wall times: data time t is served at wallStart + (t − dataStart)
 * / speed, and a frozen clock skips the frozen wall time (the data resumes where it stopped).
 */
const S = 1_000_000;
const trade = (t: number): MarketEvent => ({ kind: 'trade', exchTs: t, localTs: t, price: 10_000, size: 1, takerSide: 'buy' });

const OPENING: MarketEvent = {
  kind: 'snapshot',
  exchTs: 0,
  localTs: 0,
  bidPrices: [9_999],
  bidSizes: [5],
  askPrices: [10_001],
  askSizes: [5],
};

function venue(
  speed = 1,
  events: MarketEvent[] = [OPENING, trade(1 * S), trade(2 * S), trade(5 * S)],
  bookThrough: BookThroughRule = 'crossed-quantity',
) {
  const trades: number[] = [];
  const v = new LocalVenue(
    {
      units: new MarketUnits({ symbol: 'T', tickSize: 0.01, lotSize: 1, makerFeeBps: 0, takerFeeBps: 0 }),
      symbol: venueSymbol('T-USD'),
      fees: feeSchedule(0, 0),
      queue: createQueueModel({ model: 'risk-averse' }),
      bookThrough,
      openEvents: openEventArray(events),
      dataStart: 0,
      dataEnd: 10 * S,
      wallStartMs: 10_000,
      speed,
      initialBalance: 1000,
      leverage: 10,
    },
    { user: () => {}, trade: (t) => trades.push(t.wallMs), book: () => {} },
  );
  return { v, trades };
}

describe('local exchange server: the market clock', () => {
  it('serves data time t at wallStart + t / speed', () => {
    const { v } = venue(2);
    expect(v.dataTime(10_000)).toBe(0);
    expect(v.dataTime(10_750)).toBe(1.5 * S); // 750 wall ms at 2× speed
    expect(v.nextDueWallMs()).toBe(10_500); // the 1 s trade, at 2× speed
  });

  it('a frozen clock applies nothing, and the frozen wall time is skipped when it restarts', () => {
    const { v, trades } = venue();
    v.advance(10_500); // data 0.5 s: nothing due yet
    v.pauseClock(true, 10_500);
    v.advance(13_000); // 2.5 s of wall time frozen: the 1 s and 2 s trades must wait
    expect(trades).toEqual([]);
    expect(v.nextDueWallMs()).toBeNull();
    v.pauseClock(false, 13_000);
    expect(v.dataTime(13_000)).toBe(0.5 * S); // resumes where it stopped, not 2.5 s later
    expect(v.nextDueWallMs()).toBe(13_500); // the 1 s trade: 0.5 s after the restart
    v.advance(13_600);
    expect(trades).toHaveLength(1);
    v.advance(14_499);
    expect(trades).toHaveLength(1); // the 2 s trade is due at 14 500
    v.advance(14_500);
    expect(trades).toHaveLength(2);
    // a second freeze adds up
    v.pauseClock(true, 15_000);
    v.pauseClock(false, 16_000);
    expect(v.dataTime(16_000)).toBe(2.5 * S);
  });
});

describe('local exchange server: the venue rules of the scenario', () => {
  it("fills a resting bid the book moves through by the scenario's bookThrough rule", () => {
    // At 1 s the ask drops to our bid's price with 1 lot displayed: crossed-quantity fills that 1 lot, full all 5.
    const through: MarketEvent = {
      kind: 'snapshot',
      exchTs: S,
      localTs: S,
      bidPrices: [9_999],
      bidSizes: [5],
      askPrices: [10_000],
      askSizes: [1],
    };
    const executed = (rule: BookThroughRule): number => {
      const { v } = venue(1, [OPENING, through], rule);
      v.advance(10_000);
      const order = v.placeOrder({ side: 'buy', type: 'LIMIT', timeInForce: 'GTX', price: 10_000, qty: 5, reduceOnly: false }, 10_000);
      v.advance(11_000);
      return v.account.openOrders().find((o) => o.orderId === order.orderId)?.executedQty ?? order.executedQty;
    };
    expect(executed('crossed-quantity')).toBe(1);
    expect(executed('full')).toBe(5);
  });
});
