import type { BookSnapshot, MarketEvent, OpenMarketEvents } from '../core/events.ts';
import type { Micros } from '../core/units.ts';
import {
  addSnapshotRow,
  allocateColumns,
  COLUMN_NAMES,
  copyRow,
  emptySnapshot,
  FLAG_SNAPSHOT_START,
  Kind,
  RowEvents,
  type EventColumns,
  type RowSource,
} from './columns.ts';
import { RANK } from './merge.ts';
import { copySnapshot } from './event-copy.ts';
import { rowSourceOf } from './row-source.ts';

/**
 * The venue's timeline of a replay: the same events as the strategy's feed (localTs order, merge.ts), put
 * back in the order the exchange did them.
 *
 * Rules:
 * - Each event's place on the venue timeline is its key: exchTs for book and trade events; localTs for
 *   quotes (best bid/offer). A quote does not change the venue's book, and spot bookTicker has no exchange
 *   time of its own (its readers write the capture time, on the capture host's clock, into exchTs), so a
 *   quote stands where the strategy saw it. Within one class (trades; book rows; quotes) the key never
 *   goes back: an event stamped earlier than its class's previous one takes that one's key, so each
 *   stream's own sequence (a depth stream's update ids) is kept.
 * - Events are yielded by (key, class rank, feed position): at one exchange time trades come before book
 *   rows, and book rows before quotes (merge.ts's RANK). Trades first because a print and the depth update
 *   that shows it gone are usually stamped alike: the queue model advances a resting order's queue by the
 *   trade, and the depth update after it only re-reads the level (the other order would shrink the queue
 *   twice). Equal keys and rank keep the feed's order, so one exchange message (rows sharing exchTs, one
 *   class, consecutive in the feed) stays whole and in order. As each class's keys never go back, the
 *   venue order is the merge of the three classes' feed sequences.
 * - Decoded columns (openColumnsByExchTime): the merge is done once over the rows (venueRowOrder) and the
 *   order kept next to the columns (an Int32Array of row indices, 4 bytes a row; loadReplay computes it
 *   with the merged columns and keeps it with them in the cache's replay entry); each open reads the rows
 *   through it, as openColumns reads them in feed order.
 * - Any other source, events in memory or a streamed replay's feed (byExchangeTime; a streamed replay goes
 *   through it once, when its entry's venue file is written: stream-entry.ts): a reorder buffer, one queue
 *   per class. The feed is read ahead until the earliest buffered event's key is below L − maxLag, with L
 *   the localTs of the last event read and maxLag the largest localTs − exchTs of the data's book and
 *   trade rows; every event not yet read has localTs ≥ L, hence a key ≥ L − maxLag, so none can sort
 *   before it. The buffer holds about maxLag of data (on the BTCUSDT spot capture: trades reach the capture
 *   up to 218 ms after they happened). The feed is read as rows (row-source.ts) and each row copied into
 *   its class's ring of columns (no allocation per event once the rings have grown to the buffer's size; a
 *   snapshot is kept as a copy of its event), and the buffer is read as rows in turn. A maxLag smaller than the data's
 *   real lag yields the late events as soon as they are read (their key then sorts before events already
 *   yielded); the backtest applies such an event at the venue's current time.
 * Measured on the BTCUSDT spot replay (391,169 events): reading it in feed order takes about 4 ms, through
 * the kept row order about the same, through the reorder buffer about 35 ms.
 * Known limits: an outlier row (one event read long after it happened) makes the buffer hold that much
 * data; synthetic markets need none of this (each generator emits in exchange-time order).
 */
export function byExchangeTime(open: OpenMarketEvents, maxLagUs: Micros): OpenMarketEvents {
  return () => new ExchangeTimeOrder(rowSourceOf(open()), Math.max(0, maxLagUs));
}

/** Decoded columns opened in venue order, read through their row order (venueRowOrder of the same columns). */
export function openColumnsByExchTime(columns: EventColumns, order: Int32Array): OpenMarketEvents {
  return () => new RowOrderSource(columns, order);
}

/** The largest localTs − exchTs of the book and trade events (0 when none lags): byExchangeTime's bound. */
export function maxFeedLag(events: readonly MarketEvent[]): Micros {
  let lag = 0;
  for (const e of events) if (e.kind !== 'quote' && e.localTs - e.exchTs > lag) lag = e.localTs - e.exchTs;
  return lag;
}

/** The venue order of the rows (indices into the columns, in feed order): the merge of the three classes by key. */
export function venueRowOrder(columns: EventColumns): Int32Array {
  const n = columns.length;
  // Each row's key, and the rows of each class in feed order.
  const keys = new Float64Array(n);
  const classes = [new Int32Array(n), new Int32Array(n), new Int32Array(n)];
  const counts = [0, 0, 0];
  const lastKey = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    const kind = columns.kind[i];
    const rank = RANK[kind];
    lastKey[rank] = keys[i] = Math.max(kind === Kind.QUOTE ? columns.localTs[i] : columns.exchTs[i], lastKey[rank]);
    classes[rank][counts[rank]++] = i;
  }
  // Their merge by (key, rank).
  const order = new Int32Array(n);
  const at = [0, 0, 0];
  for (let k = 0; k < n; k++) {
    let first = -1;
    for (let rank = 0; rank < 3; rank++) {
      if (at[rank] < counts[rank] && (first < 0 || keys[classes[rank][at[rank]]] < keys[classes[first][at[first]]])) first = rank;
    }
    order[k] = classes[first][at[first]++];
  }
  return order;
}

/** Rows of decoded columns read in a given order, formed into events as openColumns forms them. */
class RowOrderSource implements RowSource {
  readonly localShift = 0;
  private at = 0;
  private readonly events = new RowEvents();

  constructor(
    private readonly columns: EventColumns,
    private readonly order: Int32Array,
  ) {}

  get rows(): EventColumns {
    return this.columns;
  }

  peekRow(): number {
    return this.at < this.order.length ? this.order[this.at] : -1;
  }

  skipRow(): void {
    this.at++;
  }

  next(): MarketEvent | null {
    const { columns: c, order } = this;
    if (this.at >= order.length) return null;
    const i = order[this.at++];
    if (c.kind[i] !== Kind.SNAPSHOT) return this.events.read(c, i, 0);
    // A snapshot: its rows are consecutive in this order too (one key, one class, consecutive in the feed).
    const snapshot = emptySnapshot(c.exchTs[i], c.localTs[i]);
    addSnapshotRow(snapshot, c, i);
    while (this.at < order.length) {
      const j = order[this.at];
      if (c.kind[j] !== Kind.SNAPSHOT || (c.flags[j] & FLAG_SNAPSHOT_START) !== 0) break;
      addSnapshotRow(snapshot, c, j);
      this.at++;
    }
    return snapshot;
  }
}

/**
 * One class's buffered rows, in feed order: a ring of columns (capacity a power of two, doubled when full)
 * with each row's key; a snapshot is one row (kind, flags, times) and a copy of its event.
 */
class RowRing {
  cols: Omit<EventColumns, 'length'>;
  keys: Float64Array;
  snapshots: (BookSnapshot | null)[];
  /** Physical index of the first row. */
  head = 0;
  length = 0;

  constructor(capacity = 1024) {
    this.cols = allocateColumns(capacity);
    this.keys = new Float64Array(capacity);
    this.snapshots = new Array<BookSnapshot | null>(capacity).fill(null);
  }

  /**
   * Appends row `i` of `c` (localTs shifted by `shift`); returns its physical index, where the caller writes
   * its key (a time passed as an argument would be boxed on every call).
   */
  push(c: Omit<EventColumns, 'length'>, i: number, shift: number): number {
    if (this.length === this.keys.length) this.grow();
    const at = (this.head + this.length++) & (this.keys.length - 1);
    copyRow(c, i, shift, this.cols, at);
    return at;
  }

  pushSnapshot(key: number, snapshot: BookSnapshot): void {
    if (this.length === this.keys.length) this.grow();
    const at = (this.head + this.length++) & (this.keys.length - 1);
    const to = this.cols;
    to.kind[at] = Kind.SNAPSHOT;
    to.flags[at] = FLAG_SNAPSHOT_START;
    to.exchTs[at] = snapshot.exchTs;
    to.localTs[at] = snapshot.localTs;
    to.price[at] = to.size[at] = to.price2[at] = to.size2[at] = NaN;
    this.keys[at] = key;
    this.snapshots[at] = snapshot;
  }

  firstKey(): number {
    return this.keys[this.head];
  }

  /** Drops the first row. */
  shift(): void {
    this.snapshots[this.head] = null;
    this.head = (this.head + 1) & (this.keys.length - 1);
    this.length--;
  }

  /** Doubles the capacity, rows moved to the front in order. */
  private grow(): void {
    const capacity = this.keys.length * 2;
    const cols = allocateColumns(capacity);
    const keys = new Float64Array(capacity);
    const snapshots = new Array<BookSnapshot | null>(capacity).fill(null);
    for (let k = 0; k < this.length; k++) {
      const from = (this.head + k) & (this.keys.length - 1);
      for (const name of COLUMN_NAMES) cols[name][k] = this.cols[name][from];
      keys[k] = this.keys[from];
      snapshots[k] = this.snapshots[from];
    }
    this.cols = cols;
    this.keys = keys;
    this.snapshots = snapshots;
    this.head = 0;
  }
}

/** The reorder buffer (see the header), read as rows or as events. */
class ExchangeTimeOrder implements RowSource {
  readonly localShift = 0;
  rows: Omit<EventColumns, 'length'>;
  /** Buffered rows of each class (trades, book rows, quotes), each in feed order, so in key order. */
  private readonly queues = [new RowRing(), new RowRing(), new RowRing()];
  /** The class of the row peekRow last named. */
  private current = 0;
  /** The row peekRow last named, until it is passed over (-1: not known yet). */
  private peeked = -1;
  /** The last key of each class, so a class's keys never go back. */
  private readonly lastKey = [-Infinity, -Infinity, -Infinity];
  /** localTs of the last event read from the feed. */
  private frontier = -Infinity;
  private drained = false;
  private readonly events = new RowEvents();

  constructor(
    private readonly feed: RowSource,
    private readonly maxLag: Micros,
  ) {
    this.rows = this.queues[0].cols;
  }

  peekRow(): number {
    if (this.peeked >= 0) return this.peeked;
    for (;;) {
      const first = this.firstClass();
      if (first >= 0 && (this.drained || this.queues[first].firstKey() < this.frontier - this.maxLag)) {
        const queue = this.queues[first];
        this.current = first;
        this.rows = queue.cols;
        return (this.peeked = queue.head);
      }
      if (this.drained) return -1;
      this.read();
    }
  }

  skipRow(): void {
    if (this.peekRow() >= 0) this.pass();
  }

  next(): MarketEvent | null {
    const i = this.peekRow();
    if (i < 0) return null;
    const queue = this.queues[this.current];
    const event = queue.cols.kind[i] === Kind.SNAPSHOT ? queue.snapshots[i]! : this.events.read(queue.cols, i, 0);
    this.pass();
    return event;
  }

  /** Passes over the row peekRow named. */
  private pass(): void {
    this.queues[this.current].shift();
    this.peeked = -1;
  }

  /** The class whose first buffered row sorts first: lowest key, then lowest rank (-1 when all are empty). */
  private firstClass(): number {
    let first = -1;
    let firstKey = Infinity;
    for (let rank = 0; rank < 3; rank++) {
      const queue = this.queues[rank];
      if (queue.length > 0 && queue.firstKey() < firstKey) {
        first = rank;
        firstKey = queue.firstKey();
      }
    }
    return first;
  }

  /** Buffers a copy of the feed's next event (drained when there is none). */
  private read(): void {
    const feed = this.feed;
    const i = feed.peekRow();
    if (i < 0) {
      this.drained = true;
      return;
    }
    const c = feed.rows;
    const kind = c.kind[i];
    const rank = RANK[kind];
    const localTs = c.localTs[i] + feed.localShift;
    const key = Math.max(kind === Kind.QUOTE ? localTs : c.exchTs[i], this.lastKey[rank]);
    this.lastKey[rank] = key;
    this.frontier = localTs;
    if (kind === Kind.SNAPSHOT) {
      this.queues[rank].pushSnapshot(key, copySnapshot(feed.next() as BookSnapshot));
      return;
    }
    const queue = this.queues[rank];
    queue.keys[queue.push(c, i, feed.localShift)] = key;
    feed.skipRow();
  }
}
