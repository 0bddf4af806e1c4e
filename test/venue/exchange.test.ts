import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BookDelta, BookSnapshot, Trade } from '../../src/core/events.ts';
import { SimExchange, type BookThroughRule, type VenueFill } from '../../src/venue/exchange.ts';
import { feeSchedule } from '../../src/venue/fees.ts';
import type { OrderIntent } from '../../src/venue/orders.ts';
import { type QueueConfig, createQueueModel } from '../../src/venue/models.ts';

// A book around 100.00 in ticks of 0.01: bids 9999, 9998, 9997; asks 10001, 10002, 10003.
const snapshot: BookSnapshot = {
  kind: 'snapshot',
  exchTs: 0,
  localTs: 0,
  bidPrices: [9999, 9998, 9997],
  bidSizes: [10, 20, 30],
  askPrices: [10001, 10002, 10003],
  askSizes: [5, 15, 25],
};

function setup(
  queue: QueueConfig = { model: 'risk-averse' },
  makerBps = -2,
  takerBps = 5,
  bookThrough: BookThroughRule = 'crossed-quantity',
) {
  const fills: VenueFill[] = [];
  const exchange = new SimExchange(createQueueModel(queue), feeSchedule(makerBps, takerBps), (f) => fills.push(f), bookThrough);
  exchange.applyMarketEvent(snapshot);
  return { exchange, fills };
}

function limit(id: string, side: 'buy' | 'sell', price: number, size: number, extra: Partial<OrderIntent> = {}): OrderIntent {
  return { id, side, type: 'limit', price, size, postOnly: false, timeInForce: 'GTC', ...extra };
}

const trade = (price: number, size: number, takerSide: 'buy' | 'sell', exchTs = 10): Trade => ({
  kind: 'trade',
  exchTs,
  localTs: exchTs,
  price,
  size,
  takerSide,
});
const delta = (side: 'bid' | 'ask', price: number, size: number, last = true, exchTs = 10): BookDelta => ({
  kind: 'delta',
  exchTs,
  localTs: exchTs,
  side,
  price,
  size,
  last,
});

describe('post-only', () => {
  it('is rejected, not repriced, when it would cross the book on arrival', () => {
    const { exchange, fills } = setup();
    expect(exchange.submit(limit('1', 'buy', 10001, 1, { postOnly: true }), 1).status).toBe('rejected');
    expect(exchange.submit(limit('2', 'sell', 9999, 1, { postOnly: true }), 1).status).toBe('rejected');
    expect(exchange.openOrders()).toHaveLength(0);
    expect(fills).toHaveLength(0);
  });

  it('rests when it does not cross, at the back of the displayed queue', () => {
    const { exchange } = setup();
    expect(exchange.submit(limit('1', 'buy', 9999, 1, { postOnly: true }), 1).status).toBe('open');
    expect(exchange.openOrders()[0].queueAhead).toBe(10);
  });

  it('is judged against the book at arrival, not at sending', () => {
    const { exchange } = setup();
    exchange.applyMarketEvent(delta('ask', 10001, 0)); // best ask moves to 10002
    expect(exchange.submit(limit('1', 'buy', 10001, 1, { postOnly: true }), 11).status).toBe('open');
  });
});

describe('taker orders', () => {
  it('IOC takes what the displayed book has up to its limit and cancels the rest, paying the taker fee', () => {
    const { exchange, fills } = setup();
    const reply = exchange.submit(limit('1', 'buy', 10002, 30, { timeInForce: 'IOC' }), 1);
    expect(reply).toMatchObject({ status: 'cancelled', filled: 20, remaining: 0 });
    expect(fills.map((f) => [f.price, f.size, f.liquidity])).toEqual([
      [10001, 5, 'taker'],
      [10002, 15, 'taker'],
    ]);
    // 5 bp taker fee: price × size × 500 hundredths-of-bp, in µTL.
    expect(fills[0].fee).toBe(10001n * 5n * 500n);
    expect(exchange.openOrders()).toHaveLength(0);
  });

  it('a market order walks the whole side', () => {
    const { exchange, fills } = setup();
    const reply = exchange.submit({ id: 'm', side: 'sell', type: 'market', price: NaN, size: 35, postOnly: false, timeInForce: 'GTC' }, 1);
    expect(reply).toMatchObject({ status: 'filled', filled: 35 });
    expect(fills.map((f) => [f.price, f.size])).toEqual([
      [9999, 10],
      [9998, 20],
      [9997, 5],
    ]);
  });

  it('a crossing GTC limit takes liquidity and rests the rest at its price', () => {
    const { exchange } = setup();
    const reply = exchange.submit(limit('1', 'buy', 10001, 8), 1);
    expect(reply).toMatchObject({ status: 'open', filled: 5, remaining: 3 });
    expect(exchange.openOrders()[0]).toMatchObject({ price: 10001, remaining: 3 });
  });
});

describe('fills from trades', () => {
  it('a sell-aggressor trade fills bids, a buy-aggressor trade does not', () => {
    const { exchange, fills } = setup();
    exchange.submit(limit('b', 'buy', 9998, 5), 1); // 20 ahead
    exchange.applyMarketEvent(trade(9998, 30, 'buy'));
    expect(fills).toHaveLength(0);
    exchange.applyMarketEvent(trade(9998, 22, 'sell'));
    expect(fills.map((f) => [f.orderId, f.size, f.liquidity])).toEqual([['b', 2, 'maker']]);
  });

  it('risk-averse: only trades advance the queue; a cancel in the level does not', () => {
    const { exchange, fills } = setup();
    exchange.submit(limit('b', 'buy', 9998, 5), 1); // 20 ahead
    exchange.applyMarketEvent(delta('bid', 9998, 12)); // 8 cancelled somewhere
    expect(exchange.openOrders()[0].queueAhead).toBe(12); // clamped to the level, not advanced beyond it
    exchange.applyMarketEvent(delta('bid', 9998, 40)); // others join behind
    exchange.applyMarketEvent(delta('bid', 9998, 35)); // 5 cancelled: we do not move
    expect(exchange.openOrders()[0].queueAhead).toBe(12);
    exchange.applyMarketEvent(trade(9998, 10, 'sell'));
    expect(exchange.openOrders()[0].queueAhead).toBe(2);
    expect(fills).toHaveLength(0);
    exchange.applyMarketEvent(trade(9998, 4, 'sell'));
    expect(fills.map((f) => f.size)).toEqual([2]);
  });

  it('probabilistic: a cancel moves us forward by the front share of f(x)=x^n', () => {
    const { exchange } = setup({ model: 'probabilistic', power: 1 });
    exchange.submit(limit('b', 'buy', 9998, 5), 1); // front 20
    exchange.applyMarketEvent(delta('bid', 9998, 60)); // 40 join behind: front 20, back 40
    exchange.applyMarketEvent(delta('bid', 9998, 30)); // 30 cancelled
    // n = 1: back share p = 40/60; front loses (1 − p)·30 = 10 → 10 ahead.
    expect(exchange.openOrders()[0].queueAhead).toBeCloseTo(10, 9);
  });

  it('probabilistic: the power shapes the split (n = 2 assumes cancels come mostly from the larger side)', () => {
    const { exchange } = setup({ model: 'probabilistic', power: 2 });
    exchange.submit(limit('b', 'buy', 9998, 5), 1); // front 20
    exchange.applyMarketEvent(delta('bid', 9998, 60)); // front 20, back 40
    exchange.applyMarketEvent(delta('bid', 9998, 30)); // 30 cancelled
    // back share p = 40² / (40² + 20²) = 0.8: the front loses 0.2 · 30 = 6 → 14 ahead (n = 1 would give 10).
    expect(exchange.openOrders()[0].queueAhead).toBeCloseTo(14, 9);
  });

  it('probabilistic: the estimate is clamped to the level (never more ahead than the level holds)', () => {
    const { exchange } = setup({ model: 'probabilistic', power: 2 });
    exchange.submit(limit('b', 'buy', 9998, 5), 1); // front 20, level 20
    exchange.applyMarketEvent(trade(9998, 5, 'sell')); // front 15, 5 traded since the last depth update
    exchange.applyMarketEvent(delta('bid', 9998, 8)); // 12 left the level: 5 traded, 7 unexplained
    // back = 20 − 15 = 5, p = 25 / (25 + 225) = 0.1: front − 0.9 · 7 = 8.7 > the level's 8: clamped to 8.
    expect(exchange.openOrders()[0].queueAhead).toBe(8);
  });

  it('probabilistic: trade volume already counted is not taken from the front twice', () => {
    const { exchange } = setup({ model: 'probabilistic', power: 1 });
    exchange.submit(limit('b', 'buy', 9998, 5), 1); // front 20 (level 20)
    exchange.applyMarketEvent(trade(9998, 6, 'sell')); // front 14
    exchange.applyMarketEvent(delta('bid', 9998, 14)); // the level shows the same 6 leaving
    expect(exchange.openOrders()[0].queueAhead).toBe(14);
  });

  it("a trade's quantity is never used twice: two own orders at one level share it in time priority", () => {
    const { exchange, fills } = setup();
    exchange.applyMarketEvent(delta('bid', 9998, 0)); // empty level: nothing ahead
    exchange.submit(limit('first', 'buy', 9998, 4), 1);
    exchange.submit(limit('second', 'buy', 9998, 4), 2);
    exchange.applyMarketEvent(trade(9998, 6, 'sell'));
    expect(fills.map((f) => [f.orderId, f.size])).toEqual([
      ['first', 4],
      ['second', 2],
    ]);
    expect(fills.reduce((s, f) => s + f.size, 0)).toBeLessThanOrEqual(6);
  });

  it('a trade through our price fills us first, up to its size, then our orders at the trade price', () => {
    const { exchange, fills } = setup();
    exchange.applyMarketEvent(delta('bid', 9997, 0));
    exchange.submit(limit('better', 'buy', 9998, 3), 1); // 20 ahead at 9998
    exchange.submit(limit('at', 'buy', 9997, 3), 2); // 0 ahead at 9997
    exchange.applyMarketEvent(trade(9997, 4, 'sell'));
    expect(fills.map((f) => [f.orderId, f.size, f.price])).toEqual([
      ['better', 3, 9998],
      ['at', 1, 9997],
    ]);
  });

  it('one accounting of a print across our orders: what a through fill took does not also cut the queue at the price', () => {
    const { exchange, fills } = setup();
    exchange.submit(limit('through', 'buy', 9998, 4), 1); // 20 ahead at 9998
    exchange.submit(limit('at', 'buy', 9997, 5), 2); // 30 ahead at 9997
    exchange.applyMarketEvent(trade(9997, 10, 'sell'));
    expect(fills.map((f) => [f.orderId, f.size])).toEqual([['through', 4]]);
    // the aggressor's 10 lots: 4 to our better bid, so only 6 reached the queue at 9997
    expect(exchange.openOrders()[0]).toMatchObject({ id: 'at', queueAhead: 24 });
  });

  it('partial fills leave the rest resting with its remaining size', () => {
    const { exchange, fills } = setup();
    exchange.applyMarketEvent(delta('ask', 10002, 0));
    exchange.submit(limit('a', 'sell', 10002, 10), 1);
    exchange.applyMarketEvent(trade(10002, 3, 'buy'));
    expect(fills.map((f) => [f.size, f.remaining])).toEqual([[3, 7]]);
    expect(exchange.openOrders()[0]).toMatchObject({ remaining: 7, filled: 3 });
  });
});

describe('book-through', () => {
  it('fills a resting bid at its price as maker when the best ask reaches it after a complete message', () => {
    const { exchange, fills } = setup();
    exchange.submit(limit('b', 'buy', 9999, 3), 1);
    exchange.applyMarketEvent(delta('ask', 9999, 7, false)); // mid-message: not yet
    expect(fills).toHaveLength(0);
    exchange.applyMarketEvent(delta('bid', 9999, 0, true)); // message complete: ask 9999 ≤ our bid
    expect(fills.map((f) => [f.orderId, f.price, f.size, f.liquidity])).toEqual([['b', 9999, 3, 'maker']]);
    expect(exchange.openOrders()).toHaveLength(0);
  });

  it('fills at most the displayed quantity that crossed (default): a 1-lot cross fills 1 of our 5', () => {
    const { exchange, fills } = setup();
    exchange.submit(limit('b', 'buy', 9999, 5), 1);
    exchange.applyMarketEvent(delta('bid', 9999, 0, false));
    exchange.applyMarketEvent(delta('ask', 9999, 1, true)); // 1 lot offered at our bid's price
    expect(fills.map((f) => [f.orderId, f.price, f.size, f.liquidity])).toEqual([['b', 9999, 1, 'maker']]);
    expect(exchange.openOrders()[0]).toMatchObject({ id: 'b', remaining: 4 });
  });

  it('counts every displayed level at or through our price, and a snapshot crosses like a message', () => {
    const { exchange, fills } = setup();
    exchange.submit(limit('a', 'sell', 10003, 5), 1);
    // bids at 10005 (1) and 10003 (2) reach our ask at 10003; the bid at 10002 does not
    exchange.applyMarketEvent({
      ...snapshot,
      exchTs: 20,
      bidPrices: [10005, 10003, 10002],
      bidSizes: [1, 2, 9],
      askPrices: [10006],
      askSizes: [1],
    });
    expect(fills.map((f) => [f.orderId, f.price, f.size])).toEqual([['a', 10003, 3]]);
  });

  it('does not use the same displayed cross twice; what is added through our price later fills us', () => {
    const { exchange, fills } = setup();
    exchange.submit(limit('b', 'buy', 9999, 5), 1);
    exchange.applyMarketEvent(delta('bid', 9999, 0, false));
    exchange.applyMarketEvent(delta('ask', 9999, 1, true)); // fills 1
    exchange.applyMarketEvent(delta('ask', 10002, 3, true)); // another message, same cross: nothing more
    expect(fills.map((f) => f.size)).toEqual([1]);
    exchange.applyMarketEvent(delta('ask', 9999, 3, true)); // 2 more lots offered at our price
    expect(fills.map((f) => f.size)).toEqual([1, 2]);
    exchange.applyMarketEvent(delta('ask', 9999, 0, false)); // the cross goes away…
    exchange.applyMarketEvent(delta('ask', 10001, 5, true));
    exchange.applyMarketEvent(delta('ask', 9999, 1, true)); // …and comes back: a new lot, a new fill
    expect(fills.map((f) => f.size)).toEqual([1, 2, 1]);
    expect(exchange.openOrders()[0]).toMatchObject({ id: 'b', remaining: 1 });
  });

  it('our orders on one side share the crossed quantity, best price first', () => {
    const { exchange, fills } = setup();
    exchange.submit(limit('low', 'buy', 9998, 5), 1);
    exchange.submit(limit('high', 'buy', 9999, 2), 2);
    exchange.applyMarketEvent(delta('bid', 9999, 0, false));
    exchange.applyMarketEvent(delta('bid', 9998, 0, false));
    exchange.applyMarketEvent(delta('ask', 9998, 3, true)); // 3 lots reach both bids
    expect(fills.map((f) => [f.orderId, f.size])).toEqual([
      ['high', 2],
      ['low', 1],
    ]);
  });

  it("bookThrough 'full' (the optimistic rule) fills the whole remaining size however little crossed", () => {
    const { exchange, fills } = setup({ model: 'risk-averse' }, -2, 5, 'full');
    exchange.submit(limit('b', 'buy', 9999, 5), 1);
    exchange.applyMarketEvent(delta('bid', 9999, 0, false));
    exchange.applyMarketEvent(delta('ask', 9999, 1, true));
    expect(fills.map((f) => [f.orderId, f.price, f.size])).toEqual([['b', 9999, 5]]);
    expect(exchange.openOrders()).toHaveLength(0);
  });
});

describe('amend', () => {
  it('a size decrease keeps queue priority', () => {
    const { exchange } = setup();
    exchange.submit(limit('b', 'buy', 9998, 5), 1);
    exchange.applyMarketEvent(trade(9998, 15, 'sell')); // 5 ahead now
    exchange.applyMarketEvent(delta('bid', 9998, 50)); // new size behind us
    expect(exchange.amend('b', 9998, 3, 20).status).toBe('open');
    expect(exchange.openOrders()[0]).toMatchObject({ remaining: 3, queueAhead: 5 });
  });

  it('a size increase or a price change loses priority', () => {
    const { exchange } = setup();
    exchange.submit(limit('b', 'buy', 9998, 5), 1);
    exchange.submit(limit('c', 'buy', 9997, 5), 2);
    exchange.applyMarketEvent(trade(9998, 15, 'sell'));
    exchange.applyMarketEvent(delta('bid', 9998, 50));
    exchange.amend('b', 9998, 6, 20);
    expect(exchange.openOrders().map((o) => o.id)).toEqual(['c', 'b']); // behind our other orders
    expect(exchange.openOrders()[1].queueAhead).toBe(50);
    exchange.amend('c', 9999, 5, 21);
    expect(exchange.openOrders()[1]).toMatchObject({ id: 'c', price: 9999, queueAhead: 10 });
  });

  it('an amend that would make a post-only order cross is rejected and the order stays', () => {
    const { exchange } = setup();
    exchange.submit(limit('b', 'buy', 9998, 5, { postOnly: true }), 1);
    expect(exchange.amend('b', 10001, 5, 2).status).toBe('rejected');
    expect(exchange.openOrders()[0]).toMatchObject({ price: 9998, remaining: 5 });
  });
});

describe('cancel', () => {
  it('cancel one and cancel all remove orders; cancelling a closed order is refused', () => {
    const { exchange } = setup();
    exchange.submit(limit('1', 'buy', 9998, 5), 1);
    exchange.submit(limit('2', 'sell', 10002, 5), 1);
    exchange.submit(limit('3', 'sell', 10003, 5), 1);
    expect(exchange.cancel('1').status).toBe('cancelled');
    expect(exchange.cancel('1').status).toBe('rejected');
    expect(exchange.cancelAll()).toBe(2);
    expect(exchange.openOrders()).toHaveLength(0);
  });
});

describe('fees', () => {
  it('a negative maker fee is a rebate (negative fee), a positive taker fee is paid', () => {
    const { exchange, fills } = setup({ model: 'risk-averse' }, -2, 5);
    exchange.applyMarketEvent(delta('bid', 9998, 0));
    exchange.submit(limit('b', 'buy', 9998, 4), 1);
    exchange.applyMarketEvent(trade(9998, 4, 'sell'));
    exchange.submit(limit('t', 'buy', 10001, 1, { timeInForce: 'IOC' }), 2);
    const [maker, taker] = fills;
    expect(maker.liquidity).toBe('maker');
    expect(maker.fee).toBe(-(9998n * 4n * 200n)); // −2 bp = −200 hundredths of a bp
    expect(taker.liquidity).toBe('taker');
    expect(taker.fee).toBe(10001n * 1n * 500n);
  });
});

/** One step of a market maker's session: our requests and the market's book changes and trades. */
type SessionOp =
  | { kind: 'quote'; side: 'buy' | 'sell'; offset: number; size: number }
  | { kind: 'cancel'; pick: number }
  | { kind: 'cancelAll' }
  | { kind: 'amend'; pick: number; offset: number; size: number }
  | { kind: 'delta'; side: 'bid' | 'ask'; price: number; size: number }
  | { kind: 'trade'; takerSide: 'buy' | 'sell'; offset: number; size: number };

const near = fc.integer({ min: -3, max: 3 }); // ticks around the touch, where quotes, level changes and trades meet
const sessionOp: fc.Arbitrary<SessionOp> = fc.oneof(
  fc.record({
    kind: fc.constant('quote' as const),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    offset: near,
    size: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(5) }),
  fc.constant({ kind: 'cancelAll' as const }),
  fc.record({ kind: fc.constant('amend' as const), pick: fc.nat(5), offset: near, size: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant('delta' as const),
    side: fc.constantFrom('bid' as const, 'ask' as const),
    price: fc.integer({ min: 9994, max: 10006 }),
    size: fc.integer({ min: 0, max: 30 }),
  }),
  fc.record({
    kind: fc.constant('trade' as const),
    takerSide: fc.constantFrom('buy' as const, 'sell' as const),
    offset: near,
    size: fc.integer({ min: 1, max: 40 }),
  }),
);

/** Displayed size on the opposite side at or through `price` (what a book-through can fill an order at `price` with). */
function displayedThrough(book: SimExchange['book'], side: 'buy' | 'sell', price: number): number {
  let total = 0;
  if (side === 'buy') for (let p = book.bestAsk; p <= price; p++) total += book.sizeAt('ask', p);
  else for (let p = book.bestBid; p >= price; p--) total += book.sizeAt('bid', p);
  return total;
}

const PROPERTY_QUEUES: QueueConfig[] = [
  { model: 'risk-averse' },
  { model: 'probabilistic', power: 2 },
  { model: 'probabilistic', power: 0.5 },
];
const PROPERTY_CASES = (['crossed-quantity', 'full'] as const).flatMap((rule) =>
  PROPERTY_QUEUES.map((queue) => [rule, JSON.stringify(queue), queue] as const),
);

describe.each(PROPERTY_CASES)('SimExchange over random sessions (property), bookThrough %s, queue %s', (rule, _name, queue) => {
  it('keeps queues within their level, fills what the book or a trade goes through, and knows its best quotes', () => {
    fc.assert(
      fc.property(fc.array(sessionOp, { maxLength: 150 }), (ops) => {
        const { exchange, fills } = setup(queue, -2, 5, rule);
        const book = exchange.book;
        let nextId = 0;
        const pick = (n: number): string => {
          const open = exchange.openOrders();
          return open.length === 0 ? 'none' : open[n % open.length].id;
        };
        for (const op of ops) {
          const touch = (side: 'buy' | 'sell'): number => (side === 'buy' ? book.bestBid : book.bestAsk);
          if (op.kind === 'quote') {
            const price = (Number.isNaN(touch(op.side)) ? 10_000 : touch(op.side)) + op.offset;
            exchange.submit(limit(`q${nextId++}`, op.side, price, op.size, { postOnly: true }), 1);
          } else if (op.kind === 'cancel') exchange.cancel(pick(op.pick));
          else if (op.kind === 'cancelAll') exchange.cancelAll();
          else if (op.kind === 'amend') {
            const id = pick(op.pick);
            const order = exchange.openOrders().find((o) => o.id === id);
            if (order) exchange.amend(id, order.price + op.offset, op.size, 1);
          } else if (op.kind === 'delta') {
            const before = fills.length;
            const ours = { buy: exchange.ownBestBid(), sell: exchange.ownBestAsk() };
            exchange.applyMarketEvent(delta(op.side, op.price, op.size));
            if (rule === 'crossed-quantity') {
              // A message's book-through fills on a side never exceed what is displayed through our best order there.
              for (const side of ['buy', 'sell'] as const) {
                const taken = fills.slice(before).reduce((sum, f) => sum + (f.side === side ? f.size : 0), 0);
                expect(taken).toBeLessThanOrEqual(Number.isNaN(ours[side]) ? 0 : displayedThrough(book, side, ours[side]));
              }
            }
          } else {
            const best = op.takerSide === 'buy' ? book.bestAsk : book.bestBid;
            if (Number.isNaN(best)) continue;
            const price = best + (op.takerSide === 'buy' ? op.offset : -op.offset);
            const before = fills.length;
            const through = exchange
              .openOrders()
              .filter((o) => (op.takerSide === 'sell' ? o.side === 'buy' && o.price > price : o.side === 'sell' && o.price < price));
            exchange.applyMarketEvent(trade(price, op.size, op.takerSide));
            const taken = fills.slice(before).reduce((sum, f) => sum + f.size, 0);
            expect(taken).toBeLessThanOrEqual(op.size);
            // An order through the trade's price is filled first: if one is still open, the trade was used up.
            if (through.some((o) => exchange.openOrders().some((open) => open.id === o.id))) expect(taken).toBe(op.size);
          }
          const open = exchange.openOrders();
          for (const order of open) {
            const level = book.sizeAt(order.side === 'buy' ? 'bid' : 'ask', order.price);
            expect(order.queueAhead).toBeLessThanOrEqual(level);
            expect(order.queueAhead).toBeGreaterThanOrEqual(0);
            // 'full': post-only quotes never rest crossed, the book moving through one fills it.
            if (rule === 'full') expect(order.side === 'buy' ? order.price >= book.bestAsk : order.price <= book.bestBid).toBe(false);
          }
          const bids = open.filter((o) => o.side === 'buy').map((o) => o.price);
          const asks = open.filter((o) => o.side === 'sell').map((o) => o.price);
          expect(exchange.ownBestBid()).toEqual(bids.length ? Math.max(...bids) : NaN);
          expect(exchange.ownBestAsk()).toEqual(asks.length ? Math.min(...asks) : NaN);
        }
      }),
      { seed: 20261126, numRuns: 300 },
    );
  });
});
