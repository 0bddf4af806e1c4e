import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { onActivity } from '../../src/core/activity.ts';
import { MarketUnits } from '../../src/core/market.ts';
import { ChunkedCacheWriter, openCacheFile, type CacheFile } from '../../src/data/cache.ts';
import type { MarketEvent, OpenMarketEvents } from '../../src/core/events.ts';
import { FLAG_ASK, FLAG_LAST, FLAG_SNAPSHOT_START, Kind, type EventColumns } from '../../src/data/columns.ts';
import { ROOT } from '../spawn-cli.ts';

export const SHARED = join(import.meta.dirname, '../../../shared/data');
export const BTC_TARDIS = join(SHARED, 'binance-tardis/binance_BTCUSDT_2024-08-08T2354_2024-08-09T0005_');

export function units(tickSize: number, lotSize: number, symbol = 'X'): MarketUnits {
  return new MarketUnits({ symbol, tickSize, lotSize, makerFeeBps: 0, takerFeeBps: 0 });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'spreadlab-data-'));
}

/** Writes text to a temp file (gzipped when the name ends in .gz); returns its path. */
export function writeTemp(name: string, text: string, dir = tempDir()): string {
  const path = join(dir, name);
  writeFileSync(path, name.endsWith('.gz') ? gzipSync(text) : text);
  return path;
}

/** Flips 16 bytes near the end of a cache file (inside its columns): its checksum no longer matches. */
export function corruptFile(path: string): void {
  const bytes = readFileSync(path);
  for (let i = 0; i < 16; i++) bytes[bytes.length - 100 + i] ^= 0xff;
  writeFileSync(path, bytes);
}

/** A book state after one complete message. */
export interface BookState {
  localTs: number;
  exchTs: number;
  bestBid: number;
  bestAsk: number;
  bestBidSize: number;
  bestAskSize: number;
  bids: number;
  asks: number;
  /** Order-independent hash of every level (side, price, size). */
  hash: number;
  /** Row index after the message. */
  row: number;
}

/**
 * Replays the book rows of `columns` into a Map book and calls `each` after every complete message: a row
 * with FLAG_LAST, or the end of a snapshot that no delta of the same message follows.
 */
export function forEachMessage(c: EventColumns, each: (state: BookState, book: { bids: Map<number, number>; asks: Map<number, number> }) => void): void {
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  let hash = 0;
  const mix = (ask: boolean, p: number, s: number) => (Math.imul((p * 2 + (ask ? 1 : 0)) | 0, 0x9e3779b1) ^ Math.imul(s | 0, 0x85ebca6b)) >>> 0;
  const set = (ask: boolean, p: number, s: number) => {
    const m = ask ? asks : bids;
    const old = m.get(p);
    if (old !== undefined) hash = (hash - mix(ask, p, old)) >>> 0;
    if (s === 0) m.delete(p);
    else {
      m.set(p, s);
      hash = (hash + mix(ask, p, s)) >>> 0;
    }
  };
  for (let i = 0; i < c.length; i++) {
    const kind = c.kind[i];
    if (kind === Kind.TRADE || kind === Kind.QUOTE) continue;
    const ask = (c.flags[i] & FLAG_ASK) !== 0;
    if (kind === Kind.SNAPSHOT && (c.flags[i] & FLAG_SNAPSHOT_START) !== 0) {
      bids.clear();
      asks.clear();
      hash = 0;
    }
    set(ask, c.price[i], c.size[i]);
    let end = (c.flags[i] & FLAG_LAST) !== 0;
    if (!end && kind === Kind.SNAPSHOT) {
      const j = i + 1;
      end = j >= c.length || !(c.localTs[j] === c.localTs[i] && (c.kind[j] === Kind.DELTA || (c.kind[j] === Kind.SNAPSHOT && (c.flags[j] & FLAG_SNAPSHOT_START) === 0)));
    }
    if (!end) continue;
    let bb = NaN;
    for (const p of bids.keys()) if (!(p <= bb)) bb = p;
    let ba = NaN;
    for (const p of asks.keys()) if (!(p >= ba)) ba = p;
    each(
      { localTs: c.localTs[i], exchTs: c.exchTs[i], bestBid: bb, bestAsk: ba, bestBidSize: bids.get(bb) ?? 0, bestAskSize: asks.get(ba) ?? 0, bids: bids.size, asks: asks.size, hash, row: i + 1 },
      { bids, asks },
    );
  }
}

export function bookStates(c: EventColumns): BookState[] {
  const out: BookState[] = [];
  forEachMessage(c, (s) => out.push(s));
  return out;
}

export function countKinds(c: EventColumns): Record<string, number> {
  const names = ['delta', 'snapshot', 'trade', 'quote'];
  const out: Record<string, number> = {};
  for (let i = 0; i < c.length; i++) out[names[c.kind[i]]] = (out[names[c.kind[i]]] ?? 0) + 1;
  return out;
}

/** A comparable copy of an event (sources reuse their objects). */
export function eventFields(e: MarketEvent): string {
  if (e.kind === 'snapshot') return JSON.stringify([e.kind, e.exchTs, e.localTs, e.bidPrices, e.bidSizes, e.askPrices, e.askSizes]);
  return JSON.stringify(e);
}

/** Every event of one open, as eventFields. */
export function allEventFields(open: OpenMarketEvents): string[] {
  const source = open();
  const out: string[] = [];
  for (let e = source.next(); e; e = source.next()) out.push(eventFields(e));
  return out;
}

/** Writes `rows` rows of the columns as a cache file (cache.ts ChunkedCacheWriter) at `path`; returns the path. */
export function writeCacheFile(path: string, c: Omit<EventColumns, 'length'>, rows: number): string {
  const writer = new ChunkedCacheWriter(path);
  writer.append(c, rows);
  writer.finish({ format: 'test', symbol: 'T', lines: 0, dropped: 0, gaps: 0 }, []);
  return path;
}

/** A cache file opened to be checked as its rows are read (cache.ts openCacheFile 'as-read'). */
export const openAsRead = (path: string) => openCacheFile(path, 'as-read') as CacheFile;

/** Flips one byte of a file at `at` (from its end when negative). */
export function flip(path: string, at: number): void {
  const b = readFileSync(path);
  b[at < 0 ? b.length + at : at] ^= 0x40;
  writeFileSync(path, b);
}

/** An activity as a test sees it (core/activity.ts): its label, the fractions it was advanced to, how often it was done. */
export interface SeenActivity {
  label: string;
  fractions: number[];
  done: number;
}

/** The activities started while `run` runs, in order. */
export async function activitiesOf(run: () => Promise<unknown>): Promise<SeenActivity[]> {
  const seen: SeenActivity[] = [];
  const restore = onActivity((label) => {
    const activity: SeenActivity = { label, fractions: [], done: 0 };
    seen.push(activity);
    return { update: (f) => activity.fractions.push(f), done: () => activity.done++ };
  });
  try {
    await run();
  } finally {
    restore();
  }
  return seen;
}

/** The crafted files' first time, µs. */
const T0 = 1_700_000_000_000_000;

/**
 * A small tardis book and trades pair: snapshots whose bid and ask rows alternate (the entry stores them
 * bids first), deltas, and trades that reach the capture 25 µs late (so the venue order differs from the
 * feed's); with `farPrint`, one trade far below the book.
 */
export function craftedFiles(farPrint = false): { path: string; display: string }[] {
  const dir = tempDir();
  const book = ['exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount'];
  const snapshot = (ts: number, mid: number) => {
    for (let k = 1; k <= 3; k++) {
      book.push(`binance,X,${ts},${ts + 3},true,bid,${mid - k},${k}`);
      book.push(`binance,X,${ts},${ts + 3},true,ask,${mid + k},${k + 1}`);
    }
  };
  const trades = ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount'];
  snapshot(T0, 100);
  for (let i = 1; i <= 60; i++) {
    const ts = T0 + i * 10;
    if (i === 30) snapshot(ts, 101);
    else book.push(`binance,X,${ts},${ts + 3},false,${i % 2 ? 'bid' : 'ask'},${i % 2 ? 99 - (i % 3) : 101 + (i % 3)},${(i % 4) + 1}`);
    if (i % 3 === 0) trades.push(`binance,X,${ts},${ts + 25},${i},${i % 2 ? 'sell' : 'buy'},${farPrint && i === 45 ? 1 : 100},0.5`);
  }
  return [
    { path: writeTemp('x_incremental_book_L2.csv', `${book.join('\n')}\n`, dir), display: 'book' },
    { path: writeTemp('x_trades.csv', `${trades.join('\n')}\n`, dir), display: 'trades' },
  ];
}

/** The file of dist/chunks/ that exports `name` (esbuild splits modules by the entries and lazy imports that reach them), as a URL to import; undefined when none does. */
export function distChunkExporting(name: string): string | undefined {
  const chunks = join(ROOT, 'dist/chunks');
  const file = readdirSync(chunks).find((chunk) => new RegExp(`^export \\{[^}]*\\b${name}\\b`, 'm').test(readFileSync(join(chunks, chunk), 'utf8')));
  return file === undefined ? undefined : pathToFileURL(join(chunks, file)).href;
}
