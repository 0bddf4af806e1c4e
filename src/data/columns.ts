import type {
  BookDelta,
  BookSnapshot,
  MarketEvent,
  MarketEventSource,
  OpenMarketEvents,
  OrderAction,
  OrderEvent,
  Quote,
  Trade,
} from '../core/events.ts';
import type { Side } from '../core/units.ts';

/**
 * Market events stored column by column in typed arrays: what readers decode into, what the binary cache
 * holds, and what a replay iterates without allocating per event.
 *
 * One row is one of:
 * - DELTA: a level's new absolute size (`price`, `size`; side in FLAG_ASK; FLAG_LAST ends a message);
 * - SNAPSHOT: one level of a snapshot; the rows of one snapshot are consecutive, the first has
 *   FLAG_SNAPSHOT_START (it resets the book), sides in FLAG_ASK;
 * - TRADE: `price`, `size`, taker side in FLAG_ASK (set = the taker sold);
 * - QUOTE: best bid `price`/`size`, best ask `price2`/`size2` (NaN price when a side is absent);
 * - ORDER: one order's event (order-by-order data): `price`, `size`, the order id in `price2` (exact up to
 *   2^53), side in FLAG_ASK, the action in the two bits at ORDER_ACTION_SHIFT (ORDER_ACTIONS' index).
 * Rows are in localTs order.
 * `price2` and `size2` (SECOND_COLUMNS) mean something only on quote and order rows (NaN on the others): a
 * table without such rows may hold them empty (length 0), as the readers' builder, the merge and the cache
 * leave them, so book and trade data cost 34 bytes a row instead of 50 (hasSecondValues tells which).
 */
export const Kind = { DELTA: 0, SNAPSHOT: 1, TRADE: 2, QUOTE: 3, ORDER: 4 } as const;
export const FLAG_ASK = 1;
export const FLAG_LAST = 2;
export const FLAG_SNAPSHOT_START = 4;
export const ORDER_ACTION_SHIFT = 3;
export const ORDER_ACTIONS: readonly OrderAction[] = ['add', 'cancel', 'delete', 'execute'];

/** A TRADE row's taker side, from its flags. */
export function takerSideOf(flags: number): Side {
  return (flags & FLAG_ASK) !== 0 ? 'sell' : 'buy';
}

/** The flags of an ORDER row. */
export function orderFlags(action: OrderAction, ask: boolean): number {
  return (ORDER_ACTIONS.indexOf(action) << ORDER_ACTION_SHIFT) | (ask ? FLAG_ASK : 0);
}

export interface EventColumns {
  length: number;
  kind: Uint8Array;
  flags: Uint8Array;
  exchTs: Float64Array;
  localTs: Float64Array;
  price: Float64Array;
  size: Float64Array;
  price2: Float64Array;
  size2: Float64Array;
}

export const COLUMN_NAMES = ['kind', 'flags', 'exchTs', 'localTs', 'price', 'size', 'price2', 'size2'] as const;

/** The columns only quote and order rows use (see the header). */
export const SECOND_COLUMNS = ['price2', 'size2'] as const;

/** Whether a row of this kind uses price2 and size2. */
export function usesSecondValues(kind: number): boolean {
  return kind === Kind.QUOTE || kind === Kind.ORDER;
}

/** Whether the table holds price2 and size2 (false when they are empty: no quote or order row). */
export function hasSecondValues(columns: EventColumns): boolean {
  return columns.price2.length > 0;
}

/**
 * Receives rows a spilling ColumnsBuilder hands out: rows [0, count) of `columns`, valid only during the call;
 * price2 and size2 are empty (length 0) while no quote or order row has been pushed.
 */
export type ColumnsSpill = (columns: Omit<EventColumns, 'length'>, count: number) => void;

/**
 * A growable column builder for readers.
 * price2 and size2 stay empty until the first quote or order row (they are then allocated, NaN on the rows
 * before), so book and trade rows write and hold only the columns they use.
 * With `spillTo(sink)` it stops growing: when its buffer is full it hands every row but the most recent one
 * to the sink and keeps going in the same buffer (the most recent row stays, so `markLast` and `lastLocalTs`
 * still work), and `build()` then returns only the rows not yet handed out. `length` always counts every row
 * pushed. Streaming decode (stream.ts) uses this to write a file's columns to the cache chunk by chunk.
 * `build()` ends the builder's use: when the rows fill most of its buffer (MIN_FILL_TO_SHARE), the columns
 * it returns are views of that buffer rather than copies.
 */
export class ColumnsBuilder {
  length = 0;
  private capacity: number;
  private cols: Omit<EventColumns, 'length'>;
  /** Rows already handed to the sink. */
  private spilled = 0;
  private sink: ColumnsSpill | null = null;
  /** A quote or order row was pushed: price2 and size2 are allocated and written. */
  private secondValues = false;

  constructor(initialCapacity = 1 << 16) {
    this.capacity = Math.max(2, initialCapacity);
    this.cols = allocateColumns(this.capacity, false);
  }

  spillTo(sink: ColumnsSpill): void {
    this.sink = sink;
  }

  push(kind: number, flags: number, exchTs: number, localTs: number, price: number, size: number, price2 = NaN, size2 = NaN): void {
    if (this.length - this.spilled === this.capacity) this.full();
    const i = this.length++ - this.spilled;
    const c = this.cols;
    c.kind[i] = kind;
    c.flags[i] = flags;
    c.exchTs[i] = exchTs;
    c.localTs[i] = localTs;
    c.price[i] = price;
    c.size[i] = size;
    if (!this.secondValues) {
      if (!usesSecondValues(kind)) return;
      this.secondValues = true;
      c.price2 = new Float64Array(this.capacity).fill(NaN);
      c.size2 = new Float64Array(this.capacity).fill(NaN);
    }
    c.price2[i] = price2;
    c.size2[i] = size2;
  }

  /** Marks the most recent row as the last of its message. */
  markLast(): void {
    if (this.length > 0) this.cols.flags[this.length - 1 - this.spilled] |= FLAG_LAST;
  }

  lastLocalTs(): number {
    return this.length > 0 ? this.cols.localTs[this.length - 1 - this.spilled] : -Infinity;
  }

  /** The rows pushed (after spilling: only those not yet handed to the sink); price2 and size2 empty when no row uses them. */
  build(): EventColumns {
    const n = this.length - this.spilled;
    const share = n >= this.capacity * MIN_FILL_TO_SHARE;
    const out = { length: n } as EventColumns;
    for (const name of COLUMN_NAMES) {
      const col = this.cols[name];
      (out as unknown as Record<string, unknown>)[name] = col.length === 0 ? col : share ? col.subarray(0, n) : col.slice(0, n);
    }
    return out;
  }

  private full(): void {
    if (this.sink) {
      const keep = this.capacity - 1;
      this.sink(this.cols, keep);
      for (const name of COLUMN_NAMES) (this.cols[name] as Float64Array).copyWithin(0, keep, this.capacity);
      this.spilled += keep;
      return;
    }
    const bigger = allocateColumns(this.capacity * 2, this.secondValues);
    for (const name of COLUMN_NAMES) (bigger[name] as Float64Array | Uint8Array).set(this.cols[name] as Float64Array & Uint8Array);
    this.cols = bigger;
    this.capacity *= 2;
  }
}

/** The share of its buffer a builder's rows must fill for build() to return views of it instead of copies (at most a third of it then lies unused). */
const MIN_FILL_TO_SHARE = 0.75;

/** Columns for n rows; price2 and size2 empty unless `secondValues`. */
export function allocateColumns(n: number, secondValues = true): Omit<EventColumns, 'length'> {
  const second = secondValues ? n : 0;
  return {
    kind: new Uint8Array(n),
    flags: new Uint8Array(n),
    exchTs: new Float64Array(n),
    localTs: new Float64Array(n),
    price: new Float64Array(n),
    size: new Float64Array(n),
    price2: new Float64Array(second),
    size2: new Float64Array(second),
  };
}

/** Copies row `i` of `from`, `shift` added to its localTs, into row `at` of `to`; empty second columns (columns.ts header) read as NaN. */
export function copyRow(from: Omit<EventColumns, 'length'>, i: number, shift: number, to: Omit<EventColumns, 'length'>, at: number): void {
  to.kind[at] = from.kind[i];
  to.flags[at] = from.flags[i];
  to.exchTs[at] = from.exchTs[i];
  to.localTs[at] = from.localTs[i] + shift;
  to.price[at] = from.price[i];
  to.size[at] = from.size[i];
  to.price2[at] = from.price2.length > 0 ? from.price2[i] : NaN;
  to.size2[at] = from.size2.length > 0 ? from.size2[i] : NaN;
}

export function emptySnapshot(exchTs: number, localTs: number): BookSnapshot {
  return { kind: 'snapshot', exchTs, localTs, bidPrices: [], bidSizes: [], askPrices: [], askSizes: [] };
}

/** Adds row `i` (a snapshot level) to the snapshot, on its side. */
export function addSnapshotRow(snapshot: BookSnapshot, c: Omit<EventColumns, 'length'>, i: number): void {
  if ((c.flags[i] & FLAG_ASK) !== 0) {
    snapshot.askPrices.push(c.price[i]);
    snapshot.askSizes.push(c.size[i]);
  } else {
    snapshot.bidPrices.push(c.price[i]);
    snapshot.bidSizes.push(c.size[i]);
  }
}

/**
 * A market event source that can hand out its next event as a row of decoded columns (columns.ts), so a
 * consumer that only needs a level, a time or a kind reads them straight from the typed arrays, with no
 * event record formed per row: the backtest applies delta rows to its two books this way (sim/backtest.ts).
 *
 * Protocol: `peekRow()` returns the index in `rows` of the next event's first row (-1 when the source is
 * done); `rows` is valid after that call until the source moves on. A single-row event (not a snapshot) may
 * then be passed over with `skipRow()`; `next()` still yields it as an event (and gathers a snapshot's rows).
 * `localShift` is added to every row's localTs (a streamed replay's clock alignment; 0 for in-memory tables).
 * Rows read this way are the ones the same source's `next()` would have formed into events, in the same order.
 * `close()`, where a source has it, gives up what is left (a streamed file's read-ahead thread, stream.ts):
 * a consumer that stops before the end calls it; the source yields nothing after.
 */
export interface RowSource extends MarketEventSource {
  readonly rows: Omit<EventColumns, 'length'>;
  readonly localShift: number;
  peekRow(): number;
  skipRow(): void;
  close?(): void;
}

/** Opens the columns as a market event source; each open starts from the first row. */
export function openColumns(columns: EventColumns): OpenMarketEvents {
  return () => new ColumnSource(columns);
}

/**
 * Forms the event of one delta, trade or quote row, reusing one object per kind (no allocation per event;
 * MarketEventSource's contract). Shared by ColumnSource and the streaming replay (stream.ts), so both form
 * events alike. Snapshot rows are gathered by the caller (addSnapshotRow).
 */
export class RowEvents {
  private readonly delta: BookDelta = { kind: 'delta', exchTs: 0, localTs: 0, side: 'bid', price: 0, size: 0, last: false };
  private readonly trade: Trade = { kind: 'trade', exchTs: 0, localTs: 0, price: 0, size: 0, takerSide: 'buy' };
  private readonly quote: Quote = { kind: 'quote', exchTs: 0, localTs: 0, bidPrice: NaN, bidSize: 0, askPrice: NaN, askSize: 0 };
  private readonly order: OrderEvent = { kind: 'order', exchTs: 0, localTs: 0, action: 'add', orderId: 0, side: 'bid', price: 0, size: 0 };

  /** The event of row `i` (not a snapshot row), with `shift` added to its localTs. */
  read(c: Omit<EventColumns, 'length'>, i: number, shift: number): BookDelta | Trade | Quote | OrderEvent {
    const kind = c.kind[i];
    const ask = (c.flags[i] & FLAG_ASK) !== 0;
    if (kind === Kind.DELTA) {
      const d = this.delta;
      d.exchTs = c.exchTs[i];
      d.localTs = c.localTs[i] + shift;
      d.side = ask ? 'ask' : 'bid';
      d.price = c.price[i];
      d.size = c.size[i];
      d.last = (c.flags[i] & FLAG_LAST) !== 0;
      return d;
    }
    if (kind === Kind.TRADE) {
      const t = this.trade;
      t.exchTs = c.exchTs[i];
      t.localTs = c.localTs[i] + shift;
      t.price = c.price[i];
      t.size = c.size[i];
      t.takerSide = takerSideOf(c.flags[i]);
      return t;
    }
    if (kind === Kind.ORDER) {
      const o = this.order;
      o.exchTs = c.exchTs[i];
      o.localTs = c.localTs[i] + shift;
      o.action = ORDER_ACTIONS[(c.flags[i] >> ORDER_ACTION_SHIFT) & 3];
      o.orderId = c.price2[i];
      o.side = ask ? 'ask' : 'bid';
      o.price = c.price[i];
      o.size = c.size[i];
      return o;
    }
    const q = this.quote;
    q.exchTs = c.exchTs[i];
    q.localTs = c.localTs[i] + shift;
    q.bidPrice = c.price[i];
    q.bidSize = c.size[i];
    q.askPrice = c.price2[i];
    q.askSize = c.size2[i];
    return q;
  }
}

class ColumnSource implements RowSource {
  readonly localShift = 0;
  private row = 0;
  private readonly events = new RowEvents();

  constructor(private readonly c: EventColumns) {}

  get rows(): EventColumns {
    return this.c;
  }

  peekRow(): number {
    return this.row < this.c.length ? this.row : -1;
  }

  skipRow(): void {
    this.row++;
  }

  next(): MarketEvent | null {
    const c = this.c;
    const i = this.row;
    if (i >= c.length) return null;
    if (c.kind[i] === Kind.SNAPSHOT) return this.snapshot();
    this.row++;
    return this.events.read(c, i, 0);
  }

  /** Gathers one snapshot's consecutive rows into a snapshot event. */
  private snapshot(): BookSnapshot {
    const c = this.c;
    const first = this.row;
    const snapshot = emptySnapshot(c.exchTs[first], c.localTs[first]);
    let i = first;
    do {
      addSnapshotRow(snapshot, c, i);
      i++;
    } while (i < c.length && c.kind[i] === Kind.SNAPSHOT && (c.flags[i] & FLAG_SNAPSHOT_START) === 0);
    this.row = i;
    return snapshot;
  }
}
