import { z } from 'zod';
import type { L2Book } from '../book/l2-book.ts';
import type { BookSide, OrderEvent } from '../core/events.ts';
import type { Lots, Ticks } from '../core/units.ts';
import { defineVenueModel } from './model.ts';
import { consumeByTrade, type QueuedOrder, type QueueModel } from './queue.ts';

/**
 * `l3`: our place in the FIFO queue at our price, exactly, from order-by-order data (LOBSTER message files:
 * every order's submit, cancel, delete and execution, with its id).
 *
 * Rules:
 * - The model follows every order of the market it sees added (by id: side, price, size and its arrival
 *   number). One of ours joins the back of the queue at its price: every order already there is ahead of it
 *   (the displayed size on arrival is its queue ahead), every order added later is behind it.
 * - A cancel or delete of an order ahead of ours moves ours forward by the size cancelled; of an order
 *   behind ours, not at all.
 * - An execution of an order ahead of ours: the print that follows (the same message's trade) consumes that
 *   much of the queue ahead, as under every model, and fills nothing of ours (the queue ahead is raised to
 *   the executed size if it held less). An execution of an order behind ours means the incoming order went
 *   past our place (FIFO): nothing is ahead of ours any more, and the print fills ours first.
 * - Orders the model never saw added (resting before the data starts, or added while their level was not
 *   displayed) are known by their id only when they cancel or execute. At a level displayed without a
 *   break since ours joined, such an order was there before ours: ahead. After a break (below), a cancel of
 *   one is taken to be behind ours (no move) and an execution of one ahead of ours (executions take the
 *   front of the queue): both pessimistic.
 * - After every complete book message: where our price's level is displayed, the queue ahead is at most its
 *   size (orders ahead that left unseen); where the book shows our price empty (at or better than the best
 *   price on its side), the queue ahead is 0. Where our price lies beyond the levels the data displays
 *   (LOBSTER level 1: behind the best price), its events are not in the data: a break. One of ours that
 *   joined where nothing was displayed gets the level's whole displayed size as its queue ahead when the level
 *   first shows (what was added there unseen before and after it cannot be told apart: pessimistic).
 * - Depth changes do not move the queue otherwise. Hidden executions (no order id) are prints like any
 *   other: they consume the queue ahead first (LOBSTER's happen inside the spread, where no displayed order
 *   stands).
 * Known limits: exact while our price stays displayed (LOBSTER level 1: while it is the best bid or ask; a
 * level that falls behind the best loses its events until it is best again). Our own earlier orders at the
 * price stand ahead as under every model (the matcher puts them there). Needs order events: a scenario
 * naming it must replay order-by-order data.
 */
interface MarketOrder {
  price: Ticks;
  size: Lots;
  /** Arrival number: orders with a smaller one are ahead at the same price. */
  seq: number;
}

interface OurPlace {
  /** The arrival number the next market order would have had when ours joined. */
  joinedSeq: number;
  /** The level has been displayed (or shown empty) since ours joined. */
  levelSeen: boolean;
  /** The level went out of the displayed depth after it was seen: unseen orders may stand behind ours. */
  gap: boolean;
}

class OrderByOrderQueue implements QueueModel {
  private readonly market = { bid: new Map<number, MarketOrder>(), ask: new Map<number, MarketOrder>() };
  /** Our orders' places, by record (records are reused for new orders: onJoin resets the place). */
  private readonly places = new Map<QueuedOrder, OurPlace>();
  private seq = 0;

  readonly onTrade = consumeByTrade;

  onDepthChange(): void {}

  onJoin(order: QueuedOrder, book: L2Book): void {
    let place = this.places.get(order);
    if (!place) {
      place = { joinedSeq: 0, levelSeen: false, gap: false };
      this.places.set(order, place);
    }
    place.joinedSeq = this.seq;
    place.gap = false;
    place.levelSeen = book.sizeAt(bookSide(order), order.price) > 0 || shownEmpty(book, order);
  }

  onOrderEvent(event: OrderEvent, ours: readonly QueuedOrder[]): void {
    const orders = this.market[event.side];
    const known = orders.get(event.orderId);
    if (event.action !== 'add')
      for (const order of ours) if (bookSide(order) === event.side && order.price === event.price) this.move(order, event, known);
    switch (event.action) {
      case 'add':
        orders.set(event.orderId, { price: event.price, size: event.size, seq: this.seq++ });
        break;
      case 'delete':
        orders.delete(event.orderId);
        break;
      default:
        if (known && (known.size -= event.size) <= 0) orders.delete(event.orderId);
    }
  }

  onBookMessage(book: L2Book, ours: readonly QueuedOrder[]): void {
    for (const order of ours) {
      const place = this.places.get(order);
      if (!place) continue;
      const displayed = book.sizeAt(bookSide(order), order.price);
      if (displayed > 0) {
        order.queueAhead = place.levelSeen ? Math.min(order.queueAhead, displayed) : displayed;
        place.levelSeen = true;
      } else if (shownEmpty(book, order)) {
        order.queueAhead = 0;
        place.levelSeen = true;
      } else if (place.levelSeen) place.gap = true;
    }
  }

  /** A cancel, delete or execution at the price of our `order`: moves it as the rules say. */
  private move(order: QueuedOrder, event: OrderEvent, known: MarketOrder | undefined): void {
    const place = this.places.get(order)!;
    if (event.action === 'execute') {
      const ahead = known ? known.seq < place.joinedSeq : true;
      order.queueAhead = ahead ? Math.max(order.queueAhead, event.size) : 0;
      return;
    }
    const ahead = known ? known.seq < place.joinedSeq : !place.gap;
    if (ahead) order.queueAhead = Math.max(0, order.queueAhead - event.size);
  }
}

function bookSide(order: QueuedOrder): BookSide {
  return order.side === 'buy' ? 'bid' : 'ask';
}

/** The book shows `order`'s price empty: it is at or better than the best price on its side (or that side is empty). */
function shownEmpty(book: L2Book, order: QueuedOrder): boolean {
  return order.side === 'buy' ? !(order.price < book.bestBid) : !(order.price > book.bestAsk);
}

export const l3Queue = defineVenueModel({
  name: 'l3',
  description:
    'exact FIFO place from order-by-order data (LOBSTER messages): orders ahead that cancel or execute move us, orders behind do not',
  params: z.object({}),
  create: (): QueueModel => new OrderByOrderQueue(),
});
