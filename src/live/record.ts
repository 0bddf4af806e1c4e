import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import { asOutputError, guardWrite } from '../core/output.ts';
import type { MarketUnits } from '../core/market.ts';
import { BookDiffer, type BookUpdate, type FeedSink, type LevelChange, type TradeUpdate } from './feed.ts';

/**
 * Records live market data as a Binance raw capture (`<local_ns> <json>` a line, the format
 * src/data/binance/raw.ts reads), so `spreadlab backtest` replays it with `data.kind = "replay"`.
 *
 * Rules:
 * - The first book state is written as a REST depth snapshot (`lastUpdateId` S, `E`, `T`, bids, asks)
 *   followed at once by an empty futures-style diff (U = S, u = S + 1), so the reader has the book from
 *   the first line on. Every later book state is one `depthUpdate` with the levels that changed since the
 *   previous state (absolute sizes, "0" deletes), chained U = previous u, u = U + 1, pu = previous u: the
 *   futures sequence rules the reader checks. Book states are diffed here (whatever the exchange), so a
 *   reconnect of the feed is just one more diff, never a gap: by the recorder's own BookDiffer, or by the
 *   caller, who then passes the diff of every update (never of only some).
 * - Trades are `trade` messages (`T` trade time, `m` = the buyer was the maker, i.e. the taker sold).
 * - Prices and sizes are written with the market's tick and lot decimals; times: `E`/`T` ms from the
 *   exchange's timestamps, the line's first field our receipt time in ns.
 * - A file name ending in .gz is gzipped (closed properly on stop, so the stream is complete).
 * - The file is created new (an existing file is never overwritten: the open fails); it is written as the
 *   data arrives, so a run cut short keeps what it recorded. A write failure (a full disk) stops the
 *   recording: later lines are dropped and close() rejects with a user error naming the file.
 */
export class RawRecorder implements FeedSink {
  private readonly differ: BookDiffer;
  private readonly out: WriteStream;
  private readonly gzip: Gzip | null;
  private readonly sink: NodeJS.WritableStream;
  private updateId = 1_000;
  private lastLocalNs = 0n;
  lines = 0;
  private closed = false;
  private failure: Error | null = null;

  constructor(
    readonly file: string,
    private readonly units: MarketUnits,
    private readonly streamSymbol: string,
  ) {
    guardWrite(file, () => mkdirSync(dirname(file), { recursive: true }));
    this.out = createWriteStream(file, { flags: 'wx' });
    this.out.on('error', (error) => (this.failure ??= error));
    this.differ = new BookDiffer(units);
    if (file.endsWith('.gz')) {
      this.gzip = createGzip();
      this.gzip.pipe(this.out);
      this.sink = this.gzip;
    } else {
      this.gzip = null;
      this.sink = this.out;
    }
  }

  /** Records a book state; `diff` is the caller's BookDiffer result for it (default: the recorder's own). */
  book(update: BookUpdate, diff: { snapshot: boolean; changes: LevelChange[] } = this.differ.diff(update)): void {
    const { snapshot, changes } = diff;
    const E = Math.floor(update.exchTs / 1000);
    if (snapshot) {
      const bids = changes.filter((c) => c.side === 'bid').sort((a, b) => b.price - a.price);
      const asks = changes.filter((c) => c.side === 'ask').sort((a, b) => a.price - b.price);
      this.line(update.localTs, { lastUpdateId: this.updateId, E, T: E, bids: this.levels(bids), asks: this.levels(asks) });
      this.diffLine(update.localTs, E, [], []);
      return;
    }
    if (changes.length === 0) return;
    this.diffLine(
      update.localTs,
      E,
      this.levels(changes.filter((c) => c.side === 'bid')),
      this.levels(changes.filter((c) => c.side === 'ask')),
    );
  }

  trade(trade: TradeUpdate): void {
    const ms = Math.floor(trade.exchTs / 1000);
    const price = this.units.formatPrice(this.units.roundToTick(trade.price));
    const size = this.units.formatSize(Math.round(trade.size / this.units.spec.lotSize));
    this.line(trade.localTs, {
      stream: `${this.streamSymbol.toLowerCase()}@trade`,
      data: { e: 'trade', E: ms, T: ms, s: this.streamSymbol, t: trade.id, p: price, q: size, m: trade.takerSide === 'sell' },
    });
  }

  status(): void {}

  close(): Promise<void> {
    if (this.closed) return this.failure ? Promise.reject(this.failed()) : Promise.resolve();
    this.closed = true;
    return new Promise((resolve, reject) => {
      const settle = (): void => (this.failure ? reject(this.failed()) : resolve());
      if (this.out.closed) return settle();
      this.out.on('close', settle);
      this.sink.end();
    });
  }

  private failed(): unknown {
    return asOutputError(this.file, this.failure);
  }

  private diffLine(localTs: number, E: number, b: [string, string][], a: [string, string][]): void {
    const U = this.updateId;
    const u = U + 1;
    this.line(localTs, {
      stream: `${this.streamSymbol.toLowerCase()}@depth`,
      data: { e: 'depthUpdate', E, T: E, s: this.streamSymbol, U, u, pu: U, b, a },
    });
    this.updateId = u;
  }

  private levels(changes: LevelChange[]): [string, string][] {
    return changes.map((c) => [this.units.formatPrice(c.price), this.units.formatSize(c.size)]);
  }

  private line(localTsUs: number, message: unknown): void {
    if (this.closed || this.failure) return;
    let ns = BigInt(Math.floor(localTsUs)) * 1000n;
    if (ns < this.lastLocalNs) ns = this.lastLocalNs;
    this.lastLocalNs = ns;
    this.sink.write(`${ns} ${JSON.stringify(message)}\n`);
    this.lines++;
  }
}

export interface RecordOptions {
  exchange: string;
  symbol: string;
  out: string;
  minutes?: number;
  sandbox: boolean;
  baseUrl?: string;
  /** Price and size steps; default: the exchange's market precision. */
  tickSize?: number;
  lotSize?: number;
  stopSignal?: AbortSignal;
  handleSignals?: boolean;
}

/** `spreadlab record`: live market data from a ccxt exchange into a Binance raw capture file. */
export async function recordMarket(options: RecordOptions): Promise<{ file: string; lines: number; tickSize: number; lotSize: number }> {
  const { connectExchange, resolveMarket } = await import('./ccxt-client.ts');
  const { CcxtFeed } = await import('./ccxt-feed.ts');
  const { MarketUnits } = await import('../core/market.ts');
  const ex = await connectExchange({ exchange: options.exchange, sandbox: options.sandbox, baseUrl: options.baseUrl });
  try {
    const symbol = await resolveMarket(ex, options.symbol);
    const market = Object.values(ex.markets).find((m) => m.symbol === symbol)!;
    // ccxt precision is a step in TICK_SIZE mode (4), a number of decimals in DECIMAL_PLACES mode (2).
    const step = (p: number | undefined): number | undefined => (p === undefined ? undefined : ex.precisionMode === 2 ? 10 ** -p : p);
    const tickSize = options.tickSize ?? step(market.precision?.price);
    const lotSize = options.lotSize ?? step(market.precision?.amount);
    if (!tickSize || !lotSize)
      throw new Error(`${options.exchange} gives no price/amount step for ${symbol}: pass --tick-size and --lot-size`);
    const units = new MarketUnits({ symbol: market.id, tickSize, lotSize, makerFeeBps: 0, takerFeeBps: 0 });
    const recorder = new RawRecorder(options.out, units, market.id);
    const feed = new CcxtFeed(ex, symbol, () => {});
    feed.start(recorder);
    await new Promise<void>((resolve) => {
      const done = (): void => {
        process.off('SIGINT', done);
        process.off('SIGTERM', done);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, (options.minutes ?? 1) * 60_000);
      if (options.handleSignals) {
        process.on('SIGINT', done);
        process.on('SIGTERM', done);
      }
      options.stopSignal?.addEventListener('abort', done);
    });
    await feed.stop();
    await recorder.close();
    return { file: options.out, lines: recorder.lines, tickSize, lotSize };
  } finally {
    await ex.close().catch(() => {});
  }
}
