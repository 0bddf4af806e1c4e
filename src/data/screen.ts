import { L2Book } from '../book/l2-book.ts';
import { safeRealpath } from '../core/output.ts';
import type { BookSnapshot, MarketEvent } from '../core/events.ts';
import { isoMicros } from '../core/units.ts';
import { allocateColumns, COLUMN_NAMES, FLAG_ASK, FLAG_SNAPSHOT_START, hasSecondValues, Kind, SECOND_COLUMNS, type EventColumns, type RowSource } from './columns.ts';
import type { ReplayInput } from './format.ts';
import type { ProblemLog } from './problems.ts';
import { RowsPassedOn } from './row-source.ts';

/**
 * Checks across the inputs of one replay, after each reader has checked its own rows. Each problem goes to
 * the replay's ProblemLog like a bad row: `stop` ends the load at the first, `skip` drops what it names
 * and goes on, `collect` (data validate) lists them all.
 *
 * Rules:
 * - Duplicate inputs: a file listed twice — the same file under two names, or two files with the same
 *   content (SHA-256) — would count every event and fill twice. The later listing is the problem (dropped
 *   under skip).
 * - One market: every input's symbol must be the first input's (files of one replay are one market: an ETH
 *   book must not be traded against BTC prints). An input whose format names no symbol is not checked. A
 *   mismatching input is the problem (dropped under skip).
 * - Far prints: a trade printed below half the best bid or above twice the best ask of the book at that
 *   moment — the merged book rows (a snapshot resets, deltas set levels), or, without book rows, the last
 *   quote — is a problem (dropped under skip): it would fill every resting quote of ours. Its message names
 *   the inputs holding trades and the trade's time (merged rows carry no line numbers). Before both sides
 *   of a book are known there is nothing to compare with, and the trade passes.
 * Known limits: a real move of more than half the price between two book updates would be flagged.
 */

/** The inputs without repeats (see the header), in their order; each repeat is reported. */
export function withoutDuplicateInputs(inputs: ReplayInput[], sha256: Map<string, string>, problems: ProblemLog): ReplayInput[] {
  const seen = new Map<string, ReplayInput>();
  const kept: ReplayInput[] = [];
  for (const input of inputs) {
    const keys = [`path:${safeRealpath(input.path)}`, `sha256:${sha256.get(input.path) ?? input.path}`];
    const earlier = keys.map((k) => seen.get(k)).find((e) => e !== undefined);
    if (earlier) {
      const same = safeRealpath(earlier.path) === safeRealpath(input.path) ? 'the same file' : 'a file with the same content';
      problems.report(input.display, 0, 0, `listed twice: ${same} as ${earlier.display} (every event would count twice; list each file once)`);
      continue;
    }
    for (const k of keys) seen.set(k, input);
    kept.push(input);
  }
  return kept;
}

/** Whether each decoded input belongs to the replay's market (see the header); a mismatch is reported. */
export function sameMarket(inputs: { symbol: string; files: ReplayInput[] }[], problems: ProblemLog): boolean[] {
  const first = inputs.find((i) => i.symbol !== '');
  return inputs.map((input) => {
    if (!first || input.symbol === '' || input.symbol === first.symbol) return true;
    problems.report(
      input.files[0].display,
      0,
      0,
      `symbol ${JSON.stringify(input.symbol)}: expected ${JSON.stringify(first.symbol)} like ${first.files[0].display} (the files of one replay are one market)`,
    );
    return false;
  });
}

/** The book (or last quote) a trade is compared with; see the header. */
class FarPrintScreen {
  private readonly book = new L2Book();
  private quoteBid = NaN;
  private quoteAsk = NaN;
  private bookRows = false;

  snapshotStart(): void {
    this.book.clear();
    this.bookRows = true;
  }

  level(ask: boolean, price: number, size: number): void {
    this.book.set(ask ? 'ask' : 'bid', price, size);
    this.bookRows = true;
  }

  quote(bid: number, ask: number): void {
    this.quoteBid = bid;
    this.quoteAsk = ask;
  }

  /** Takes row `i` in when it is a book row or a quote (a snapshot's first row starts the book again); trade and order rows change nothing. */
  row(c: Omit<EventColumns, 'length'>, i: number): void {
    const kind = c.kind[i];
    if (kind === Kind.QUOTE) this.quote(c.price[i], c.price2[i]);
    else if (kind === Kind.DELTA || kind === Kind.SNAPSHOT) {
      if (kind === Kind.SNAPSHOT && (c.flags[i] & FLAG_SNAPSHOT_START) !== 0) this.snapshotStart();
      this.level((c.flags[i] & FLAG_ASK) !== 0, c.price[i], c.size[i]);
    }
  }

  /** Takes a whole snapshot event in. */
  snapshot(e: BookSnapshot): void {
    this.snapshotStart();
    for (let i = 0; i < e.bidPrices.length; i++) this.level(false, e.bidPrices[i], e.bidSizes[i]);
    for (let i = 0; i < e.askPrices.length; i++) this.level(true, e.askPrices[i], e.askSizes[i]);
  }

  /** Null when the trade is within the book's reach (or there is no two-sided reference), else the book it is far from. */
  problem(price: number): { below: boolean; bid: number; ask: number } | null {
    const bid = this.bookRows ? this.book.bestBid : this.quoteBid;
    const ask = this.bookRows ? this.book.bestAsk : this.quoteAsk;
    if (!(bid > 0) || !(ask > 0)) return null;
    if (price * 2 >= bid && price <= ask * 2) return null;
    return { below: price < bid, bid, ask };
  }
}

function farPrintMessage(exchTs: number, price: number, tickSize: number, far: { below: boolean; bid: number; ask: number }): string {
  const where = far.below ? 'below half the best bid' : 'above twice the best ask';
  const book = `bid ${formatTicks(far.bid, tickSize)}, ask ${formatTicks(far.ask, tickSize)}`;
  return `trade at ${isoMicros(exchTs)} (exchange time): price ${formatTicks(price, tickSize)} is far outside the book, ${where} (${book}); expected a print between half the best bid and twice the best ask`;
}

function formatTicks(ticks: number, tickSize: number): string {
  return String(Number((ticks * tickSize).toPrecision(15)));
}

/** The inputs that hold trades, as a far print's message names them. */
export function tradeInputsLabel(inputs: { files: ReplayInput[]; trades: boolean }[]): string {
  const names = inputs.filter((i) => i.trades).map((i) => i.files[0].display);
  return names.length > 0 ? names.join(', ') : 'data.files';
}

export function hasTrades(c: EventColumns): boolean {
  for (let i = 0; i < c.length; i++) if (c.kind[i] === Kind.TRADE) return true;
  return false;
}

/**
 * Screens merged columns for far prints (see the header); returns the columns without them (the same
 * object when there are none or the log is in `stop` mode, which throws at the first).
 */
export function screenFarPrints(c: EventColumns, label: string, tickSize: number, problems: ProblemLog): EventColumns {
  const screen = new FarPrintScreen();
  let drop: Uint8Array | null = null;
  for (let i = 0; i < c.length; i++) {
    const kind = c.kind[i];
    if (kind !== Kind.TRADE) {
      screen.row(c, i);
      continue;
    }
    const far = screen.problem(c.price[i]);
    if (far === null) continue;
    problems.report(label, 0, 0, farPrintMessage(c.exchTs[i], c.price[i], tickSize, far));
    drop ??= new Uint8Array(c.length);
    drop[i] = 1;
  }
  return drop ? withoutRows(c, drop) : c;
}

function withoutRows(c: EventColumns, drop: Uint8Array): EventColumns {
  let kept = 0;
  for (let i = 0; i < c.length; i++) if (!drop[i]) kept++;
  const out: EventColumns = { length: kept, ...allocateColumns(kept) };
  // price2 and size2 stay empty when they are (columns.ts); writes past an empty typed array are dropped
  if (!hasSecondValues(c)) for (const name of SECOND_COLUMNS) out[name] = new Float64Array(0);
  let j = 0;
  for (let i = 0; i < c.length; i++) {
    if (drop[i]) continue;
    for (const name of COLUMN_NAMES) (out[name] as Float64Array)[j] = (c[name] as Float64Array)[i];
    j++;
  }
  return out;
}

/**
 * The rows of a merged stream without its far prints (see the header), screened as they are read, in one
 * pass with whatever reads them (stream-entry.ts writes the streamed replay entry through it): each far
 * print is reported to `problems` (under stop the first throws) and passed over, never named by peekRow.
 * A trade is checked when peekRow first names it, against the book of the rows passed over before it;
 * book rows and quotes are taken into the book as they are passed over (a snapshot through next()).
 */
export function withoutFarPrintRows(source: RowSource, label: string, tickSize: number, problems: ProblemLog): RowSource {
  return new ScreenedRows(source, label, tickSize, problems);
}

class ScreenedRows extends RowsPassedOn {
  private readonly screen = new FarPrintScreen();
  /** The row the source names now was checked (and kept), until it is passed over. */
  private kept = false;

  constructor(
    source: RowSource,
    private readonly label: string,
    private readonly tickSize: number,
    private readonly problems: ProblemLog,
  ) {
    super(source);
  }

  override peekRow(): number {
    for (;;) {
      const i = this.source.peekRow();
      if (i < 0 || this.kept) return i;
      const c = this.source.rows;
      const far = c.kind[i] === Kind.TRADE ? this.screen.problem(c.price[i]) : null;
      if (far === null) {
        this.kept = true;
        return i;
      }
      this.problems.report(this.label, 0, 0, farPrintMessage(c.exchTs[i], c.price[i], this.tickSize, far));
      this.source.skipRow();
    }
  }

  skipRow(): void {
    const i = this.peekRow();
    if (i < 0) return;
    this.screen.row(this.source.rows, i);
    this.source.skipRow();
    this.kept = false;
  }

  next(): MarketEvent | null {
    const i = this.peekRow();
    if (i < 0) return null;
    this.kept = false;
    if (this.source.rows.kind[i] !== Kind.SNAPSHOT) {
      this.screen.row(this.source.rows, i);
      return this.source.next();
    }
    const snapshot = this.source.next() as BookSnapshot;
    this.screen.snapshot(snapshot);
    return snapshot;
  }
}
