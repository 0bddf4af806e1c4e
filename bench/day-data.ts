import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import { TARDIS_HEADERS } from '../src/data/tardis/reader.ts';

/**
 * A generated Binance-USD-M-futures-like BTCUSDT day, written as tardis.dev CSV.gz (incremental_book_L2 and
 * trades), for the day benchmark (day.ts). Bench code, not a market model: the book only has to stay
 * consistent (never crossed between messages, no delete of an absent level) and the stream has to look
 * like the real one in volume and shape.
 *
 * Shape, set by the Binance USD-M BTCUSDT capture in ../shared/data (2024-08-08, 345 s: 19 depth messages
 * a second of about 68 level changes each, so 1,286 book rows/s, and 62 trades/s):
 * - tick 0.1, lot 0.001, the mid near 60,000 moving by a tick or two at about a third of the messages; a
 *   1,000-level snapshot a side at 00:00 (as Binance's REST snapshot), then depth messages at exponential
 *   gaps (mean `1 / messagesPerSecond`), each changing `rowsPerMessage` levels on average, placed at a
 *   geometric distance from the touch (mean 40 ticks) with lognormal sizes, 15 % of them deletes;
 * - trades at exponential gaps (mean `1 / tradesPerSecond`), the taker side a coin toss, taking at most
 *   the best level's size (lognormal, median 0.01 BTC); a trade that empties the best level is followed by
 *   a depth message deleting it;
 * - exchange times in whole ms (Binance's event time), local times in µs: the depth feed 2 ms + an
 *   exponential 3 ms behind, trades 1 ms + an exponential 6 ms behind (so the venue's exchange-time order
 *   differs from the feed's), each file's local_timestamp strictly increasing per message.
 * The default intensity: the capture's message rate with about half its level changes a message; with the
 * touch moves and the trades' depth updates that makes about 755 book rows/s: 65.2 M book rows and 3.0 M
 * trades a day (measured). Seeded: the same options give the same bytes.
 */
export interface DayOptions {
  dir: string;
  seed: number;
  seconds: number;
  messagesPerSecond: number;
  rowsPerMessage: number;
  tradesPerSecond: number;
}

export const DAY_DEFAULTS = { seed: 1, seconds: 86_400, messagesPerSecond: 19, rowsPerMessage: 37, tradesPerSecond: 35 } as const;

export const DAY_MARKET = { symbol: 'BTCUSDT', tickSize: 0.1, lotSize: 0.001 } as const;

const DAY_START_US = Date.UTC(2025, 0, 1) * 1000;
const LEVELS = 1000;
const PREFIX = 'binance-futures_BTCUSDT_2025-01-01';

export function dayFiles(dir: string): { book: string; trades: string } {
  return { book: join(dir, `${PREFIX}_incremental_book_L2.csv.gz`), trades: join(dir, `${PREFIX}_trades.csv.gz`) };
}

/** Writes the day unless both files are there already (a `.done` marker is written last); returns the paths. */
export async function ensureDay(options: DayOptions): Promise<{ book: string; trades: string; generated: boolean }> {
  const files = dayFiles(options.dir);
  const done = join(options.dir, `${PREFIX}.done`);
  const stamp = JSON.stringify(options);
  if (existsSync(done) && existsSync(files.book) && existsSync(files.trades)) return { ...files, generated: false };
  mkdirSync(options.dir, { recursive: true });
  rmSync(done, { force: true });
  await writeDay(options, files);
  writeFileSync(done, stamp);
  return { ...files, generated: true };
}

/** mulberry32: a small fast seeded generator (bench data only). */
function random32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class GzipLines {
  private batch = '';
  private readonly gzip: Gzip;
  private readonly done: Promise<unknown>;

  constructor(
    private readonly path: string,
    header: string,
  ) {
    this.gzip = createGzip({ level: 1 });
    const out = createWriteStream(`${path}.partial`);
    this.gzip.pipe(out);
    this.done = once(out, 'close');
    this.batch = `${header}\n`;
  }

  add(line: string): void {
    this.batch += line;
  }

  /** Hands the batch to gzip when it is large; waits when gzip asks to. */
  async flush(force = false): Promise<void> {
    if (!force && this.batch.length < 1 << 20) return;
    const more = this.gzip.write(this.batch);
    this.batch = '';
    if (!more) await once(this.gzip, 'drain');
  }

  async close(): Promise<void> {
    await this.flush(true);
    this.gzip.end();
    await this.done;
    renameSync(`${this.path}.partial`, this.path);
  }
}

function price(ticks: number): string {
  const whole = Math.floor(ticks / 10);
  const tenth = ticks - whole * 10;
  return tenth === 0 ? String(whole) : `${whole}.${tenth}`;
}

function amount(lots: number): string {
  const whole = Math.floor(lots / 1000);
  let frac = String(lots - whole * 1000).padStart(3, '0');
  while (frac.endsWith('0')) frac = frac.slice(0, -1);
  return frac === '' ? String(whole) : `${whole}.${frac}`;
}

async function writeDay(o: DayOptions, files: { book: string; trades: string }): Promise<void> {
  const rand = random32(o.seed);
  const exponential = (mean: number) => -Math.log(1 - rand()) * mean;
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const lognormal = (median: number, sigma: number) => median * Math.exp(sigma * normal());
  const levelSize = (distance: number) => Math.max(1, Math.round(lognormal(distance === 0 ? 3000 : 400, 1)));

  // Sizes by tick, bids and asks, in a window wide enough for a day's drift.
  const SPAN = 1 << 20;
  const base = 600_000 - SPAN / 2;
  const bids = new Float64Array(SPAN);
  const asks = new Float64Array(SPAN);
  let bestBid = 600_000;
  let bestAsk = 600_001;

  const book = new GzipLines(files.book, TARDIS_HEADERS.incremental_book_L2);
  const trades = new GzipLines(files.trades, TARDIS_HEADERS.trades);
  const head = 'binance-futures,BTCUSDT';
  let bookLocal = 0;
  let tradeLocal = 0;
  let tradeId = 1;
  const row = (exch: number, local: number, snapshot: boolean, ask: boolean, ticks: number, lots: number) =>
    book.add(`${head},${exch},${local},${snapshot},${ask ? 'ask' : 'bid'},${price(ticks)},${amount(lots)}\n`);

  // The snapshot at the start of the day.
  const snapLocal = DAY_START_US + 3000;
  for (let k = 0; k < LEVELS; k++) {
    bids[bestBid - k - base] = levelSize(k);
    row(DAY_START_US, snapLocal, true, false, bestBid - k, bids[bestBid - k - base]);
  }
  for (let k = 0; k < LEVELS; k++) {
    asks[bestAsk + k - base] = levelSize(k);
    row(DAY_START_US, snapLocal, true, true, bestAsk + k, asks[bestAsk + k - base]);
  }
  bookLocal = snapLocal;

  /** Sets one level inside a depth message. */
  const set = (exch: number, local: number, ask: boolean, ticks: number, lots: number) => {
    const side = ask ? asks : bids;
    if (side[ticks - base] === lots) return;
    side[ticks - base] = lots;
    row(exch, local, false, ask, ticks, lots);
  };
  const bookMessageLocal = (exch: number) => {
    bookLocal = Math.max(bookLocal + 1, Math.round(exch + 2000 + exponential(3000)));
    return bookLocal;
  };

  const end = DAY_START_US + o.seconds * 1e6;
  let nextMessage = DAY_START_US + exponential(1e6 / o.messagesPerSecond);
  let nextTrade = DAY_START_US + exponential(1e6 / o.tradesPerSecond);
  for (;;) {
    if (nextMessage <= nextTrade) {
      if (nextMessage >= end) break;
      const exch = Math.floor(nextMessage / 1000) * 1000;
      const local = bookMessageLocal(exch);
      // The touch moves a tick or two at about a third of the messages.
      const u = rand();
      const move = u < 0.15 ? 1 : u < 0.3 ? -1 : u < 0.33 ? 2 : u < 0.36 ? -2 : 0;
      for (let m = 0; m < move; m++) {
        set(exch, local, true, bestAsk, 0);
        bestAsk++;
        if (asks[bestAsk - base] === 0) set(exch, local, true, bestAsk, levelSize(0));
        bestBid++;
        set(exch, local, false, bestBid, levelSize(0));
      }
      for (let m = 0; m > move; m--) {
        set(exch, local, false, bestBid, 0);
        bestBid--;
        if (bids[bestBid - base] === 0) set(exch, local, false, bestBid, levelSize(0));
        bestAsk--;
        set(exch, local, true, bestAsk, levelSize(0));
      }
      // Level changes, most of them near the touch; never the best level itself (moves handle it).
      const changes = Math.round(exponential(o.rowsPerMessage));
      for (let c = 0; c < changes; c++) {
        const ask = rand() < 0.5;
        const distance = 1 + Math.min(LEVELS - 2, Math.floor(exponential(40)));
        const ticks = ask ? bestAsk + distance : bestBid - distance;
        const current = (ask ? asks : bids)[ticks - base];
        set(exch, local, ask, ticks, current > 0 && rand() < 0.15 ? 0 : levelSize(distance));
      }
      nextMessage += exponential(1e6 / o.messagesPerSecond);
    } else {
      if (nextTrade >= end) break;
      const exch = Math.floor(nextTrade / 1000) * 1000;
      const sell = rand() < 0.5;
      const ticks = sell ? bestBid : bestAsk;
      const side = sell ? bids : asks;
      const available = side[ticks - base];
      const lots = Math.max(1, Math.min(available, Math.round(lognormal(10, 1.5))));
      tradeLocal = Math.max(tradeLocal + 1, Math.round(exch + 1000 + exponential(6000)));
      trades.add(`${head},${exch},${tradeLocal},${tradeId++},${sell ? 'sell' : 'buy'},${price(ticks)},${amount(lots)}\n`);
      // The depth update that shows it: the level shrinks, or goes and the next one becomes the touch.
      const local = bookMessageLocal(exch);
      if (lots < available) set(exch, local, !sell, ticks, available - lots);
      else if (sell) {
        set(exch, local, false, ticks, 0);
        bestBid--;
        while (bids[bestBid - base] === 0) bestBid--;
      } else {
        set(exch, local, true, ticks, 0);
        bestAsk++;
        while (asks[bestAsk - base] === 0) bestAsk++;
      }
      nextTrade += exponential(1e6 / o.tradesPerSecond);
    }
    await book.flush();
    await trades.flush();
  }
  await book.close();
  await trades.close();
}
