import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { L2Book } from '../../src/book/l2-book.ts';
import { ReferenceBook } from '../../src/book/reference-book.ts';
import type { BookSide, BookSnapshot } from '../../src/data/events.ts';

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
    book.applySnapshot(snapshot([[100, 5], [99, 3], [98, 1]], [[101, 4], [102, 2]]));
    book.set('bid', 97, 7);
    book.set('ask', 110, 9);
    book.applySnapshot(snapshot([[95, 1]], [[105, 2], [106, 3]]));
    expect(book.bestBid).toBe(95);
    expect(book.bestAsk).toBe(105);
    expect(book.levelCount).toEqual({ bids: 1, asks: 2 });
    for (const p of [97, 98, 99, 100]) expect(book.sizeAt('bid', p)).toBe(0);
    for (const p of [101, 102, 110]) expect(book.sizeAt('ask', p)).toBe(0);
    expect(top(book, 'ask', 5)).toEqual([[105, 2], [106, 3]]);
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
    book.applySnapshot(snapshot([[100, 5], [99, 3]], [[101, 4], [102, 2]]));
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
    book.applySnapshot(snapshot([[100, 5], [97, 3], [90, 1]], [[101, 4], [104, 2], [120, 6]]));
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
    book.applySnapshot(snapshot([[95, 1], [100, 2], [98, 3], [90, 4]], [[110, 5], [103, 6], [101, 7]]));
    expect(top(book, 'bid', 3)).toEqual([[100, 2], [98, 3], [95, 1]]);
    expect(top(book, 'bid', 10)).toEqual([[100, 2], [98, 3], [95, 1], [90, 4]]);
    expect(top(book, 'ask', 2)).toEqual([[101, 7], [103, 6]]);
    expect(top(book, 'ask', 10)).toEqual([[101, 7], [103, 6], [110, 5]]);
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
  | { kind: 'clear' };

const CENTRE = 10_000_000;
// Prices cluster around these anchors: most near the top of book, some at medium distance, and far clusters
// (jumps of 150k to 450k ticks, both directions) so the window must grow and the best-level scan must cross
// wide empty stretches.
const ANCHORS = [0, 0, 0, 0, 30, -30, 1_000, -1_000, 20_000, -20_000, 150_000, -150_000, 450_000, -300_000];

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
);

function sameNumber(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** Describes the first observable on which the two books differ, or returns null. */
function difference(book: L2Book, ref: ReferenceBook, touched: Set<number>): string | null {
  if (!sameNumber(book.bestBid, ref.bestBid)) return `bestBid ${book.bestBid} vs ${ref.bestBid}`;
  if (!sameNumber(book.bestAsk, ref.bestAsk)) return `bestAsk ${book.bestAsk} vs ${ref.bestAsk}`;
  if (book.bestBidSize() !== ref.bestBidSize()) return `bestBidSize ${book.bestBidSize()} vs ${ref.bestBidSize()}`;
  if (book.bestAskSize() !== ref.bestAskSize()) return `bestAskSize ${book.bestAskSize()} vs ${ref.bestAskSize()}`;
  const a = book.levelCount;
  const b = ref.levelCount;
  if (a.bids !== b.bids || a.asks !== b.asks) return `levelCount ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  for (const side of ['bid', 'ask'] as const) {
    const ours = JSON.stringify(top(book, side, 5));
    const theirs = JSON.stringify(top(ref, side, 5));
    if (ours !== theirs) return `topLevels(${side}, 5) ${ours} vs ${theirs}`;
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
  it('agrees on every observable after every operation', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 3, 64, 4096), fc.array(opArb, { maxLength: 120 }), (capacity, ops) => {
        const book = new L2Book(capacity);
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
          } else {
            book.clear();
            ref.clear();
          }
          const diff = difference(book, ref, touched);
          if (diff !== null) throw new Error(`step ${step} (${JSON.stringify(applied)}): ${diff}`);
        }
      }),
      { seed: 42, numRuns: 400 },
    );
  });
});
