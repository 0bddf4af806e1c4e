import type { MarketUnits } from '../../core/market.ts';
import { SpreadlabError } from '../../core/errors.ts';
import { L2Book } from '../../book/l2-book.ts';
import { ColumnsBuilder, FLAG_ASK, FLAG_SNAPSHOT_START, Kind } from '../columns.ts';
import { describeDecimalError, formatSteps, parseStepsString, stepScale, type StepScale } from '../decimal.ts';
import { lineChunks } from '../input.ts';
import { clockOffsetProblem, shown, type ProblemLog } from '../problems.ts';
import { defineFileFormat, type Decoded, type ReplayInput } from '../format.ts';

/**
 * Binance raw capture reader: one message a line, `<local_ns> <json>`, as hftbacktest's collector writes.
 * The JSON is a combined-stream message (`{"stream":…,"data":{…}}`, or the bare data object) — depthUpdate,
 * trade, aggTrade, bookTicker — or one REST depth snapshot (`lastUpdateId`, `bids`, `asks`).
 *
 * Rules:
 * - localTs is the line's first field (ns, floored to µs); it must not go backwards, also across files
 *   (the files of one replay are one continuous stream, read in the order given).
 * - exchTs: depth diffs and snapshots use `E`; trades `T` (trade time) else `E`; bookTicker `T`/`E` when
 *   present (futures), otherwise (spot has neither) the latest exchange time seen so far in the stream.
 * - Order-book sync by Binance's rules. Spot: drop diffs with u ≤ lastUpdateId; the first applied diff has
 *   U ≤ lastUpdateId+1 ≤ u; then every diff has U = previous u + 1. Futures (diffs carry `pu`): drop diffs
 *   with u < lastUpdateId; the first has U ≤ lastUpdateId ≤ u; then every diff has pu = previous u.
 * - Diffs that arrive before their snapshot are buffered (the latest 100,000; older ones are forgotten, at a
 *   constant cost per diff). The book becomes known when both are in hand:
 *   at the later of the snapshot's and the first applicable diff's arrival, one message carries the
 *   snapshot rows followed by the deltas of every buffered diff that applies (exchTs: E of the last one).
 *   (The tardis conversion in ../shared/data stamps that message at the first diff's arrival, i.e. before
 *   the snapshot was in hand; we do not, to avoid looking ahead.)
 * - Each later diff is one message: its levels as deltas (absolute size, 0 deletes), FLAG_LAST on the last.
 *   The book must not be crossed after a message.
 * - A sequence gap (or a snapshot older than every buffered diff) with onGap 'stop' is a SpreadlabError at
 *   the line; with 'resync', one message deletes every level (the book is unknown) and the reader waits for
 *   the next snapshot, buffering diffs again. A snapshot while in sync is ignored (the diff chain rules).
 * - Trades: `m` true means the buyer was the maker, so the taker sold. Trades and quotes are kept while the
 *   book is out of sync. A trade whose id (`t`, or `a` for aggTrade) is not above every earlier id of its
 *   stream (a numeric id; an id that is not a number: equal to the previous one) is a duplicate (a problem);
 *   a price of 0 is a problem.
 * - Exchange and local time may differ by at most MAX_CLOCK_OFFSET_SECONDS (problems.ts): a trade or
 *   bookTicker beyond it is a problem (dropped under skip); a depth diff beyond it is a problem whose E is
 *   replaced, under skip, by the latest exchange time seen (dropping it would break the diff chain).
 * - Format `binance-raw` (formats.ts): detected by a first line `<digits> {` (local ns, space, JSON). All the
 *   Binance raw files given in one replay are one decode unit, one continuous stream read in the order given
 *   (a later file continues the order-book sync of the earlier one: the 20240809 capture has no snapshot of
 *   its own). `data convert` names the exchange `binance`.
 * Known limits: a line that is not valid JSON, or a message of another type (e.g. kline), is a problem
 * (skipped under `--on-error skip`); one symbol per stream.
 */
export interface BinanceRawOptions {
  units: MarketUnits;
  problems: ProblemLog;
  onGap: 'stop' | 'resync';
  /** Test hook: called after each emitted message with its update id and the row count so far. */
  onMessage?: (info: { type: 'depth' | 'sync' | 'bookTicker' | 'trade' | 'clear'; u: number; rows: number; line: number }) => void;
  /** Test hook: how many diffs waiting for a snapshot are kept (default MAX_BUFFERED_DIFFS). */
  maxBufferedDiffs?: number;
}

type Level = [string, string];

interface Diff {
  U: number;
  u: number;
  pu: number | undefined;
  E: number;
  localTs: number;
  b: Level[];
  a: Level[];
  line: number;
  file: string;
}

interface Snapshot {
  lastUpdateId: number;
  bids: Level[];
  asks: Level[];
  E: number | undefined;
  localTs: number;
  line: number;
  file: string;
}

const MAX_BUFFERED_DIFFS = 100_000;

export const binanceRawFormat = defineFileFormat({
  name: 'binance-raw',
  description: 'a Binance raw capture line "<local_ns> {json}"',
  detect: { firstLine: (line) => /^\d{1,20} \{/.test(line) },
  group: (files) => [files],
  decode: readBinanceRaw,
  exchange: () => 'binance',
});

export async function readBinanceRaw(files: ReplayInput[], options: BinanceRawOptions): Promise<Decoded> {
  const reader = new BinanceRawReader(options);
  for (const file of files) {
    reader.startFile(file.display);
    for await (const chunk of lineChunks(file.path, file.display)) reader.feed(chunk);
  }
  return reader.finish();
}

class BinanceRawReader {
  private readonly out = new ColumnsBuilder();
  private readonly book = new L2Book();
  private readonly tick: StepScale;
  private readonly lot: StepScale;
  private file = '';
  private line = 0;
  private lines = 0;
  private lastLocalTs = -Infinity;
  private lastExchTs = 0;
  private symbol = '';
  private synced = false;
  private lastU = -1;
  private futures: boolean | undefined;
  private buffer: Diff[] = [];
  private pending: Snapshot | null = null;
  private gaps = 0;
  private dropped = 0;
  /** The highest numeric trade id seen per event type, or the last id when ids are not numbers. */
  private readonly lastTradeId = new Map<string, number | string>();
  private readonly maxBuffered: number;

  constructor(private readonly options: BinanceRawOptions) {
    this.maxBuffered = options.maxBufferedDiffs ?? MAX_BUFFERED_DIFFS;
    this.tick = stepScale(options.units.spec.tickSize, 'tickSize');
    this.lot = stepScale(options.units.spec.lotSize, 'lotSize');
  }

  startFile(display: string): void {
    this.file = display;
    this.line = 0;
  }

  feed(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      let nl = buf.indexOf(10, pos);
      if (nl < 0) nl = buf.length;
      let end = nl;
      if (end > pos && buf[end - 1] === 13) end--;
      this.line++;
      if (end > pos) {
        this.lines++;
        this.lineOf(buf.toString('utf8', pos, end));
      }
      pos = nl + 1;
    }
  }

  finish(): Decoded {
    return { columns: this.out.build(), format: `binance-raw ${this.futures ? 'futures' : 'spot'}`, symbol: this.symbol, lines: this.lines, dropped: this.dropped, gaps: this.gaps };
  }

  private problem(column: number, message: string): void {
    this.options.problems.report(this.file, this.line, column, message);
  }

  private lineOf(text: string): void {
    const space = text.indexOf(' ');
    const stamp = space > 0 ? text.slice(0, space) : '';
    if (!/^\d{4,20}$/.test(stamp)) return this.problem(1, `local timestamp ${shown(stamp || text)}: expected "<local_ns> <json>" with an integer ns time`);
    const localTs = Number(stamp.slice(0, stamp.length - 3));
    if (localTs < this.lastLocalTs) return this.problem(1, `local timestamp ${stamp} went backwards: expected >= ${this.lastLocalTs * 1000} ns`);
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text.slice(space + 1)) as Record<string, unknown>;
    } catch (error) {
      return this.problem(space + 2, `not valid JSON (${(error as Error).message})`);
    }
    if (typeof message !== 'object' || message === null) return this.problem(space + 2, 'expected a JSON object');
    this.lastLocalTs = localTs;
    const col = space + 2;
    if ('lastUpdateId' in message) return this.snapshot(message, localTs);
    const data = ('data' in message && typeof message.data === 'object' ? message.data : message) as Record<string, unknown>;
    const stream = typeof message.stream === 'string' ? message.stream : '';
    const e = data.e;
    if (typeof data.s === 'string') {
      if (!this.symbol) this.symbol = data.s;
      else if (data.s !== this.symbol) return this.problem(col, `symbol ${shown(data.s)}: expected ${this.symbol} (one symbol per stream)`);
    }
    if (e === 'depthUpdate') return this.diff(data, localTs);
    if (e === 'trade' || e === 'aggTrade') return this.trade(data, localTs);
    if (e === 'bookTicker' || stream.endsWith('@bookTicker') || (e === undefined && 'b' in data && 'A' in data)) return this.bookTicker(data, localTs);
    this.problem(col, `message type ${shown(String(e ?? stream))}: expected depthUpdate, trade, aggTrade, bookTicker or a REST depth snapshot`);
  }

  private num(value: unknown, name: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problem(0, `field ${name} ${shown(String(value))}: expected a number`);
      return NaN;
    }
    return value;
  }

  private steps(text: unknown, scale: StepScale, name: string): number {
    if (typeof text !== 'string') {
      this.problem(0, `${name} ${shown(String(text))}: expected a decimal string`);
      return -1;
    }
    const v = parseStepsString(text, scale);
    if (v < 0) this.problem(0, `${name} ${shown(text)}: ${describeDecimalError(v, scale.name)}`);
    return v;
  }

  private trade(d: Record<string, unknown>, localTs: number): void {
    const exch = typeof d.T === 'number' ? d.T : this.num(d.E, 'E');
    if (Number.isNaN(exch)) return;
    const price = this.steps(d.p, this.tick, 'price p');
    if (price < 0) return;
    const size = this.steps(d.q, this.lot, 'quantity q');
    if (size < 0) return;
    if (price === 0) return this.problem(0, `price p ${shown(String(d.p))}: expected a positive price`);
    if (typeof d.m !== 'boolean') return this.problem(0, `field m ${shown(String(d.m))}: expected true or false (buyer is maker)`);
    const exchTs = exch * 1000;
    const clock = clockOffsetProblem(exchTs, localTs);
    if (clock !== null) return this.problem(0, `trade time ${exch}: ${clock}`);
    if (this.repeatsTrade(String(d.e), d.e === 'aggTrade' ? d.a : d.t)) return;
    this.noteExch(exchTs);
    this.out.push(Kind.TRADE, d.m ? FLAG_ASK : 0, exchTs, localTs, price, size);
    this.options.onMessage?.({ type: 'trade', u: Number(d.t ?? d.a ?? -1), rows: this.out.length, line: this.line });
  }

  /** True (and a problem reported) when a trade's id repeats an earlier one of its stream; see the header. */
  private repeatsTrade(type: string, id: unknown): boolean {
    if (id === undefined || id === null || id === '') return false;
    const numeric = typeof id === 'number' ? id : /^\d{1,15}$/.test(String(id)) ? Number(id) : null;
    const last = this.lastTradeId.get(type);
    const repeat = numeric !== null ? typeof last === 'number' && numeric <= last : last === String(id);
    if (repeat) {
      this.problem(0, `trade id ${String(id)}: a duplicate (expected ids to increase: the same trade twice would count its volume twice)`);
      return true;
    }
    this.lastTradeId.set(type, numeric ?? String(id));
    return false;
  }

  private bookTicker(d: Record<string, unknown>, localTs: number): void {
    const bid = this.steps(d.b, this.tick, 'bid price b');
    const bidSize = bid < 0 ? -1 : this.steps(d.B, this.lot, 'bid size B');
    const ask = bidSize < 0 ? -1 : this.steps(d.a, this.tick, 'ask price a');
    const askSize = ask < 0 ? -1 : this.steps(d.A, this.lot, 'ask size A');
    if (askSize < 0) return;
    const t = typeof d.T === 'number' ? d.T : typeof d.E === 'number' ? d.E : NaN;
    const exchTs = Number.isNaN(t) ? this.lastExchTs : t * 1000;
    const clock = Number.isNaN(t) ? null : clockOffsetProblem(exchTs, localTs);
    if (clock !== null) return this.problem(0, `bookTicker time ${t}: ${clock}`);
    this.noteExch(exchTs);
    this.out.push(Kind.QUOTE, 0, exchTs, localTs, bidSize > 0 ? bid : NaN, bidSize, askSize > 0 ? ask : NaN, askSize);
    this.options.onMessage?.({ type: 'bookTicker', u: typeof d.u === 'number' ? d.u : -1, rows: this.out.length, line: this.line });
  }

  private noteExch(exchTs: number): void {
    if (exchTs > this.lastExchTs) this.lastExchTs = exchTs;
  }

  private diff(d: Record<string, unknown>, localTs: number): void {
    const U = this.num(d.U, 'U');
    const u = this.num(d.u, 'u');
    const E = this.num(d.E, 'E');
    if (Number.isNaN(U) || Number.isNaN(u) || Number.isNaN(E)) return;
    if (!Array.isArray(d.b) || !Array.isArray(d.a)) return this.problem(0, 'depthUpdate without b/a level arrays');
    const pu = typeof d.pu === 'number' ? d.pu : undefined;
    if (this.futures === undefined) this.futures = pu !== undefined;
    const clock = clockOffsetProblem(E * 1000, localTs);
    if (clock !== null) this.problem(0, `depthUpdate time E ${E}: ${clock}`);
    const diff: Diff = { U, u, pu, E: clock === null ? E * 1000 : this.lastExchTs, localTs, b: d.b as Level[], a: d.a as Level[], line: this.line, file: this.file };
    this.noteExch(diff.E);
    if (this.synced) {
      const expected = this.futures ? diff.pu === this.lastU : U === this.lastU + 1;
      if (!expected) {
        const what = this.futures ? `pu=${diff.pu}, expected pu=${this.lastU} (the previous diff's u)` : `U=${U}, expected U=${this.lastU + 1} (previous u + 1)`;
        this.gap(`sequence gap in depth diffs: got ${what}`, localTs);
        this.buffer.push(diff);
        return;
      }
      if (this.emitDiff(diff)) this.options.onMessage?.({ type: 'depth', u, rows: this.out.length, line: this.line });
      this.lastU = u;
      return;
    }
    if (this.pending) {
      this.buffer.push(diff);
      this.trySync(this.pending, localTs);
      return;
    }
    // only the latest maxBuffered diffs count (trySync skips older ones); trimming in one splice at twice
    // that many keeps the cost per diff constant (shift() on a long array moves every element)
    this.buffer.push(diff);
    if (this.buffer.length >= 2 * this.maxBuffered) this.buffer.splice(0, this.buffer.length - this.maxBuffered);
  }

  private snapshot(m: Record<string, unknown>, localTs: number): void {
    const lastUpdateId = this.num(m.lastUpdateId, 'lastUpdateId');
    if (Number.isNaN(lastUpdateId)) return;
    if (!Array.isArray(m.bids) || !Array.isArray(m.asks)) return this.problem(0, 'depth snapshot without bids/asks arrays');
    if (typeof m.E === 'number') this.futures = true;
    if (this.synced) {
      this.dropped++;
      return;
    }
    const snap: Snapshot = { lastUpdateId, bids: m.bids as Level[], asks: m.asks as Level[], E: typeof m.E === 'number' ? m.E * 1000 : undefined, localTs, line: this.line, file: this.file };
    this.trySync(snap, localTs);
  }

  /** Syncs when the buffered diffs reach the snapshot; `now` is the arrival time of whatever came last. */
  private trySync(snap: Snapshot, now: number): void {
    const lid = snap.lastUpdateId;
    const futures = this.futures === true;
    // drop diffs the snapshot already contains (and any beyond the latest maxBuffered)
    let first = Math.max(0, this.buffer.length - this.maxBuffered);
    while (first < this.buffer.length && (futures ? this.buffer[first].u < lid : this.buffer[first].u <= lid)) first++;
    if (first === this.buffer.length) {
      this.buffer.length = 0;
      this.pending = snap;
      return;
    }
    const head = this.buffer[first];
    const fits = futures ? head.U <= lid && lid <= head.u : head.U <= lid + 1 && lid + 1 <= head.u;
    if (!fits) {
      this.pending = null;
      const rest = this.buffer.slice(first);
      this.buffer.length = 0;
      const expected = futures ? `U <= ${lid} <= u` : `U <= ${lid + 1} <= u`;
      this.gap(`depth snapshot lastUpdateId=${lid} is older than the buffered diffs (first has U=${head.U}, u=${head.u}; expected ${expected})`, now, snap.line, snap.file);
      this.buffer = rest;
      return;
    }
    // one message: snapshot rows, then the deltas of every buffered diff from `first` on
    const applied = this.buffer.slice(first);
    const last = applied[applied.length - 1];
    const exchTs = last.E;
    const localTs = Math.max(now, snap.localTs);
    this.book.clear();
    const before = this.out.length;
    let startFlag = FLAG_SNAPSHOT_START;
    for (const [levels, ask] of [[snap.bids, false], [snap.asks, true]] as const) {
      for (const level of levels) {
        const price = this.steps(level?.[0], this.tick, 'snapshot price');
        const size = price < 0 ? -1 : this.steps(level?.[1], this.lot, 'snapshot size');
        if (size <= 0) continue;
        this.out.push(Kind.SNAPSHOT, (ask ? FLAG_ASK : 0) | startFlag, exchTs, localTs, price, size);
        startFlag = 0;
        this.book.set(ask ? 'ask' : 'bid', price, size);
      }
    }
    if (this.out.length === before) {
      this.pending = null;
      this.buffer.length = 0;
      return this.problem(0, 'depth snapshot with no levels');
    }
    let prevU = -1;
    for (const d of applied) {
      if (prevU >= 0 && !(futures ? d.pu === prevU : d.U === prevU + 1)) {
        // a gap inside the buffered diffs: keep what was synced up to here, then handle it as a gap
        this.finishSync(prevU, localTs);
        this.gap(`sequence gap in buffered depth diffs at u=${d.u}`, localTs, d.line, d.file);
        this.buffer = applied.slice(applied.indexOf(d));
        return;
      }
      this.emitLevels(d, exchTs, localTs);
      prevU = d.u;
    }
    this.finishSync(prevU, localTs);
  }

  private finishSync(u: number, localTs: number): void {
    this.out.markLast();
    this.checkCrossed(localTs);
    this.synced = true;
    this.lastU = u;
    this.pending = null;
    this.buffer.length = 0;
    this.options.onMessage?.({ type: 'sync', u, rows: this.out.length, line: this.line });
  }

  /** Emits one diff as one message; false when it had no levels. */
  private emitDiff(d: Diff): boolean {
    const before = this.out.length;
    this.emitLevels(d, d.E, d.localTs);
    if (this.out.length === before) return false;
    this.out.markLast();
    this.checkCrossed(d.localTs);
    return true;
  }

  private emitLevels(d: Diff, exchTs: number, localTs: number): void {
    for (const [levels, ask] of [[d.b, false], [d.a, true]] as const) {
      for (const level of levels) {
        const price = this.steps(level?.[0], this.tick, ask ? 'ask price' : 'bid price');
        if (price < 0) continue;
        const size = this.steps(level?.[1], this.lot, ask ? 'ask size' : 'bid size');
        if (size < 0) continue;
        this.out.push(Kind.DELTA, ask ? FLAG_ASK : 0, exchTs, localTs, price, size);
        this.book.set(ask ? 'ask' : 'bid', price, size);
      }
    }
  }

  private checkCrossed(localTs: number): void {
    if (!this.book.isCrossed()) return;
    this.problem(0, `book crossed after the message at local time ${localTs} µs: best bid ${formatSteps(this.book.bestBid, this.tick)} >= best ask ${formatSteps(this.book.bestAsk, this.tick)} (expected bid < ask after a complete message)`);
  }

  /** A gap at `line` of `file`: stop (throws) or resync (clears the book, waits for a snapshot). */
  private gap(message: string, localTs: number, line = this.line, file = this.file): void {
    this.gaps++;
    if (this.options.onGap === 'stop') {
      throw new SpreadlabError(`${file}:${line}: ${message} (set data.onGap to "resync" to wait for the next snapshot instead)`);
    }
    if (this.options.problems.mode === 'collect') this.options.problems.report(file, line, 0, message);
    if (this.synced) this.clearBook(localTs, line);
    this.synced = false;
    this.pending = null;
  }

  /** One message deleting every level, best first, bids then asks: after a gap the book is unknown until the next snapshot. */
  private clearBook(localTs: number, line: number): void {
    const before = this.out.length;
    const counts = this.book.levelCount;
    for (const ask of [false, true]) {
      const n = ask ? counts.asks : counts.bids;
      const prices = new Float64Array(n);
      const count = this.book.topLevels(ask ? 'ask' : 'bid', prices, new Float64Array(n));
      for (let k = 0; k < count; k++) this.out.push(Kind.DELTA, ask ? FLAG_ASK : 0, this.lastExchTs, localTs, prices[k], 0);
    }
    if (this.out.length > before) {
      this.out.markLast();
      this.options.onMessage?.({ type: 'clear', u: -1, rows: this.out.length, line });
    }
    this.book.clear();
  }
}
