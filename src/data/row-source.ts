import type { MarketEvent, MarketEventSource } from '../core/events.ts';
import { allocateColumns, FLAG_ASK, FLAG_LAST, FLAG_SNAPSHOT_START, Kind, orderFlags, type EventColumns, type RowSource } from './columns.ts';

/** The source itself when it hands out rows, else an adapter that copies each event into a one-row table. */
export function rowSourceOf(source: MarketEventSource): RowSource {
  return isRowSource(source) ? source : new EventRows(source);
}

/**
 * A row source that reads another and passes its rows on, the base of one that also acts on them as they
 * pass (screen.ts's far-print screen, stream-entry.ts's feed file): a subclass overrides what it acts on.
 */
export abstract class RowsPassedOn implements RowSource {
  /** The source's, which a row source never changes. */
  readonly localShift: number;

  constructor(protected readonly source: RowSource) {
    this.localShift = source.localShift;
  }

  get rows(): Omit<EventColumns, 'length'> {
    return this.source.rows;
  }

  peekRow(): number {
    return this.source.peekRow();
  }

  abstract skipRow(): void;

  abstract next(): MarketEvent | null;

  close(): void {
    this.source.close?.();
  }
}

function isRowSource(source: MarketEventSource): source is RowSource {
  return typeof (source as Partial<RowSource>).peekRow === 'function';
}

/**
 * Any event source as a row source (synthetic markets, the reorder buffer, filtered streams): each event is
 * written into row 0 of its own table (a snapshot only as its first row: kind, flags and times), and kept
 * for `next()`, which returns the source's own event object.
 */
class EventRows implements RowSource {
  readonly rows = allocateColumns(1);
  readonly localShift = 0;
  private held: MarketEvent | null = null;
  private loaded = false;

  constructor(private readonly source: MarketEventSource) {}

  peekRow(): number {
    if (!this.loaded) {
      this.held = this.source.next();
      this.loaded = true;
      if (this.held) writeRow(this.held, this.rows);
    }
    return this.held ? 0 : -1;
  }

  skipRow(): void {
    this.peekRow();
    this.loaded = false;
  }

  next(): MarketEvent | null {
    this.peekRow();
    this.loaded = false;
    return this.held;
  }
}

/** Writes an event as row 0 of the columns (a snapshot: its first row's kind, flags and times only). */
function writeRow(e: MarketEvent, c: Omit<EventColumns, 'length'>): void {
  c.exchTs[0] = e.exchTs;
  c.localTs[0] = e.localTs;
  c.price2[0] = NaN;
  c.size2[0] = NaN;
  switch (e.kind) {
    case 'snapshot':
      c.kind[0] = Kind.SNAPSHOT;
      c.flags[0] = FLAG_SNAPSHOT_START;
      c.price[0] = NaN;
      c.size[0] = NaN;
      break;
    case 'delta':
      c.kind[0] = Kind.DELTA;
      c.flags[0] = (e.side === 'ask' ? FLAG_ASK : 0) | (e.last ? FLAG_LAST : 0);
      c.price[0] = e.price;
      c.size[0] = e.size;
      break;
    case 'trade':
      c.kind[0] = Kind.TRADE;
      c.flags[0] = e.takerSide === 'sell' ? FLAG_ASK : 0;
      c.price[0] = e.price;
      c.size[0] = e.size;
      break;
    case 'quote':
      c.kind[0] = Kind.QUOTE;
      c.flags[0] = 0;
      c.price[0] = e.bidPrice;
      c.size[0] = e.bidSize;
      c.price2[0] = e.askPrice;
      c.size2[0] = e.askSize;
      break;
    case 'order':
      c.kind[0] = Kind.ORDER;
      c.flags[0] = orderFlags(e.action, e.side === 'ask');
      c.price[0] = e.price;
      c.size[0] = e.size;
      c.price2[0] = e.orderId;
      break;
  }
}
