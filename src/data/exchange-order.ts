import { objectArray } from '../core/arrays.ts';
import type { MarketEvent, MarketEventSource, OpenMarketEvents } from '../core/events.ts';
import { Ring } from '../core/ring.ts';
import type { Micros } from '../core/units.ts';
import { addSnapshotRow, emptySnapshot, FLAG_SNAPSHOT_START, Kind, RowEvents, type EventColumns, type RowSource } from './columns.ts';
import { RANK } from './merge.ts';
import { EventCopy } from './event-copy.ts';

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
 * - Any other source, a streamed replay or events in memory (byExchangeTime): a reorder buffer, one queue
 *   per class. The feed is read ahead until the earliest buffered event's key is below L − maxLag, with L
 *   the localTs of the last event read and maxLag the largest localTs − exchTs of the data's book and
 *   trade rows; every event not yet read has localTs ≥ L, hence a key ≥ L − maxLag, so none can sort
 *   before it. The buffer holds about maxLag of data (on the BTCUSDT spot capture: trades reach the capture
 *   up to 218 ms after they happened). Events are copied into pooled records (event-copy.ts: no
 *   allocation per event once the pool has grown to the buffer's size). A maxLag smaller than the data's
 *   real lag yields the late events as soon as they are read (their key then sorts before events already
 *   yielded); the backtest applies such an event at the venue's current time.
 * Measured on the BTCUSDT spot replay (391,169 events): reading it in feed order takes about 4 ms, through
 * the kept row order about the same, through the reorder buffer about 35 ms.
 * Known limits: an outlier row (one event read long after it happened) makes the buffer hold that much
 * data; synthetic markets need none of this (each generator emits in exchange-time order).
 */
export function byExchangeTime(open: OpenMarketEvents, maxLagUs: Micros): OpenMarketEvents {
  return () => new ExchangeTimeOrder(open(), Math.max(0, maxLagUs));
}

/** Decoded columns opened in venue order, read through their row order (venueRowOrder of the same columns). */
export function openColumnsByExchTime(columns: EventColumns, order: Int32Array): OpenMarketEvents {
  return () => new RowOrderSource(columns, order);
}

/** The class rank of an event at one exchange time (merge.ts's RANK): trades and order events 0, book rows 1, quotes 2. */
function rankOf(event: MarketEvent): number {
  return event.kind === 'trade' || event.kind === 'order' ? 0 : event.kind === 'quote' ? 2 : 1;
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

/** One buffered event: its key and a copy of it. */
class Entry extends EventCopy {
  key = 0;
}

class ExchangeTimeOrder implements MarketEventSource {
  /** Buffered events of each class (trades, book rows, quotes), each in feed order, so in key order. */
  private readonly queues = [new Ring<Entry>(), new Ring<Entry>(), new Ring<Entry>()];
  private readonly free = objectArray<Entry>();
  /** The entry last yielded: recycled on the next call (its event is valid until then). */
  private yielded: Entry | null = null;
  /** The last key of each class, so a class's keys never go back. */
  private readonly lastKey = [-Infinity, -Infinity, -Infinity];
  /** localTs of the last event read from the feed. */
  private frontier = -Infinity;
  private drained = false;

  constructor(
    private readonly feed: MarketEventSource,
    private readonly maxLag: Micros,
  ) {}

  next(): MarketEvent | null {
    if (this.yielded) {
      this.free.push(this.yielded);
      this.yielded = null;
    }
    for (;;) {
      const first = this.firstClass();
      if (first >= 0 && (this.drained || this.queues[first].peek().key < this.frontier - this.maxLag)) {
        this.yielded = this.queues[first].shift();
        return this.yielded.event;
      }
      if (this.drained) return null;
      const event = this.feed.next();
      if (event) this.read(event);
      else this.drained = true;
    }
  }

  /** The class whose first buffered event sorts first: lowest key, then lowest rank (-1 when all are empty). */
  private firstClass(): number {
    let first = -1;
    let firstKey = Infinity;
    for (let rank = 0; rank < 3; rank++) {
      const queue = this.queues[rank];
      if (queue.length > 0 && queue.peek().key < firstKey) {
        first = rank;
        firstKey = queue.peek().key;
      }
    }
    return first;
  }

  /** Buffers a copy of one event read from the feed. */
  private read(event: MarketEvent): void {
    const entry = this.free.pop() ?? new Entry();
    const rank = rankOf(event);
    const key = Math.max(event.kind === 'quote' ? event.localTs : event.exchTs, this.lastKey[rank]);
    this.lastKey[rank] = key;
    this.frontier = event.localTs;
    entry.key = key;
    entry.copy(event);
    this.queues[rank].push(entry);
  }
}
