import { OrderBook } from 'tardis-dev/dist/orderbook.js';
import type { BookChange, BookPriceLevel } from 'tardis-dev/dist/types.js';
import { L2Book } from '../src/book/l2-book.ts';
import { Rng } from '../src/core/rng.ts';
import type { BookSide, BookSnapshot } from '../src/core/events.ts';
import { fastestOf, packageVersion, type BenchRow } from './report.ts';

/**
 * L2 book benchmark: our tick-indexed L2Book against tardis-dev's OrderBook (a red-black tree of decimal
 * price levels) on one seeded stream of a BTC-like book.
 *
 * The stream, generated once before any timing:
 * - tick 0.1 USD, lot 0.001 BTC, starting near 60,000 USD; a snapshot of SNAPSHOT_LEVELS levels a side;
 * - then UPDATES level updates (absolute sizes). The touch (best bid / best ask boundary) random-walks; when
 *   it moves, the levels it crosses are deleted. Most updates land a few ticks from the touch (exponential
 *   distance, mean DISTANCE_MEAN ticks), a few deep in the book; about a tenth are deletes of live levels.
 * Both books consume pre-built inputs: ours reads the integer tick/lot arrays, tardis reads BookChange
 * objects (one level each, decimal price/amount) built before timing. Each timed run builds a fresh book,
 * applies the snapshot and every update, and reads best bid and best ask after every update. One warm-up
 * run each, then the best of three. Both runs' best bid/ask checksums must agree, or the benchmark throws.
 */

const TICK = 0.1;
const LOT = 0.001;
const START_TICKS = 600_000;
const SNAPSHOT_LEVELS = 1000;
const UPDATES = 2_000_000;
const DISTANCE_MEAN = 12;
const SEED = 'bench/book';
const RUNS = 3;

export interface BookStream {
  snapshot: BookSnapshot;
  sides: BookSide[];
  prices: Float64Array;
  sizes: Float64Array;
  count: number;
  deletes: number;
}

function drawSize(rng: Rng): number {
  return Math.max(1, Math.round(rng.lognormal(40, 1.5)));
}

export function generateStream(rng: Rng): BookStream {
  const sides: BookSide[] = new Array<BookSide>(UPDATES);
  const prices = new Float64Array(UPDATES);
  const sizes = new Float64Array(UPDATES);
  // The generator's own view of the book, to aim deletes at live levels and to clear what the touch crosses.
  const state = new L2Book();
  let count = 0;
  let deletes = 0;
  const emit = (side: BookSide, price: number, size: number): void => {
    if (count === UPDATES) return;
    sides[count] = side;
    prices[count] = price;
    sizes[count] = size;
    count++;
    if (size === 0) deletes++;
    state.set(side, price, size);
  };

  // Bids at or below `touch`, asks at or above touch + 1.
  let touch = START_TICKS;
  const snapshot: BookSnapshot = {
    kind: 'snapshot',
    exchTs: 0,
    localTs: 0,
    bidPrices: [],
    bidSizes: [],
    askPrices: [],
    askSizes: [],
  };
  for (let i = 0, bid = touch, ask = touch + 1; i < SNAPSHOT_LEVELS; i++) {
    snapshot.bidPrices.push(bid);
    snapshot.bidSizes.push(drawSize(rng));
    snapshot.askPrices.push(ask);
    snapshot.askSizes.push(drawSize(rng));
    bid -= 1 + Math.floor(rng.exponential(2));
    ask += 1 + Math.floor(rng.exponential(2));
  }
  state.applySnapshot(snapshot);

  const distance = (): number => (rng.uniform() < 0.02 ? rng.int(0, 1500) : Math.floor(rng.exponential(1 / DISTANCE_MEAN)));

  while (count < UPDATES) {
    const r = rng.uniform();
    if (r < 0.02) {
      // The touch moves 1 to 4 ticks; the crossed levels of the other side are deleted, a new best appears.
      const step = rng.uniform() < 0.8 ? 1 : rng.int(2, 4);
      if (rng.uniform() < 0.5) {
        for (let p = touch + 1; p <= touch + step; p++) if (state.sizeAt('ask', p) > 0) emit('ask', p, 0);
        touch += step;
        emit('bid', touch, drawSize(rng));
      } else {
        for (let p = touch; p > touch - step; p--) if (state.sizeAt('bid', p) > 0) emit('bid', p, 0);
        touch -= step;
        emit('ask', touch + 1, drawSize(rng));
      }
    } else if (r < 0.105) {
      // Delete a live level: the first one at or beyond a drawn distance from the touch.
      const side: BookSide = rng.uniform() < 0.5 ? 'bid' : 'ask';
      const d = distance();
      for (let k = 0; k < 64; k++) {
        const price = side === 'bid' ? touch - d - k : touch + 1 + d + k;
        if (state.sizeAt(side, price) > 0) {
          emit(side, price, 0);
          break;
        }
      }
    } else {
      const side: BookSide = rng.uniform() < 0.5 ? 'bid' : 'ask';
      const d = distance();
      emit(side, side === 'bid' ? touch - d : touch + 1 + d, drawSize(rng));
    }
  }
  return { snapshot, sides, prices, sizes, count, deletes };
}

function toTardis(stream: BookStream): { snapshot: BookChange; changes: BookChange[] } {
  const timestamp = new Date(0);
  const empty: BookPriceLevel[] = [];
  const change = (isSnapshot: boolean, bids: BookPriceLevel[], asks: BookPriceLevel[]): BookChange => ({
    type: 'book_change',
    symbol: 'BTCUSDT',
    exchange: 'binance',
    isSnapshot,
    bids,
    asks,
    timestamp,
    localTimestamp: timestamp,
  });
  const { snapshot: s } = stream;
  const levels = (prices: number[], sizes: number[]): BookPriceLevel[] =>
    prices.map((price, i) => ({ price: price * TICK, amount: sizes[i] * LOT }));
  const snapshot = change(true, levels(s.bidPrices, s.bidSizes), levels(s.askPrices, s.askSizes));
  const changes = new Array<BookChange>(stream.count);
  for (let i = 0; i < stream.count; i++) {
    const level = [{ price: stream.prices[i] * TICK, amount: stream.sizes[i] * LOT }];
    changes[i] = stream.sides[i] === 'bid' ? change(false, level, empty) : change(false, empty, level);
  }
  return { snapshot, changes };
}

/** Applies the stream to our book; returns the checksum of best bid + best ask after every update. */
function runOurs(stream: BookStream): number {
  const { sides, prices, sizes, count } = stream;
  const book = new L2Book();
  book.applySnapshot(stream.snapshot);
  let checksum = 0;
  for (let i = 0; i < count; i++) {
    book.set(sides[i], prices[i], sizes[i]);
    checksum += book.bestBid + book.bestAsk;
  }
  return checksum;
}

/** The same for tardis-dev's book; its checksum is in decimal prices. */
function runTardis(snapshot: BookChange, changes: BookChange[]): number {
  const book = new OrderBook();
  book.update(snapshot);
  let checksum = 0;
  for (let i = 0; i < changes.length; i++) {
    book.update(changes[i]);
    checksum += (book.bestBid()?.price ?? NaN) + (book.bestAsk()?.price ?? NaN);
  }
  return checksum;
}

export async function benchBook(): Promise<BenchRow[]> {
  const stream = generateStream(new Rng(SEED));
  const tardis = toTardis(stream);
  console.log(
    `book stream: snapshot ${SNAPSHOT_LEVELS}+${SNAPSHOT_LEVELS} levels, ${stream.count.toLocaleString('en-US')} ` +
      `updates, ${((100 * stream.deletes) / stream.count).toFixed(1)}% deletes, seed '${SEED}'`,
  );
  const ours = await fastestOf(RUNS, () => runOurs(stream));
  const peer = await fastestOf(RUNS, () => runTardis(tardis.snapshot, tardis.changes));
  // Same best bid/ask after every update: the peer's decimal sum, in ticks, equals ours up to float rounding.
  if (!(Math.abs(peer.value / TICK - ours.value) <= 1e-9 * Math.abs(ours.value))) {
    throw new Error(`book bench: best bid/ask disagree (ours ${ours.value}, tardis ${peer.value / TICK} ticks)`);
  }
  return [
    {
      name: 'L2 book: apply update + read best bid/ask',
      ours: stream.count / ours.seconds,
      peer: stream.count / peer.seconds,
      unit: 'updates/s',
      peerName: `tardis-dev ${packageVersion('tardis-dev')} OrderBook`,
    },
  ];
}
