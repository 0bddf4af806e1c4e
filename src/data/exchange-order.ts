import { objectArray } from '../core/arrays.ts';
import type { MarketEvent, MarketEventSource, OpenMarketEvents } from '../core/events.ts';
import { MinHeap } from '../core/heap.ts';
import type { Micros } from '../core/units.ts';
import { Kind, type EventColumns } from './columns.ts';
import { EventCopy } from './event-copy.ts';

/**
 * The venue's timeline of a replay: the same events as the strategy's feed (localTs order, merge.ts), put
 * back in the order the exchange did them, by a small reorder buffer.
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
 *   class, consecutive in the feed) stays whole and in order.
 * - The buffer: the feed is read ahead until the earliest buffered event's key is below L − maxLag, with L
 *   the localTs of the last event read and maxLag the largest localTs − exchTs of the data's book and
 *   trade rows; every event not yet read has localTs ≥ L, hence a key ≥ L − maxLag, so none can sort
 *   before it. The buffer holds about maxLag of data (on the BTCUSDT spot capture: trades reach the capture
 *   up to 218 ms after they happened). Events are copied into pooled records (event-copy.ts: no
 *   allocation per event once the pool has grown to the buffer's size).
 * - A maxLag smaller than the data's real lag yields the late events as soon as they are read (their key
 *   then sorts before events already yielded); the backtest applies such an event at the venue's current
 *   time. maxFeedLag and columnsFeedLag compute the bound from the events.
 * Known limits: an outlier row (one event read long after it happened) makes the buffer hold that much
 * data; synthetic markets need none of this (each generator emits in exchange-time order).
 */
export function byExchangeTime(open: OpenMarketEvents, maxLagUs: Micros): OpenMarketEvents {
  return () => new ExchangeTimeOrder(open(), Math.max(0, maxLagUs));
}

/** The class rank of an event at one exchange time (merge.ts's RANK): trades 0, book rows 1, quotes 2. */
function rankOf(event: MarketEvent): number {
  return event.kind === 'trade' ? 0 : event.kind === 'quote' ? 2 : 1;
}

/** The largest localTs − exchTs of the book and trade events (0 when none lags). */
export function maxFeedLag(events: readonly MarketEvent[]): Micros {
  let lag = 0;
  for (const e of events) if (e.kind !== 'quote' && e.localTs - e.exchTs > lag) lag = e.localTs - e.exchTs;
  return lag;
}

const columnLags = new WeakMap<EventColumns, Micros>();

/** maxFeedLag over columns (book and trade rows), computed once per columns object. */
export function columnsFeedLag(columns: EventColumns): Micros {
  let lag = columnLags.get(columns);
  if (lag !== undefined) return lag;
  lag = 0;
  for (let i = 0; i < columns.length; i++) {
    if (columns.kind[i] === Kind.QUOTE) continue;
    const l = columns.localTs[i] - columns.exchTs[i];
    if (l > lag) lag = l;
  }
  columnLags.set(columns, lag);
  return lag;
}

/** One buffered event: its sort key and a copy of it. */
class Entry extends EventCopy {
  key = 0;
  rank = 0;
  seq = 0;
}

class ExchangeTimeOrder implements MarketEventSource {
  private readonly heap = new MinHeap<Entry>(before);
  private readonly free = objectArray<Entry>();
  /** The entry last yielded: recycled on the next call (its event is valid until then). */
  private yielded: Entry | null = null;
  /** The last key of each class, so a class's keys never go back. */
  private readonly lastKey = [-Infinity, -Infinity, -Infinity];
  /** localTs of the last event read from the feed. */
  private frontier = -Infinity;
  private seq = 0;
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
      const head = this.heap.peek();
      if (head && (this.drained || head.key < this.frontier - this.maxLag)) {
        this.yielded = this.heap.pop();
        return this.yielded.event;
      }
      if (this.drained) return null;
      const event = this.feed.next();
      if (event) this.read(event);
      else this.drained = true;
    }
  }

  /** Buffers a copy of one event read from the feed. */
  private read(event: MarketEvent): void {
    const entry = this.free.pop() ?? new Entry();
    const rank = rankOf(event);
    const key = Math.max(event.kind === 'quote' ? event.localTs : event.exchTs, this.lastKey[rank]);
    this.lastKey[rank] = key;
    this.frontier = event.localTs;
    entry.key = key;
    entry.rank = rank;
    entry.seq = this.seq++;
    entry.copy(event);
    this.heap.push(entry);
  }
}

function before(a: Entry, b: Entry): boolean {
  if (a.key !== b.key) return a.key < b.key;
  if (a.rank !== b.rank) return a.rank < b.rank;
  return a.seq < b.seq;
}
