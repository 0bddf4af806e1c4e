import { basename } from 'node:path';
import type { MarketUnits } from '../../core/market.ts';
import { L2Book } from '../../book/l2-book.ts';
import { ColumnsBuilder, FLAG_ASK, FLAG_SNAPSHOT_START, Kind, type ColumnsSpill, type EventColumns } from '../columns.ts';
import { describeDecimalError, formatSteps, parseSteps, parseUint, scanned, scanScaled, scanUint, stepScale, toSteps, type StepScale } from '../decimal.ts';
import { defineFileFormat, type Decoded } from '../format.ts';
import { contentSample, lineChunks } from '../input.ts';
import { clockOffsetProblem, ProblemLog, shown } from '../problems.ts';

/**
 * tardis.dev CSV reader (plain or .gz): the fast path. It scans bytes, splits fields on commas and parses
 * numbers in place (no per-row strings), decoding straight into EventColumns; the common incremental_book_L2
 * row is read in a single pass without the split (plainBookRow), every other row by the rules below.
 * csv-parse is the reference it is tested against (test/data/tardis/differential.test.ts), not the general path.
 *
 * Rules (tardis.dev's documented semantics):
 * - The header names the type: incremental_book_L2, trades, quotes, book_snapshot_N. Any other header is
 *   an error at line 1. Every row must have the header's column count.
 * - Timestamps are integer µs: `timestamp` → exchTs, `local_timestamp` → localTs. local_timestamp must not
 *   go backwards (a row that does is a problem; under `skip` it is dropped).
 * - Prices and amounts must be whole ticks/lots of the scenario market (exact decimal parse, no float).
 * - incremental_book_L2: rows with the same local_timestamp form one exchange message; FLAG_LAST marks the
 *   last row of a message (a snapshot-only message too), and the book is checked (not crossed) only between messages. A run of
 *   is_snapshot=true rows is a snapshot that replaces the whole book (a new run starts a new snapshot, also
 *   right after deltas). amount is the level's new absolute size; 0 deletes it. Deltas before the first
 *   snapshot are a problem (reported once); under `skip` they are dropped, which is tardis's own rule.
 * - trades: `side` is the taker's side; 'unknown' trades are dropped and counted (the venue needs a side).
 * - quotes: an empty price/amount pair means that side is absent (NaN price, size 0).
 * - book_snapshot_N: each row is a top-N snapshot that replaces the whole book (levels beyond N vanish);
 *   empty fields end a side.
 * - One symbol per file: a row with another symbol is a problem.
 * - A row whose timestamp and local_timestamp differ by more than MAX_CLOCK_OFFSET_SECONDS (problems.ts) is a
 *   problem (a clock error); so is a price of 0.
 * - A row identical to the row before it is a duplicate (a problem), except a trade without an id, which
 *   cannot be told apart from a second print of the same size at the same µs.
 * - Format `tardis` (formats.ts): detected by a tardis.dev CSV header, or any first line starting
 *   `exchange,symbol,` (a header that starts like tardis's is read as tardis, so a wrong header is reported
 *   precisely). Each file is a decode unit of its own (book, trades, quotes and days are merged by the
 *   replay); it decodes in chunks for streaming. `data convert` names the exchange by the file name's first
 *   `_`-separated part. No sequence numbers, so no gaps.
 * Known limits: no quoted fields (tardis never quotes these numeric files); derivative_ticker, liquidations
 * and options_chain are not read.
 */
export const TARDIS_HEADERS = {
  incremental_book_L2: 'exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount',
  trades: 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount',
  quotes: 'exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount',
} as const;

export type TardisType = keyof typeof TARDIS_HEADERS | 'book_snapshot';

export function bookSnapshotHeader(levels: number): string {
  const parts = ['exchange', 'symbol', 'timestamp', 'local_timestamp'];
  for (let i = 0; i < levels; i++) parts.push(`asks[${i}].price`, `asks[${i}].amount`, `bids[${i}].price`, `bids[${i}].amount`);
  return parts.join(',');
}

/** Recognises a tardis header line; null when it is not one. */
export function tardisTypeOf(header: string): { type: TardisType; levels: number; columns: number } | null {
  const h = header.replace(/\r$/, '').replace(/^\uFEFF/, '');
  for (const [type, expected] of Object.entries(TARDIS_HEADERS)) {
    if (h === expected) return { type: type as TardisType, levels: 0, columns: 8 };
  }
  const m = /^exchange,symbol,timestamp,local_timestamp,asks\[0\]\.price/.exec(h);
  if (m) {
    const levels = (h.split(',').length - 4) / 4;
    if (Number.isInteger(levels) && levels > 0 && h === bookSnapshotHeader(levels)) return { type: 'book_snapshot', levels, columns: 4 + 4 * levels };
  }
  return null;
}

export interface DecodeOptions {
  units: MarketUnits;
  problems: ProblemLog;
  /** The name used in messages (the path as the user wrote it). */
  display: string;
}

export interface DecodedFile {
  columns: EventColumns;
  format: string;
  exchange: string;
  symbol: string;
  /** Data lines read (not counting the header). */
  lines: number;
  /** Rows dropped by a documented rule, not as a problem (e.g. trades with side 'unknown'). */
  dropped: number;
}

export const tardisFormat = defineFileFormat({
  name: 'tardis',
  description: 'a tardis.dev CSV header',
  detect: { firstLine: (line) => tardisTypeOf(line) !== null || line.startsWith('exchange,symbol,') },
  decode: async ([file], options) => tardisDecoded(await readTardisFile(file.path, { ...options, display: file.display })),
  decodeChunked: async ([file], options, rows, spill) => tardisDecoded(await readTardisFile(file.path, { ...options, display: file.display }, { rows, spill })),
  estimate: ([file]) => tardisEstimate(file.path, file.display),
  exchange: ([file]) => basename(file.path).split('_')[0],
});

/** A tardis file's decode as a unit's. */
function tardisDecoded(r: DecodedFile): Decoded {
  return { columns: r.columns, format: r.format, symbol: r.symbol, lines: r.lines, dropped: r.dropped, gaps: 0 };
}

/** Reads a whole file; with `chunks`, rows are handed to its spill `rows` at a time and only the rest is returned. */
export async function readTardisFile(path: string, options: DecodeOptions, chunks?: { rows: number; spill: ColumnsSpill }): Promise<DecodedFile> {
  let decoder: TardisDecoder | null = null;
  for await (const chunk of lineChunks(path, options.display)) {
    // size the column builder once, instead of growing it by doubling
    decoder ??= new TardisDecoder(options, chunks ? chunks.rows : Math.min(1 << 26, tardisEstimate(path, options.display)?.rowsAtMost ?? 1 << 16), chunks?.spill);
    decoder.feed(chunk);
  }
  return (decoder ?? new TardisDecoder(options)).finish();
}

/**
 * What a tardis file's decode will hold, estimated from its start (input.ts contentSample), so that its
 * cache entry can be written in place (cache.ts ChunkedCacheWriter): about how many rows at most (the
 * content's size over the mean length of the sample's lines that are not empty, times the rows a line held
 * at most in the sample: a book_snapshot_N line one per level present, up to 2N; any other line one), 5 %
 * more and 1024, and whether price2/size2 are used (a quotes file). Null when the sample holds no data line
 * (an empty file, a start that does not gunzip): nothing to go on.
 */
export function tardisEstimate(path: string, display = path): { rowsAtMost: number; secondValues: boolean } | null {
  const { bytes, sample } = contentSample(path, display);
  const text = sample.toString('latin1', 0, sample.lastIndexOf(10) + 1); // whole lines only; one byte a char
  const lines = text.split('\n').filter((line) => line.length > 0 && line !== '\r');
  if (lines.length < 2) return null;
  const type = tardisTypeOf(lines[0]);
  const lineBytes = lines.reduce((sum, line) => sum + line.length + 1, 0);
  let rowsPerLine = 1;
  if (type?.type === 'book_snapshot') for (const line of lines.slice(1)) rowsPerLine = Math.max(rowsPerLine, levelsIn(line));
  return {
    rowsAtMost: Math.ceil((bytes / (lineBytes / lines.length)) * rowsPerLine * 1.05) + 1024,
    secondValues: type?.type === 'quotes',
  };
}

/** The levels a book_snapshot line holds: its price fields that are not empty (asks[i].price, bids[i].price). */
function levelsIn(line: string): number {
  const fields = line.split(',');
  let levels = 0;
  for (let i = 4; i < fields.length; i += 2) if (fields[i] !== '') levels++;
  return levels;
}

const MAX_FIELDS = 4 + 4 * 1000;

class TardisDecoder {
  private readonly out: ColumnsBuilder;
  private readonly book = new L2Book();
  private readonly tick: StepScale;
  private readonly lot: StepScale;
  private readonly problems: ProblemLog;
  private readonly display: string;
  private type: TardisType | null = null;
  private levels = 0;
  private columnCount = 0;
  private line = 0;
  private readonly starts = new Int32Array(MAX_FIELDS + 1);
  private readonly ends = new Int32Array(MAX_FIELDS + 1);
  private symbolBytes: Buffer | null = null;
  /** `exchange,symbol,` of the first data row, once it is known (incremental_book_L2 only): the start every row of the fast path repeats. */
  private bookRowPrefix: Buffer | null = null;
  private exchange = '';
  private dropped = 0;
  // message state (incremental_book_L2)
  private groupTs = -Infinity;
  private groupFirstLine = 0;
  private groupLastLine = 0;
  private inSnapshot = false;
  private seenSnapshot = false;
  private reportedEarlyDelta = false;
  private lastLocalTs = -Infinity;
  private readonly levelPrices: number[] = [];
  // the previous data line, for duplicates: its place in the current chunk, or a copy from an earlier chunk
  private prevStart = -1;
  private prevEnd = -1;
  private prevCopy: Buffer | null = null;
  private prevLine = 0;
  private readonly levelSizes: number[] = [];

  /** With `spill`, rows are handed out `capacity` at a time as they are decoded (ColumnsBuilder.spillTo), and finish() returns only the rest. */
  constructor(options: DecodeOptions, capacity = 1 << 16, spill?: ColumnsSpill) {
    this.out = new ColumnsBuilder(capacity);
    if (spill) this.out.spillTo(spill);
    this.tick = stepScale(options.units.spec.tickSize, 'tickSize');
    this.lot = stepScale(options.units.spec.lotSize, 'lotSize');
    this.problems = options.problems;
    this.display = options.display;
  }

  feed(buf: Buffer): void {
    let pos = 0;
    const n = buf.length;
    while (pos < n) {
      let nl = buf.indexOf(10, pos);
      if (nl < 0) nl = n;
      let end = nl;
      if (end > pos && buf[end - 1] === 13) end--;
      this.line++;
      if (this.type === null) this.header(buf.toString('utf8', pos, end));
      else if (end > pos) {
        if (this.bookRowPrefix === null || !this.plainBookRow(buf, pos, end)) this.row(buf, pos, end);
        this.prevStart = pos;
        this.prevEnd = end;
        this.prevLine = this.line;
      }
      pos = nl + 1;
    }
    if (this.prevStart >= 0) {
      this.prevCopy = Buffer.from(buf.subarray(this.prevStart, this.prevEnd));
      this.prevStart = -1;
    }
  }

  /** True when buf[start, end) repeats the previous data line byte for byte (compared from the end, where neighbouring rows differ). */
  private repeatsPrevious(buf: Buffer, start: number, end: number): boolean {
    const length = end - start;
    let prev: Buffer;
    let prevStart: number;
    if (this.prevStart >= 0) {
      prev = buf;
      prevStart = this.prevStart;
      if (this.prevEnd - prevStart !== length) return false;
    } else {
      if (this.prevCopy === null || this.prevCopy.length !== length) return false;
      prev = this.prevCopy;
      prevStart = 0;
    }
    for (let k = length - 1; k >= 0; k--) if (buf[start + k] !== prev[prevStart + k]) return false;
    return true;
  }

  finish(): DecodedFile {
    if (this.type === null) this.problems.report(this.display, 1, 1, 'empty file (expected a tardis.dev CSV header)');
    if (this.type === 'incremental_book_L2') this.endGroup();
    const symbol = this.symbolBytes ? this.symbolBytes.toString('utf8') : '';
    const format = this.type === 'book_snapshot' ? `tardis book_snapshot_${this.levels}` : `tardis ${this.type ?? 'unknown'}`;
    return { columns: this.out.build(), format, exchange: this.exchange, symbol, lines: Math.max(0, this.line - 1), dropped: this.dropped };
  }

  private header(text: string): void {
    const kind = tardisTypeOf(text);
    if (!kind) {
      this.problems.report(
        this.display,
        1,
        1,
        `unrecognised header ${shown(text)} (expected a tardis.dev CSV header: incremental_book_L2 "${TARDIS_HEADERS.incremental_book_L2}", trades, quotes or book_snapshot_N)`,
      );
      // Under skip there is nothing sensible to read without a header.
      this.type = 'trades';
      this.columnCount = -1;
      return;
    }
    this.type = kind.type;
    this.levels = kind.levels;
    this.columnCount = kind.columns;
  }

  private row(buf: Buffer, start: number, end: number): void {
    if (this.columnCount < 0) return;
    // split on commas
    const starts = this.starts;
    const ends = this.ends;
    let count = 0;
    starts[0] = start;
    for (let i = start; i < end; i++) {
      if (buf[i] === 44) {
        ends[count] = i;
        if (++count >= MAX_FIELDS) break;
        starts[count] = i + 1;
      }
    }
    ends[count] = end;
    count++;
    if (count !== this.columnCount) {
      this.problem(start, start, `wrong column count: got ${count}, expected ${this.columnCount}`);
      return;
    }
    if (!this.checkSymbol(buf, start)) return;
    if (this.repeatsPrevious(buf, start, end) && !(this.type === 'trades' && starts[4] === ends[4])) {
      return this.problem(start, -1, `duplicate of line ${this.prevLine} (the same row twice; expected each row once)`);
    }
    const exchTs = parseUint(buf, starts[2], ends[2]);
    if (exchTs < 0) return this.badField(buf, start, 2, 'timestamp', 'expected an integer count of microseconds');
    const localTs = parseUint(buf, starts[3], ends[3]);
    if (localTs < 0) return this.badField(buf, start, 3, 'local_timestamp', 'expected an integer count of microseconds');
    if (localTs < this.lastLocalTs) {
      return this.badField(buf, start, 3, 'local_timestamp', `went backwards: expected >= ${this.lastLocalTs}`);
    }
    const clock = clockOffsetProblem(exchTs, localTs);
    if (clock !== null) return this.badField(buf, start, 2, 'timestamp', clock);
    switch (this.type) {
      case 'incremental_book_L2':
        return this.bookRow(buf, start, exchTs, localTs);
      case 'trades':
        return this.tradeRow(buf, start, exchTs, localTs);
      case 'quotes':
        return this.quoteRow(buf, start, exchTs, localTs);
      default:
        return this.snapshotRow(buf, start, exchTs, localTs);
    }
  }

  private bookRow(buf: Buffer, lineStart: number, exchTs: number, localTs: number): void {
    const { starts, ends } = this;
    const snapStart = starts[4];
    const snapLen = ends[4] - snapStart;
    let isSnapshot: boolean;
    if (snapLen === 4 && buf[snapStart] === 116 /* t */ && buf[snapStart + 3] === 101) isSnapshot = true;
    else if (snapLen === 5 && buf[snapStart] === 102 /* f */ && buf[snapStart + 4] === 101) isSnapshot = false;
    else return this.badField(buf, lineStart, 4, 'is_snapshot', 'expected true or false');
    const sideStart = starts[5];
    const sideLen = ends[5] - sideStart;
    let ask: boolean;
    if (sideLen === 3 && buf[sideStart] === 98 /* b */ && buf[sideStart + 1] === 105 && buf[sideStart + 2] === 100) ask = false;
    else if (sideLen === 3 && buf[sideStart] === 97 /* a */ && buf[sideStart + 1] === 115 && buf[sideStart + 2] === 107) ask = true;
    else return this.badField(buf, lineStart, 5, 'side', 'expected bid or ask');
    const price = parseSteps(buf, starts[6], ends[6], this.tick);
    if (price < 0) return this.badField(buf, lineStart, 6, 'price', describeDecimalError(price, this.tick.name));
    if (price === 0) return this.badField(buf, lineStart, 6, 'price', 'expected a positive price');
    const size = parseSteps(buf, starts[7], ends[7], this.lot);
    if (size < 0) return this.badField(buf, lineStart, 7, 'amount', describeDecimalError(size, this.lot.name));
    this.addBookRow(lineStart, exchTs, localTs, isSnapshot, ask, price, size);
  }

  /**
   * The common incremental_book_L2 row read in one pass over its bytes, without splitting it first: the first
   * row's `exchange,symbol,`, two timestamps, exactly `true`/`false` and `bid`/`ask`, then a price and an amount
   * in plain decimals (digits and a dot), every check of row() and bookRow() passed. Anything else (every row
   * with a problem among them, and forms the rules accept but this does not, such as exponents) returns false
   * having changed nothing, and row() reads the line as the rules say and words its problem.
   */
  private plainBookRow(buf: Buffer, start: number, end: number): boolean {
    const prefix = this.bookRowPrefix!;
    let i = start + prefix.length;
    if (i >= end) return false;
    for (let k = 0; k < prefix.length; k++) if (buf[start + k] !== prefix[k]) return false;
    if (this.repeatsPrevious(buf, start, end)) return false;
    const exchTs = scanUint(buf, i, end);
    if (scanned.end === i || buf[scanned.end] !== 44) return false;
    i = scanned.end + 1;
    const localTs = scanUint(buf, i, end);
    if (scanned.end === i || buf[scanned.end] !== 44) return false;
    i = scanned.end + 1;
    if (localTs < this.lastLocalTs || clockOffsetProblem(exchTs, localTs) !== null) return false;
    let isSnapshot: boolean;
    if (i + 5 < end && buf[i] === 116 && buf[i + 1] === 114 && buf[i + 2] === 117 && buf[i + 3] === 101 && buf[i + 4] === 44) {
      isSnapshot = true; // true,
      i += 5;
    } else if (i + 6 < end && buf[i] === 102 && buf[i + 1] === 97 && buf[i + 2] === 108 && buf[i + 3] === 115 && buf[i + 4] === 101 && buf[i + 5] === 44) {
      isSnapshot = false; // false,
      i += 6;
    } else return false;
    let ask: boolean;
    if (i + 4 < end && buf[i] === 98 && buf[i + 1] === 105 && buf[i + 2] === 100 && buf[i + 3] === 44) ask = false; // bid,
    else if (i + 4 < end && buf[i] === 97 && buf[i + 1] === 115 && buf[i + 2] === 107 && buf[i + 3] === 44) ask = true; // ask,
    else return false;
    i += 4;
    const price = toSteps(scanScaled(buf, i, end, this.tick.decimals), this.tick.units);
    if (price <= 0 || buf[scanned.end] !== 44) return false;
    i = scanned.end + 1;
    const size = toSteps(scanScaled(buf, i, end, this.lot.decimals), this.lot.units);
    if (size < 0 || scanned.end !== end) return false;
    this.addBookRow(start, exchTs, localTs, isSnapshot, ask, price, size);
    return true;
  }

  /** Applies a valid book row: message grouping, snapshots, the columns and the checking book. */
  private addBookRow(lineStart: number, exchTs: number, localTs: number, isSnapshot: boolean, ask: boolean, price: number, size: number): void {
    if (localTs !== this.groupTs) {
      this.endGroup();
      this.groupTs = localTs;
      this.groupFirstLine = this.line;
      this.inSnapshot = false;
    }
    this.lastLocalTs = localTs;
    if (isSnapshot) {
      let flags = ask ? FLAG_ASK : 0;
      if (!this.inSnapshot) {
        flags |= FLAG_SNAPSHOT_START;
        this.inSnapshot = true;
        this.seenSnapshot = true;
        this.book.clear();
      }
      if (size === 0) return; // a zero level in a snapshot is no level
      this.out.push(Kind.SNAPSHOT, flags, exchTs, localTs, price, size);
      this.book.set(ask ? 'ask' : 'bid', price, size);
      this.groupLastLine = this.line;
      return;
    }
    if (!this.seenSnapshot) {
      if (!this.reportedEarlyDelta) {
        this.reportedEarlyDelta = true;
        this.problem(lineStart, -1, 'delta before any snapshot (expected the book to begin with is_snapshot=true rows; tardis skips such rows: use --on-error skip)');
      }
      return;
    }
    this.inSnapshot = false;
    this.out.push(Kind.DELTA, ask ? FLAG_ASK : 0, exchTs, localTs, price, size);
    this.book.set(ask ? 'ask' : 'bid', price, size);
    this.groupLastLine = this.line;
  }

  /** Closes the message at groupTs: marks its last delta and checks the book. */
  private endGroup(): void {
    if (this.groupLastLine < this.groupFirstLine || this.groupFirstLine === 0) return;
    this.out.markLast();
    this.checkCrossed(this.groupLastLine);
    this.groupFirstLine = 0;
  }

  private checkCrossed(line: number): void {
    if (!this.book.isCrossed()) return;
    this.problems.report(
      this.display,
      line,
      0,
      `book crossed after the message at local_timestamp ${this.groupTs}: best bid ${formatSteps(this.book.bestBid, this.tick)} >= best ask ${formatSteps(this.book.bestAsk, this.tick)} (expected bid < ask after a complete message)`,
    );
  }

  private tradeRow(buf: Buffer, lineStart: number, exchTs: number, localTs: number): void {
    const { starts, ends } = this;
    const sideStart = starts[5];
    const sideLen = ends[5] - sideStart;
    let sell: boolean;
    if (sideLen === 3 && buf[sideStart] === 98 && buf[sideStart + 1] === 117 && buf[sideStart + 2] === 121) sell = false;
    else if (sideLen === 4 && buf[sideStart] === 115 && buf[sideStart + 1] === 101 && buf[sideStart + 3] === 108) sell = true;
    else if (sideLen === 7 && buf.toString('latin1', sideStart, sideStart + 7) === 'unknown') {
      this.dropped++;
      this.lastLocalTs = localTs;
      return;
    } else return this.badField(buf, lineStart, 5, 'side', 'expected buy, sell or unknown');
    const price = parseSteps(buf, starts[6], ends[6], this.tick);
    if (price < 0) return this.badField(buf, lineStart, 6, 'price', describeDecimalError(price, this.tick.name));
    if (price === 0) return this.badField(buf, lineStart, 6, 'price', 'expected a positive price');
    const size = parseSteps(buf, starts[7], ends[7], this.lot);
    if (size < 0) return this.badField(buf, lineStart, 7, 'amount', describeDecimalError(size, this.lot.name));
    if (size === 0) return this.badField(buf, lineStart, 7, 'amount', 'expected a positive trade amount');
    this.lastLocalTs = localTs;
    this.out.push(Kind.TRADE, sell ? FLAG_ASK : 0, exchTs, localTs, price, size);
  }

  private quoteRow(buf: Buffer, lineStart: number, exchTs: number, localTs: number): void {
    // ask_amount, ask_price, bid_price, bid_amount
    const askSize = this.optionalSteps(buf, lineStart, 4, 'ask_amount', this.lot);
    if (askSize === null) return;
    const askPrice = this.optionalSteps(buf, lineStart, 5, 'ask_price', this.tick);
    if (askPrice === null) return;
    const bidPrice = this.optionalSteps(buf, lineStart, 6, 'bid_price', this.tick);
    if (bidPrice === null) return;
    const bidSize = this.optionalSteps(buf, lineStart, 7, 'bid_amount', this.lot);
    if (bidSize === null) return;
    this.lastLocalTs = localTs;
    const hasBid = !Number.isNaN(bidPrice);
    const hasAsk = !Number.isNaN(askPrice);
    this.out.push(Kind.QUOTE, 0, exchTs, localTs, bidPrice, hasBid ? bidSize || 0 : 0, askPrice, hasAsk ? askSize || 0 : 0);
  }

  /** A field that may be empty (NaN); null after reporting a problem. */
  private optionalSteps(buf: Buffer, lineStart: number, field: number, name: string, scale: StepScale): number | null {
    if (this.starts[field] === this.ends[field]) return NaN;
    const value = parseSteps(buf, this.starts[field], this.ends[field], scale);
    if (value < 0 || (value === 0 && scale === this.tick)) {
      this.badField(buf, lineStart, field, name, value < 0 ? describeDecimalError(value, scale.name) : 'expected a positive price');
      return null;
    }
    return value;
  }

  private snapshotRow(buf: Buffer, lineStart: number, exchTs: number, localTs: number): void {
    const prices = this.levelPrices;
    const sizes = this.levelSizes;
    prices.length = 0;
    sizes.length = 0;
    let bids = 0;
    // pass 1: bids (fields 4+4i+2, 4+4i+3), pass 2: asks (4+4i, 4+4i+1); best first
    for (let pass = 0; pass < 2; pass++) {
      const offset = pass === 0 ? 2 : 0;
      for (let i = 0; i < this.levels; i++) {
        const pf = 4 + 4 * i + offset;
        if (this.starts[pf] === this.ends[pf]) break;
        const price = parseSteps(buf, this.starts[pf], this.ends[pf], this.tick);
        if (price <= 0) return this.badField(buf, lineStart, pf, `${pass === 0 ? 'bids' : 'asks'}[${i}].price`, price < 0 ? describeDecimalError(price, this.tick.name) : 'expected a positive price');
        const size = parseSteps(buf, this.starts[pf + 1], this.ends[pf + 1], this.lot);
        if (size < 0) return this.badField(buf, lineStart, pf + 1, `${pass === 0 ? 'bids' : 'asks'}[${i}].amount`, describeDecimalError(size, this.lot.name));
        if (size === 0) continue;
        prices.push(price);
        sizes.push(size);
      }
      if (pass === 0) bids = prices.length;
    }
    if (prices.length === 0) return;
    if (bids > 0 && bids < prices.length && prices[0] >= prices[bids]) {
      this.problems.report(this.display, this.line, 0, `book crossed in snapshot: best bid ${formatSteps(prices[0], this.tick)} >= best ask ${formatSteps(prices[bids], this.tick)} (expected bid < ask)`);
      return;
    }
    this.lastLocalTs = localTs;
    for (let i = 0; i < prices.length; i++) {
      const flags = (i >= bids ? FLAG_ASK : 0) | (i === 0 ? FLAG_SNAPSHOT_START : 0);
      this.out.push(Kind.SNAPSHOT, flags, exchTs, localTs, prices[i], sizes[i]);
    }
    this.out.markLast();
  }

  private checkSymbol(buf: Buffer, lineStart: number): boolean {
    const s = this.starts[1];
    const e = this.ends[1];
    const known = this.symbolBytes;
    if (known === null) {
      this.symbolBytes = Buffer.from(buf.subarray(s, e));
      this.exchange = buf.toString('utf8', this.starts[0], this.ends[0]);
      if (this.type === 'incremental_book_L2') this.bookRowPrefix = Buffer.from(buf.subarray(this.starts[0], e + 1));
      return true;
    }
    let same = known.length === e - s;
    for (let i = 0; same && i < known.length; i++) same = known[i] === buf[s + i];
    if (same) return true;
    this.badField(buf, lineStart, 1, 'symbol', `expected ${known.toString('utf8')} (one symbol per file)`);
    return false;
  }

  private badField(buf: Buffer, lineStart: number, field: number, name: string, expected: string): void {
    const text = buf.toString('utf8', this.starts[field], this.ends[field]);
    this.problem(lineStart, this.starts[field], `${name} ${shown(text)}: ${expected}`);
  }

  /** `at` is the byte offset of the offending field, or -1 for the whole line. */
  private problem(lineStart: number, at: number, message: string): void {
    this.problems.report(this.display, this.line, at < 0 ? 0 : at - lineStart + 1, message);
  }
}
