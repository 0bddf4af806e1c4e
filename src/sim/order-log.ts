import type { OrderStatus } from '../core/events.ts';
import type { Lots, Micros } from '../core/units.ts';
import type { SimExchange } from '../venue/exchange.ts';
import type { OrderIntent, VenueReply } from '../venue/orders.ts';

/**
 * The order log: one record per order a run sent (backtest, paper, live, dry run), from sending to its end.
 * Run folders hold it as orders.csv (run-files.ts), linked by order id to fills.csv.
 *
 * Rules:
 * - An order is recorded when it is sent. A request the order checks refuse before sending
 *   (order-check.ts) is not an order: it counts as a reject in the summary and has no record.
 * - Times, µs since the epoch:
 *   `sentTs` when the strategy sent it (its clock: virtual in a backtest, the wall clock in paper and live);
 *   `venueTs` when it reached the venue (backtest and paper: the modelled arrival; live: the exchange's own
 *   timestamp of the order when the exchange reports one, else NaN; dry run: NaN);
 *   `ackTs` when the venue's answer reached the strategy;
 *   `cancelTs` when it was cancelled (backtest and paper: at the venue; live and dry run: when the cancel
 *   was acknowledged); an IOC or market order's unfilled rest counts as cancelled when the venue answered.
 * - `placedMid2` (best bid + best ask, ticks) and `placedQueueAhead` (lots) describe the book the order met:
 *   backtest and paper, the venue's book on arrival and the queue model's queue ahead of the order (NaN for
 *   an order that did not rest); live and dry run, the strategy's feed when it sent the order (the size
 *   displayed at the order's price: 0 at a price inside the book's range with no level, NaN beyond it).
 * - `filled` adds up the order's fills as the run booked them.
 * - Status at the end of the run: `rejected` (refused by the venue), else `filled` (filled in full), else
 *   `cancelled` (a cancel after a partial fill included), else `open` (still resting when the run ended).
 * - An order the exchange refused without giving it an id has the id "" (live only).
 * Known limits: an amend is not recorded (price and size are as placed, the queue as on arrival).
 */
/** What is known of an order when it is sent (its price NaN for a market order). */
export type SentOrder = Omit<OrderIntent, 'id'>;

export interface OrderRecord extends SentOrder {
  id: string;
  sentTs: Micros;
  venueTs: Micros;
  ackTs: Micros;
  cancelTs: Micros;
  /** Rejected by the venue. */
  rejected: boolean;
  /** The venue's reason for a reject ("" when none). */
  reason: string;
  filled: Lots;
  placedMid2: number;
  placedQueueAhead: Lots;
}

export class OrderLog {
  private readonly list: OrderRecord[] = [];
  private readonly byId = new Map<string, OrderRecord>();

  /** The strategy sent an order (id "" when the exchange gave it none: see `identify`). */
  sent(id: string, order: SentOrder, sentTs: Micros): OrderRecord {
    const record: OrderRecord = {
      id,
      ...order,
      sentTs,
      venueTs: NaN,
      ackTs: NaN,
      cancelTs: NaN,
      rejected: false,
      reason: '',
      filled: 0,
      placedMid2: NaN,
      placedQueueAhead: NaN,
    };
    this.list.push(record);
    if (id !== '') this.byId.set(id, record);
    return record;
  }

  /** Gives a record sent without an id the one the exchange answered with. */
  identify(record: OrderRecord, id: string): void {
    record.id = id;
    if (id !== '') this.byId.set(id, record);
  }

  /** The order reached the venue at `venueTs`. */
  arrived(record: OrderRecord, venueTs: Micros): void {
    record.venueTs = venueTs;
  }

  /** The book the order met when it was placed: best bid + best ask (ticks) and the queue ahead of it (lots). */
  placed(record: OrderRecord, mid2: number, queueAhead: Lots): void {
    record.placedMid2 = mid2;
    record.placedQueueAhead = queueAhead;
  }

  /** The venue's answer to the order reached the strategy. */
  answered(record: OrderRecord, ackTs: Micros, status: OrderStatus, reason: string | undefined): void {
    record.ackTs = ackTs;
    if (status === 'rejected') {
      record.rejected = true;
      record.reason = reason ?? '';
    } else if (status === 'cancelled' && !(record.cancelTs >= 0)) {
      record.cancelTs = Number.isFinite(record.venueTs) ? record.venueTs : ackTs;
    }
  }

  /** Order `id` was cancelled at `ts` (unknown ids are ignored: a cancel of an order of another run). */
  cancelled(id: string, ts: Micros): void {
    const record = this.byId.get(id);
    if (record && !(record.cancelTs >= 0)) record.cancelTs = ts;
  }

  filledBy(id: string, size: Lots): void {
    const record = this.byId.get(id);
    if (record) record.filled += size;
  }

  get(id: string): OrderRecord | undefined {
    return this.byId.get(id);
  }

  /** Every order in the order it was sent. */
  records(): readonly OrderRecord[] {
    return this.list;
  }
}

/** An order's status at the end of the run (see the rules above). */
export function finalStatus(record: OrderRecord): OrderStatus {
  if (record.rejected) return 'rejected';
  if (record.filled >= record.size) return 'filled';
  if (record.cancelTs >= 0) return 'cancelled';
  return 'open';
}

/** Records, on an order's arrival at the simulated venue, the book it met and its queue ahead if it rests. */
export function placedAtVenue(log: OrderLog, record: OrderRecord, exchange: SimExchange, arrival: Micros, reply: VenueReply): void {
  let queueAhead = NaN;
  if (reply.status === 'open') {
    for (const order of exchange.openOrders()) if (order.id === record.id) queueAhead = order.queueAhead;
  }
  log.arrived(record, arrival);
  log.placed(record, exchange.book.bestBid + exchange.book.bestAsk, queueAhead);
}
