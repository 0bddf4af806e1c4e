import type { BookDelta, BookSnapshot, MarketEvent, OrderEvent, Quote, Trade } from '../core/events.ts';

/**
 * A reusable copy of one market event, for the sources that hold events a consumer reads later (the reorder
 * buffer of the venue timeline, the tee of one source into two timelines): sources reuse their event
 * objects (MarketEventSource's contract), so a held event must be copied. Delta, trade, quote and order
 * event copies go
 * into objects this record owns (no allocation once the record exists); a snapshot is copied into a new
 * object (snapshots are rare).
 */
export class EventCopy {
  event: MarketEvent;
  private readonly delta: BookDelta = { kind: 'delta', exchTs: 0, localTs: 0, side: 'bid', price: 0, size: 0, last: false };
  private readonly trade: Trade = { kind: 'trade', exchTs: 0, localTs: 0, price: 0, size: 0, takerSide: 'buy' };
  private readonly quote: Quote = { kind: 'quote', exchTs: 0, localTs: 0, bidPrice: NaN, bidSize: 0, askPrice: NaN, askSize: 0 };
  private readonly order: OrderEvent = { kind: 'order', exchTs: 0, localTs: 0, action: 'add', orderId: 0, side: 'bid', price: 0, size: 0 };

  constructor() {
    this.event = this.delta;
  }

  /** Copies `event` into this record and returns the copy (valid until the next copy into this record). */
  copy(event: MarketEvent): MarketEvent {
    switch (event.kind) {
      case 'delta': {
        const d = this.delta;
        d.exchTs = event.exchTs;
        d.localTs = event.localTs;
        d.side = event.side;
        d.price = event.price;
        d.size = event.size;
        d.last = event.last;
        this.event = d;
        break;
      }
      case 'trade': {
        const t = this.trade;
        t.exchTs = event.exchTs;
        t.localTs = event.localTs;
        t.price = event.price;
        t.size = event.size;
        t.takerSide = event.takerSide;
        this.event = t;
        break;
      }
      case 'quote': {
        const q = this.quote;
        q.exchTs = event.exchTs;
        q.localTs = event.localTs;
        q.bidPrice = event.bidPrice;
        q.bidSize = event.bidSize;
        q.askPrice = event.askPrice;
        q.askSize = event.askSize;
        this.event = q;
        break;
      }
      case 'order': {
        const o = this.order;
        o.exchTs = event.exchTs;
        o.localTs = event.localTs;
        o.action = event.action;
        o.orderId = event.orderId;
        o.side = event.side;
        o.price = event.price;
        o.size = event.size;
        this.event = o;
        break;
      }
      case 'snapshot':
        this.event = copySnapshot(event);
    }
    return this.event;
  }
}

/** A snapshot copied into a new object (its level arrays too). */
export function copySnapshot(snapshot: BookSnapshot): BookSnapshot {
  return {
    kind: 'snapshot',
    exchTs: snapshot.exchTs,
    localTs: snapshot.localTs,
    bidPrices: snapshot.bidPrices.slice(),
    bidSizes: snapshot.bidSizes.slice(),
    askPrices: snapshot.askPrices.slice(),
    askSizes: snapshot.askSizes.slice(),
  };
}
