import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_MAX_SPAN, L2Book } from '../../src/book/l2-book.ts';
import { ReferenceBook } from '../../src/book/reference-book.ts';
import type { BookSide, BookSnapshot } from '../../src/core/events.ts';

function snapshot(bids: [number, number][], asks: [number, number][]): BookSnapshot {
  return {
    kind: 'snapshot',
    exchTs: 0,
    localTs: 0,
    bidPrices: bids.map(([p]) => p),
    bidSizes: bids.map(([, s]) => s),
    askPrices: asks.map(([p]) => p),
    askSizes: asks.map(([, s]) => s),
  };
}

function top(book: L2Book | ReferenceBook, side: BookSide, n: number): [number, number][] {
  const prices = new Float64Array(n);
  const sizes = new Float64Array(n);
  const count = book.topLevels(side, prices, sizes);
  const out: [number, number][] = [];
  for (let i = 0; i < count; i++) out.push([prices[i], sizes[i]]);
  return out;
}

describe('L2Book', () => {
  it('reports an empty book as NaN prices, zero sizes and no levels', () => {
    const book = new L2Book();
    expect(book.bestBid).toBeNaN();
    expect(book.bestAsk).toBeNaN();
    expect(book.bestBidSize()).toBe(0);
    expect(book.bestAskSize()).toBe(0);
    expect(book.levelCount).toEqual({ bids: 0, asks: 0 });
    expect(top(book, 'bid', 5)).toEqual([]);
    expect(book.isCrossed()).toBe(false);
    expect(book.checkInvariants()).toBeNull();
  });

  it('a snapshot resets the book: levels absent from it are gone', () => {
    const book = new L2Book();
    book.applySnapshot(
      snapshot(
        [
          [100, 5],
          [99, 3],
          [98, 1],
        ],
        [
          [101, 4],
          [102, 2],
        ],
      ),
    );
    book.set('bid', 97, 7);
    book.set('ask', 110, 9);
    book.applySnapshot(
      snapshot(
        [[95, 1]],
        [
          [105, 2],
          [106, 3],
        ],
      ),
    );
    expect(book.bestBid).toBe(95);
    expect(book.bestAsk).toBe(105);
    expect(book.levelCount).toEqual({ bids: 1, asks: 2 });
    for (const p of [97, 98, 99, 100]) expect(book.sizeAt('bid', p)).toBe(0);
    for (const p of [101, 102, 110]) expect(book.sizeAt('ask', p)).toBe(0);
    expect(top(book, 'ask', 5)).toEqual([
      [105, 2],
      [106, 3],
    ]);
    expect(book.checkInvariants()).toBeNull();
  });

  it('an empty snapshot empties the book', () => {
    const book = new L2Book();
    book.applySnapshot(snapshot([[100, 5]], [[101, 4]]));
    book.applySnapshot(snapshot([], []));
    expect(book.bestBid).toBeNaN();
    expect(book.bestAsk).toBeNaN();
    expect(book.levelCount).toEqual({ bids: 0, asks: 0 });
  });

  it('a size of 0 deletes a level; deleting a missing level changes nothing', () => {
    const book = new L2Book();
    book.applySnapshot(
      snapshot(
        [
          [100, 5],
          [99, 3],
        ],
        [
          [101, 4],
          [102, 2],
        ],
      ),
    );
    book.set('bid', 99, 0);
    expect(book.sizeAt('bid', 99)).toBe(0);
    expect(book.levelCount).toEqual({ bids: 1, asks: 2 });
    book.set('bid', 99, 0);
    book.set('ask', 150, 0);
    book.set('ask', 1_000_000_000, 0); // far outside the window: ignored, no growth needed
    expect(book.levelCount).toEqual({ bids: 1, asks: 2 });
    expect(book.bestBid).toBe(100);
    expect(book.bestAsk).toBe(101);
    expect(book.checkInvariants()).toBeNull();
  });

  it('replacing a size updates it without adding a level', () => {
    const book = new L2Book();
    book.set('bid', 100, 5);
    book.set('bid', 100, 8);
    expect(book.bestBidSize()).toBe(8);
    expect(book.levelCount).toEqual({ bids: 1, asks: 0 });
  });

  it('best bid and ask move to the next level when the best level is deleted', () => {
    const book = new L2Book();
    book.applySnapshot(
      snapshot(
        [
          [100, 5],
          [97, 3],
          [90, 1],
        ],
        [
          [101, 4],
          [104, 2],
          [120, 6],
        ],
      ),
    );
    book.set('bid', 100, 0);
    expect(book.bestBid).toBe(97);
    expect(book.bestBidSize()).toBe(3);
    book.set('ask', 101, 0);
    expect(book.bestAsk).toBe(104);
    expect(book.bestAskSize()).toBe(2);
    book.set('bid', 97, 0);
    book.set('ask', 104, 0);
    expect(book.bestBid).toBe(90);
    expect(book.bestAsk).toBe(120);
    book.set('bid', 90, 0);
    book.set('ask', 120, 0);
    expect(book.bestBid).toBeNaN();
    expect(book.bestAsk).toBeNaN();
    expect(book.bestBidSize()).toBe(0);
    expect(book.levelCount).toEqual({ bids: 0, asks: 0 });
    // a better level arriving moves the best the other way
    book.set('bid', 50, 1);
    book.set('bid', 55, 2);
    expect(book.bestBid).toBe(55);
    book.set('ask', 70, 1);
    book.set('ask', 60, 2);
    expect(book.bestAsk).toBe(60);
    expect(book.checkInvariants()).toBeNull();
  });

  it.each([1, 16, 4096])(
    'grows the window for prices far outside it, in both directions, keeping every level (capacity %i)',
    (capacity) => {
      const book = new L2Book(capacity);
      const bids: [number, number][] = [];
      const asks: [number, number][] = [];
      const centre = 1_000_000;
      for (let i = 0; i < 10; i++) {
        bids.push([centre - i, i + 1]);
        asks.push([centre + 1 + i, i + 1]);
      }
      book.applySnapshot(snapshot(bids, asks));
      // far below (a bid), then far above (an ask), then further still both ways
      const far: [BookSide, number, number][] = [
        ['bid', centre - 250_000, 11],
        ['ask', centre + 400_000, 12],
        ['bid', centre - 900_000, 13],
        ['ask', centre + 1_100_000, 14],
        ['bid', -50_000, 15],
      ];
      for (const [side, price, size] of far) {
        book.set(side, price, size);
        (side === 'bid' ? bids : asks).push([price, size]);
      }
      for (const [p, s] of bids) expect(book.sizeAt('bid', p)).toBe(s);
      for (const [p, s] of asks) expect(book.sizeAt('ask', p)).toBe(s);
      expect(book.levelCount).toEqual({ bids: bids.length, asks: asks.length });
      expect(book.bestBid).toBe(centre);
      expect(book.bestAsk).toBe(centre + 1);
      expect(top(book, 'bid', 100)).toEqual([...bids].sort((a, b) => b[0] - a[0]));
      expect(top(book, 'ask', 100)).toEqual([...asks].sort((a, b) => a[0] - b[0]));
      expect(book.checkInvariants()).toBeNull();
      // deleting the whole near book leaves the far levels as the best
      for (const [p] of bids.slice(0, 10)) book.set('bid', p, 0);
      for (const [p] of asks.slice(0, 10)) book.set('ask', p, 0);
      expect(book.bestBid).toBe(centre - 250_000);
      expect(book.bestAsk).toBe(centre + 400_000);
    },
  );

  it('works from an initial capacity of 0 (the window grows from nothing)', () => {
    const book = new L2Book(0);
    book.set('bid', 5, 1);
    book.set('ask', 200_000, 2);
    expect(book.bestBid).toBe(5);
    expect(book.bestAsk).toBe(200_000);
    expect(book.checkInvariants()).toBeNull();
  });

  it('a best price that jumps far outside the window becomes the new best', () => {
    const book = new L2Book(64);
    book.set('bid', 1000, 1);
    book.set('ask', 1001, 1);
    book.set('bid', 900_000, 2); // crossed for a moment, as inside an exchange message
    expect(book.bestBid).toBe(900_000);
    book.set('ask', 1001, 0);
    book.set('ask', 900_001, 3);
    expect(book.bestAsk).toBe(900_001);
    expect(book.checkInvariants()).toBeNull();
    book.set('bid', -500_000, 4);
    expect(book.sizeAt('bid', -500_000)).toBe(4);
    expect(book.levelCount).toEqual({ bids: 3, asks: 1 });
  });

  it('topLevels lists bids high to low and asks low to high, at most as many as asked', () => {
    const book = new L2Book();
    book.applySnapshot(
      snapshot(
        [
          [95, 1],
          [100, 2],
          [98, 3],
          [90, 4],
        ],
        [
          [110, 5],
          [103, 6],
          [101, 7],
        ],
      ),
    );
    expect(top(book, 'bid', 3)).toEqual([
      [100, 2],
      [98, 3],
      [95, 1],
    ]);
    expect(top(book, 'bid', 10)).toEqual([
      [100, 2],
      [98, 3],
      [95, 1],
      [90, 4],
    ]);
    expect(top(book, 'ask', 2)).toEqual([
      [101, 7],
      [103, 6],
    ]);
    expect(top(book, 'ask', 10)).toEqual([
      [101, 7],
      [103, 6],
      [110, 5],
    ]);
    const prices: number[] = [0, 0];
    const sizes: number[] = [0, 0];
    expect(book.topLevels('bid', prices, sizes)).toBe(2);
    expect(prices).toEqual([100, 98]);
    expect(sizes).toEqual([2, 3]);
  });

  it('checkInvariants reports a crossed or locked book, and clears once uncrossed', () => {
    const book = new L2Book();
    book.applySnapshot(snapshot([[100, 5]], [[101, 4]]));
    expect(book.checkInvariants()).toBeNull();
    book.set('bid', 102, 1);
    expect(book.isCrossed()).toBe(true);
    expect(book.checkInvariants()).toMatch(/crossed/);
    book.set('bid', 102, 0);
    book.set('ask', 100, 2); // locked: bid == ask
    expect(book.isCrossed()).toBe(true);
    expect(book.checkInvariants()).toMatch(/crossed/);
    book.set('ask', 100, 0);
    expect(book.checkInvariants()).toBeNull();
  });

  it('checkInvariants reports a negative size', () => {
    const book = new L2Book();
    book.set('bid', 100, 5);
    book.set('bid', 99, -1);
    expect(book.checkInvariants()).toMatch(/negative/);
  });

  it('clear empties the book and it can be refilled anywhere', () => {
    const book = new L2Book(8);
    book.applySnapshot(snapshot([[100, 5]], [[101, 4]]));
    book.clear();
    expect(book.levelCount).toEqual({ bids: 0, asks: 0 });
    expect(book.sizeAt('bid', 100)).toBe(0);
    book.set('ask', 7_000_000, 3);
    expect(book.bestAsk).toBe(7_000_000);
    expect(book.bestBid).toBeNaN();
    expect(book.sizeAt('bid', 100)).toBe(0);
    expect(book.checkInvariants()).toBeNull();
  });
});

/** Every level of a side, best first, from either book. */
function all(book: L2Book | ReferenceBook, side: BookSide): [number, number][] {
  const count = side === 'bid' ? book.levelCount.bids : book.levelCount.asks;
  return top(book, side, count + 1);
}

/** Applies one set to both books. */
function both(book: L2Book, ref: ReferenceBook, side: BookSide, price: number, size: number): void {
  book.set(side, price, size);
  ref.set(side, price, size);
}

describe('L2Book dense window and far region', () => {
  it('caps the window at maxSpan (default 2^16 ticks): stray levels of a Binance-like snapshot live far', () => {
    // BTCUSDT at tick 0.01: 1000 levels a side around 61,837.63 USD, and the kind of stray levels the real
    // capture carries (15,432.50, 33,000.00 and 200,000.00 USD), 18.5M ticks apart.
    const book = new L2Book();
    const ref = new ReferenceBook();
    const bids: [number, number][] = [];
    const asks: [number, number][] = [];
    for (let i = 0; i < 1000; i++) {
      bids.push([6_183_763 - 2 * i, 100 + i]);
      asks.push([6_183_764 + 3 * i, 200 + i]);
    }
    bids.push([3_300_000, 19_172_790], [1_543_250, 5]);
    asks.push([20_000_000, 7]);
    const snap = snapshot(bids, asks);
    book.applySnapshot(snap);
    ref.applySnapshot(snap);
    expect(book.windowSpan).toBeLessThanOrEqual(DEFAULT_MAX_SPAN);
    expect(DEFAULT_MAX_SPAN).toBe(2 ** 16);
    expect(book.bestBid).toBe(6_183_763);
    expect(book.bestAsk).toBe(6_183_764);
    expect(book.levelCount).toEqual({ bids: 1002, asks: 1001 });
    for (const price of [1_543_250, 3_300_000, 20_000_000]) {
      expect(price < book.windowLow || price >= book.windowLow + book.windowSpan).toBe(true);
    }
    expect(book.sizeAt('bid', 3_300_000)).toBe(19_172_790);
    expect(book.sizeAt('ask', 20_000_000)).toBe(7);
    expect(all(book, 'bid')).toEqual(all(ref, 'bid'));
    expect(all(book, 'ask')).toEqual(all(ref, 'ask'));
    // updates and deletes of far levels, and of prices never seen
    both(book, ref, 'bid', 3_300_000, 19_173_390);
    both(book, ref, 'bid', 4_200_000, 74_978_550);
    both(book, ref, 'bid', 1_543_250, 0);
    both(book, ref, 'ask', 19_000_000, 0);
    expect(book.sizeAt('bid', 3_300_000)).toBe(19_173_390);
    expect(book.sizeAt('bid', 1_543_250)).toBe(0);
    expect(book.levelCount).toEqual(ref.levelCount);
    expect(all(book, 'bid')).toEqual(all(ref, 'bid'));
    expect(book.checkInvariants()).toBeNull();
    book.clear();
    expect(book.levelCount).toEqual({ bids: 0, asks: 0 });
    for (const price of [3_300_000, 4_200_000, 20_000_000, 6_183_763]) {
      expect(book.sizeAt('bid', price) + book.sizeAt('ask', price)).toBe(0);
    }
    expect(book.checkInvariants()).toBeNull();
  });

  it('grows by doubling up to maxSpan, then keeps what the window cannot cover far', () => {
    const book = new L2Book(16, 1024);
    book.set('bid', 1000, 1);
    book.set('ask', 1001, 2);
    expect(book.windowSpan).toBe(16);
    book.set('ask', 1100, 3); // 101 ticks: doubles to 256
    expect(book.windowSpan).toBe(256);
    book.set('ask', 5000, 4); // 4001 ticks: capped at 1024, 5000 stays far
    expect(book.windowSpan).toBe(1024);
    expect(5000).toBeGreaterThanOrEqual(book.windowLow + book.windowSpan);
    for (const price of [1000, 1001, 1100]) {
      expect(price).toBeGreaterThanOrEqual(book.windowLow);
      expect(price).toBeLessThan(book.windowLow + book.windowSpan);
    }
    expect(book.sizeAt('ask', 5000)).toBe(4);
    expect(top(book, 'ask', 5)).toEqual([
      [1001, 2],
      [1100, 3],
      [5000, 4],
    ]);
    expect(book.checkInvariants()).toBeNull();
  });

  it('a far best exactly at the window edge: deleting the best above it falls back to it, not into the window', () => {
    const book = new L2Book(64, 64);
    const ref = new ReferenceBook();
    for (let i = 0; i < 5; i++) both(book, ref, 'bid', 1000 - i, 10 + i);
    both(book, ref, 'ask', 2000, 5); // far above: the spread is too wide for the window to chase
    expect([book.windowLow, book.windowSpan]).toEqual([968, 64]);
    const edge = book.windowLow + book.windowSpan; // 1032: the first price above the window
    both(book, ref, 'bid', edge, 3);
    both(book, ref, 'bid', edge + 5, 4);
    expect(book.bestBid).toBe(edge + 5);
    both(book, ref, 'bid', edge + 5, 0);
    expect([book.bestBid, book.bestBidSize()]).toEqual([edge, 3]);
    expect(book.windowLow).toBe(968);
    // the mirror: a far ask exactly one tick below the window
    const asks = new L2Book(64, 64);
    const askRef = new ReferenceBook();
    for (let i = 0; i < 5; i++) both(asks, askRef, 'ask', 1000 + i, 10 + i);
    both(asks, askRef, 'bid', 10, 5);
    const below = asks.windowLow - 1;
    both(asks, askRef, 'ask', below, 3);
    both(asks, askRef, 'ask', below - 5, 4);
    both(asks, askRef, 'ask', below - 5, 0);
    expect([asks.bestAsk, asks.bestAskSize()]).toEqual([below, 3]);
    expect(book.checkInvariants()).toBeNull();
    expect(asks.checkInvariants()).toBeNull();
  });

  it('best levels can live far: a far best is reported, merged first, and deleting it falls back correctly', () => {
    const book = new L2Book(64, 64);
    const ref = new ReferenceBook();
    for (let i = 0; i < 5; i++) {
      both(book, ref, 'bid', 1000 - i, 10 + i);
      both(book, ref, 'ask', 1001 + i, 20 + i);
    }
    const low = book.windowLow;
    // A bid a whole range above the asks (crossed inside one message): far, best, and the window stays put.
    both(book, ref, 'bid', 100_000, 7);
    expect(book.bestBid).toBe(100_000);
    expect(book.bestBidSize()).toBe(7);
    expect(book.windowLow).toBe(low);
    expect(top(book, 'bid', 3)).toEqual([
      [100_000, 7],
      [1000, 10],
      [999, 11],
    ]);
    expect(book.checkInvariants()).toMatch(/crossed/);
    both(book, ref, 'bid', 100_000, 0); // back to the best in the window
    expect(book.bestBid).toBe(1000);
    // the mirror on the ask side, below the window
    both(book, ref, 'ask', 500, 8);
    expect(book.bestAsk).toBe(500);
    expect(top(book, 'ask', 3)).toEqual([
      [500, 8],
      [1001, 20],
      [1002, 21],
    ]);
    both(book, ref, 'ask', 500, 0);
    expect(book.bestAsk).toBe(1001);
    // far bids below the window become the best once the window's bids are gone
    both(book, ref, 'bid', 10, 3);
    both(book, ref, 'bid', 20, 4);
    for (let i = 0; i < 5; i++) both(book, ref, 'bid', 1000 - i, 0);
    expect(book.bestBid).toBe(20);
    expect(book.bestBidSize()).toBe(4);
    expect(book.windowLow).toBe(low); // spread of 981 ticks: wider than half the span, the window does not chase
    expect(all(book, 'bid')).toEqual([
      [20, 4],
      [10, 3],
    ]);
    both(book, ref, 'bid', 20, 0);
    expect(book.bestBid).toBe(10);
    // far asks above the window become the best once the window's asks are gone
    both(book, ref, 'ask', 90_000, 5);
    for (let i = 0; i < 5; i++) both(book, ref, 'ask', 1001 + i, 0);
    expect(book.bestAsk).toBe(90_000);
    expect(book.bestAskSize()).toBe(5);
    expect(book.levelCount).toEqual(ref.levelCount);
    expect(book.checkInvariants()).toBeNull();
  });

  it('re-centres on the mid when the top of book drifts within span/8 of an edge, moving levels both ways', () => {
    const span = 64;
    const book = new L2Book(span, span);
    const ref = new ReferenceBook();
    for (let i = 0; i < 10; i++) {
      both(book, ref, 'bid', 1000 - i, 1 + i);
      both(book, ref, 'ask', 1001 + i, 1 + i);
    }
    const lows = new Set<number>([book.windowLow]);
    const inside = (): void => {
      for (const best of [book.bestBid, book.bestAsk]) {
        expect(best).toBeGreaterThanOrEqual(book.windowLow + span / 8);
        expect(best).toBeLessThan(book.windowLow + span - span / 8);
      }
      lows.add(book.windowLow);
    };
    // The touch walks up 300 ticks: the best ask is taken and becomes a bid, a new ask appears 10 ticks up;
    // the bids left behind pass out of the window into the far region.
    for (let touch = 1001; touch < 1301; touch++) {
      both(book, ref, 'ask', touch + 10, 5);
      both(book, ref, 'ask', touch, 0);
      both(book, ref, 'bid', touch, 6);
      inside();
    }
    expect(lows.size).toBeGreaterThan(5);
    expect(book.windowLow).toBeGreaterThan(1300 - span);
    expect(book.sizeAt('bid', 995)).toBe(6);
    expect(book.levelCount).toEqual(ref.levelCount);
    expect(all(book, 'bid')).toEqual(all(ref, 'bid'));
    expect(all(book, 'ask')).toEqual(all(ref, 'ask'));
    expect(book.checkInvariants()).toBeNull();
    // Back down below the start: the bids left behind come back into the window as the touch reaches them
    // (each is the best bid, read from the window, before it is taken), and the asks left behind go far.
    for (let touch = 1300; touch > 950; touch--) {
      both(book, ref, 'bid', touch - 10, 8);
      expect(book.bestBid).toBe(touch);
      expect(book.sizeAt('bid', touch)).toBe(ref.sizeAt('bid', touch));
      both(book, ref, 'bid', touch, 0);
      both(book, ref, 'ask', touch, 7);
      inside();
    }
    expect(book.windowLow).toBeLessThanOrEqual(950);
    expect(book.bestBid).toBe(950);
    expect(book.bestBidSize()).toBe(8);
    expect(book.sizeAt('ask', 1300)).toBe(7);
    expect(all(book, 'bid')).toEqual(all(ref, 'bid'));
    expect(all(book, 'ask')).toEqual(all(ref, 'ask'));
    expect(book.checkInvariants()).toBeNull();
  });

  it('does not chase bests more than span/2 apart, and moves once they come back together', () => {
    const book = new L2Book(64, 64);
    book.set('bid', 1000, 1); // the first price centres the window: [968, 1032)
    expect(book.windowLow).toBe(968);
    book.set('ask', 1040, 2); // far, best, 40 ticks from the bid
    expect(book.windowLow).toBe(968);
    book.set('ask', 1020, 3); // both bests inside [976, 1024): nothing to do
    expect(book.windowLow).toBe(968);
    book.set('ask', 1020, 0);
    expect(book.bestAsk).toBe(1040);
    expect(book.windowLow).toBe(968);
    book.set('bid', 1030, 4); // 10 ticks apart, bid past the edge zone: centre on the mid, 1035
    expect(book.windowLow).toBe(1035 - 32);
    expect(book.sizeAt('bid', 1000)).toBe(1); // now far
    expect(top(book, 'bid', 5)).toEqual([
      [1030, 4],
      [1000, 1],
    ]);
    expect(top(book, 'ask', 5)).toEqual([[1040, 2]]);
    expect(book.checkInvariants()).toBeNull();
  });

  it('a one-sided book centres on its best; clear empties the far region and the next price re-centres', () => {
    const book = new L2Book(16, 64);
    book.set('bid', 1000, 1);
    book.set('bid', 10, 2); // far below
    book.set('bid', 1000, 0); // the far bid is the best and the only level: the window moves to it
    expect(book.bestBid).toBe(10);
    expect(book.windowLow).toBe(10 - 32);
    expect(book.checkInvariants()).toBeNull();
    book.set('bid', 5000, 3);
    book.clear();
    expect(book.levelCount).toEqual({ bids: 0, asks: 0 });
    expect(book.sizeAt('bid', 10)).toBe(0);
    expect(book.sizeAt('bid', 5000)).toBe(0);
    book.set('ask', 1_000_000, 4);
    expect(book.windowLow).toBe(1_000_000 - 32);
    expect(top(book, 'ask', 5)).toEqual([[1_000_000, 4]]);
    expect(book.checkInvariants()).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Differential property test: L2Book against ReferenceBook on random operation streams.

/**
 * A set either names a price (clustered around anchors, see below) or picks the `k`-th best existing level of
 * its side (resolved when the stream runs, k = 0 is the best), so that updates and deletes hit live levels,
 * the best in particular, and not only empty prices.
 */
type Op =
  | { kind: 'set'; side: BookSide; price: number; existing: number | null; size: number }
  | { kind: 'snapshot'; bids: [number, number][]; asks: [number, number][] }
  | { kind: 'clear' }
  | { kind: 'walk'; up: boolean; stride: number; steps: number; size: number };

const CENTRE = 10_000_000;
// Prices cluster around these anchors: most near the top of book, some at medium distance, and far clusters
// (jumps of 150k to 450k ticks, both directions) so the window must grow and the best-level scan must cross
// wide empty stretches; those from 150k ticks out lie beyond the default dense span of 2^16 ticks, so even
// the default book keeps them in its far region.
const ANCHORS = [
  0, 0, 0, 0, 30, -30, 1_000, -1_000, 20_000, -20_000, 150_000, -150_000, 450_000, -300_000, 2_500_000, -4_000_000, 6_000_000,
];
// [initial capacity, maxSpan] of the book under test: from spans far narrower than the clusters (most levels
// far, the window moving all the time) to the default span (only the 150k+ anchors far).
const SHAPES: [number, number][] = [
  [1, 4],
  [3, 16],
  [64, 64],
  [1, 64],
  [64, 4096],
  [4096, 4096],
  [1, DEFAULT_MAX_SPAN],
  [3, DEFAULT_MAX_SPAN],
  [64, DEFAULT_MAX_SPAN],
  [4096, DEFAULT_MAX_SPAN],
];

const priceArb = fc
  .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -12, max: 12 }))
  .map(([anchor, offset]) => CENTRE + anchor + offset);
const sizeArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 1000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 40 }) },
);
const levelArb = fc.tuple(priceArb, sizeArb);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      side: fc.constantFrom<BookSide>('bid', 'ask'),
      price: priceArb,
      existing: fc.option(fc.nat({ max: 6 }), { freq: 2 }),
      size: sizeArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('snapshot' as const),
      bids: fc.array(levelArb, { maxLength: 25 }),
      asks: fc.array(levelArb, { maxLength: 25 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  {
    // The touch walks: many small steps (the window follows the top of book) or jumps wider than the span.
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('walk' as const),
      up: fc.boolean(),
      stride: fc.constantFrom(1, 1, 2, 3, 7, 40, 600, 5_000, 70_000, 1_500_000),
      steps: fc.integer({ min: 1, max: 12 }),
      size: fc.integer({ min: 1, max: 1000 }),
    }),
  },
);

/**
 * One step of a walk, as the three sets an exchange would send when the touch moves by `stride`: up, the best
 * ask is taken and becomes a bid, and a new ask appears `stride` above it; down is the mirror. Levels left
 * behind stay, so the book deepens along the path.
 */
function walkStep(ref: ReferenceBook, op: Extract<Op, { kind: 'walk' }>): [BookSide, number, number][] {
  const bid = ref.bestBid;
  const ask = ref.bestAsk;
  if (op.up) {
    const touch = !Number.isNaN(ask) ? ask : !Number.isNaN(bid) ? bid + 1 : CENTRE;
    return [
      ['ask', touch + op.stride, op.size],
      ['ask', touch, 0],
      ['bid', touch, op.size],
    ];
  }
  const touch = !Number.isNaN(bid) ? bid : !Number.isNaN(ask) ? ask - 1 : CENTRE;
  return [
    ['bid', touch - op.stride, op.size],
    ['bid', touch, 0],
    ['ask', touch, op.size],
  ];
}

function sameNumber(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** Describes the first observable on which the two books differ, or returns null. */
function difference(book: L2Book, ref: ReferenceBook, touched: Iterable<number>, maxSpan: number): string | null {
  if (book.windowSpan > maxSpan) return `window of ${book.windowSpan} ticks exceeds maxSpan ${maxSpan}`;
  if (!sameNumber(book.bestBid, ref.bestBid)) return `bestBid ${book.bestBid} vs ${ref.bestBid}`;
  if (!sameNumber(book.bestAsk, ref.bestAsk)) return `bestAsk ${book.bestAsk} vs ${ref.bestAsk}`;
  if (book.bestBidSize() !== ref.bestBidSize()) return `bestBidSize ${book.bestBidSize()} vs ${ref.bestBidSize()}`;
  if (book.bestAskSize() !== ref.bestAskSize()) return `bestAskSize ${book.bestAskSize()} vs ${ref.bestAskSize()}`;
  const a = book.levelCount;
  const b = ref.levelCount;
  if (a.bids !== b.bids || a.asks !== b.asks) return `levelCount ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  for (const side of ['bid', 'ask'] as const) {
    for (const n of [5, 40]) {
      const ours = JSON.stringify(top(book, side, n));
      const theirs = JSON.stringify(top(ref, side, n));
      if (ours !== theirs) return `topLevels(${side}, ${n}) ${ours} vs ${theirs}`;
    }
    for (const price of touched) {
      for (const p of [price - 1, price, price + 1]) {
        if (book.sizeAt(side, p) !== ref.sizeAt(side, p)) {
          return `sizeAt(${side}, ${p}) ${book.sizeAt(side, p)} vs ${ref.sizeAt(side, p)}`;
        }
      }
    }
  }
  const crossed = ref.bestBid >= ref.bestAsk;
  if (book.isCrossed() !== crossed) return `isCrossed ${book.isCrossed()} vs ${crossed}`;
  const problem = book.checkInvariants();
  if (crossed ? !/crossed/.test(problem ?? '') : problem !== null) return `checkInvariants: ${problem}`;
  return null;
}

/** The price a set applies to: its own, or the k-th best live level of its side when there is one. */
function resolvePrice(ref: ReferenceBook, op: Extract<Op, { kind: 'set' }>): number {
  if (op.existing === null) return op.price;
  const count = op.side === 'bid' ? ref.levelCount.bids : ref.levelCount.asks;
  if (count === 0) return op.price;
  const prices = new Array<number>(Math.min(count, op.existing + 1)).fill(0);
  const n = ref.topLevels(op.side, prices, new Array<number>(prices.length).fill(0));
  return prices[Math.min(op.existing, n - 1)];
}

describe('L2Book against the reference book (property)', () => {
  it('agrees on every observable after every operation, whatever the dense span', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SHAPES), fc.array(opArb, { maxLength: 120 }), ([capacity, maxSpan], ops) => {
        const book = new L2Book(capacity, maxSpan);
        const ref = new ReferenceBook();
        const touched = new Set<number>();
        for (let step = 0; step < ops.length; step++) {
          const op = ops[step];
          let applied: unknown = op;
          if (op.kind === 'set') {
            const price = resolvePrice(ref, op);
            applied = { side: op.side, price, size: op.size };
            book.set(op.side, price, op.size);
            ref.set(op.side, price, op.size);
            touched.add(price);
          } else if (op.kind === 'snapshot') {
            const snap = snapshot(op.bids, op.asks);
            book.applySnapshot(snap);
            ref.applySnapshot(snap);
            for (const [p] of [...op.bids, ...op.asks]) touched.add(p);
          } else if (op.kind === 'walk') {
            // Checked after every set of the walk (the window may move on any of them), sizes at the prices it set.
            for (let k = 0; k < op.steps; k++) {
              const sets = walkStep(ref, op);
              for (const [side, price, size] of sets) {
                book.set(side, price, size);
                ref.set(side, price, size);
                touched.add(price);
                const diff = difference(book, ref, [price], maxSpan);
                if (diff !== null) {
                  throw new Error(`step ${step}.${k} (walk ${JSON.stringify(op)}, ${side} ${price} ${size}): ${diff}`);
                }
              }
            }
          } else {
            book.clear();
            ref.clear();
          }
          const diff = difference(book, ref, touched, maxSpan);
          if (diff !== null) throw new Error(`step ${step} (${JSON.stringify(applied)}): ${diff}`);
        }
      }),
      { seed: 42, numRuns: 400 },
    );
  });
});
