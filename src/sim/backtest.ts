import type { MarketUnits } from '../core/market.ts';
import type { Micros } from '../core/units.ts';
import type { MarketEvent, MarketEventSource, OpenMarketEvents } from '../core/events.ts';
import { Ledger } from '../ledger/ledger.ts';
import { Series } from '../core/series.ts';
import type { Strategy } from '../strategy/api.ts';
import { RecordedSeries } from '../strategy/recorded-series.ts';
import { SimExchange, type BookThroughRule, type VenueFill } from '../venue/exchange.ts';
import { OwnQuoteWatch } from '../venue/own-quotes.ts';
import type { FeeSchedule } from '../venue/fees.ts';
import { FifoChannel, type LatencyModel } from '../venue/latency.ts';
import type { QueueModel } from '../venue/queue.ts';
import { teeEvents } from '../data/tee.ts';
import { Rank, Scheduler } from './scheduler.ts';
import { SimGateway } from './gateway.ts';
import { OrderLog } from './order-log.ts';

/**
 * The event loop of a backtest: one virtual clock that merges three streams in time order —
 * market events at the venue (by exchTs), market events at the strategy's feed (by localTs), and the
 * scheduler's items (orders reaching the venue, replies and fills reaching the strategy, wake-ups) — with
 * the tie rule stated in scheduler.ts.
 *
 * Rules:
 * - Two timelines, as hftbacktest keeps them: the venue applies the market in the order the exchange did
 *   it (`openVenueEvents`: exchTs order; for a replay, exchange-order.ts states its key and tie rule), the
 *   strategy's feed sees it in the order it arrived (`openEvents`: localTs order, merge.ts's tie rule).
 *   They are two opens of the same data, one per timeline, or, when the data gives one opener for both
 *   (a synthetic market, whose generator emits in exchange-time order with a constant feed latency), one
 *   open read once for both (tee.ts). The strategy's feed is always kept, from the data's start (what the
 *   strategy reads is that feed: gateway.ts); before the strategy starts no hook is registered, so the
 *   feed is only applied. The venue's clock never goes back: an event stamped earlier than its
 *   predecessor is applied at the predecessor's time (a quote, placed at its local time, or data whose lag
 *   exceeds the reorder bound).
 * - The strategy starts at `startTs`, or, when its feed has shown nothing by then (a synthetic market's
 *   first book reaches the feed one feed latency after the start), with the feed's first event, as a
 *   live run waits for its first market data.
 * - The strategy is async code. Whenever the loop resolves one of its promises (a reply, a wake-up), it
 *   lets the strategy run until it is blocked again on virtual time (one macrotask turn) before moving on;
 *   market events in between are processed synchronously.
 * - The mid path (`midPath`: the reference mid of every fill, of markouts and of the inventory PnL) records
 *   the venue's book at message boundaries only: after a snapshot or a delta flagged `last`. Inside one
 *   message the book may be crossed or half moved; a fill caused by a message (a book-through) takes its
 *   mid from the last complete book before that message, and a trade's fill from the last complete book
 *   before the trade. A one-sided complete book keeps the last two-sided mid.
 * - The run ends at `endTs` or when the data runs out, whichever is first; pending sleeps then resolve to
 *   false so a `while (await clock.sleep(ms))` loop returns. The final mark uses the last two-sided mid.
 * - Nothing here reads the wall clock or Math.random.
 */
export interface BacktestSetup {
  units: MarketUnits;
  fees: FeeSchedule;
  /** The strategy's feed: market events in localTs order. */
  openEvents: OpenMarketEvents;
  /** The venue's timeline: the same events in exchTs order (OpenedData.openVenue). */
  openVenueEvents: OpenMarketEvents;
  startTs: Micros;
  endTs: Micros;
  queue: QueueModel;
  latency: LatencyModel;
  /** The venue's book-through rule (exchange.ts); default crossed-quantity. */
  bookThrough?: BookThroughRule;
  strategy: Strategy;
  /** Where the run records its orders (default: a log of its own, dropped with the run). */
  orderLog?: OrderLog;
  /** Called now and then with the share of simulated time done. */
  onProgress?: (fraction: number) => void;
}

export interface FillRecord extends VenueFill {
  /** Position after this fill, lots. */
  positionAfter: number;
  /** Index in `midPath` of the mid in force at the fill: the last complete book before it (-1 before the first two-sided book). */
  midIndex: number;
  /** When the fill notice reached the strategy (local time, µs). */
  noticeTs: Micros;
}

export interface BacktestResult {
  fills: FillRecord[];
  ledger: Ledger;
  /** Best bid + best ask at the end, ticks (twice the final mid). */
  finalMid2: number;
  /** Every change of the venue's mid at a complete book (message boundary): time (exchTs) and best bid + best ask (ticks). */
  midPath: Series;
  /** Every change of our best resting bid and ask at the venue: time, bid, ask (ticks; NaN when none). */
  quotePath: Series;
  /** The series the strategy recorded (context.record). */
  strategySeries: RecordedSeries;
  marketEvents: number;
  ordersSent: number;
  rejects: number;
  cancels: number;
  startTs: Micros;
  endTs: Micros;
}

const PROGRESS_EVERY = 65_536;

export async function runBacktest(setup: BacktestSetup): Promise<BacktestResult> {
  return new Backtest(setup).run();
}

class Backtest {
  private readonly scheduler = new Scheduler();
  private readonly ledger = new Ledger();
  private readonly fills: FillRecord[] = [];
  private readonly exchange: SimExchange;
  private readonly gateway: SimGateway;
  private readonly venueFeed: MarketEventSource;
  private venueNext: MarketEvent | null;
  // Times get a number where they are declared: a field declared without one starts undefined, and V8 then
  // stores every later value in a new heap number (measured: about 35 bytes of garbage an event).
  private venueTime: Micros = -Infinity;
  private readonly localFeed: MarketEventSource;
  private localNext: MarketEvent | null;
  private now: Micros = 0;
  private endTs: Micros = 0;
  private lastMid2 = NaN;
  private readonly midPath = new Series(1);
  private readonly quotePath = new Series(2);
  private readonly strategySeries = new RecordedSeries();
  private readonly ownQuotes: OwnQuoteWatch;
  private marketEvents = 0;
  /** Market events the strategy's feed has shown (it starts once there is one). */
  private feedEvents = 0;
  /** The start time came before the feed's first event: the strategy starts with that event. */
  private startWaitsForFeed = false;
  private strategyFailure: unknown = null;

  constructor(private readonly setup: BacktestSetup) {
    this.now = setup.startTs;
    this.endTs = setup.endTs;
    this.exchange = new SimExchange(setup.queue, setup.fees, (fill) => this.onVenueFill(fill), setup.bookThrough);
    this.ownQuotes = new OwnQuoteWatch(this.exchange, (bid, ask) => this.quotePath.push2(this.now, bid, ask));
    const responses = new FifoChannel();
    this.gateway = new SimGateway({
      units: setup.units,
      exchange: this.exchange,
      ledger: this.ledger,
      scheduler: this.scheduler,
      latency: setup.latency,
      entry: new FifoChannel(),
      responses,
      orderLog: setup.orderLog ?? new OrderLog(),
      now: () => this.now,
      endTs: () => this.endTs,
      strategySeries: this.strategySeries,
    });
    // One data, two timelines: read once when its two orders are the same (a synthetic market), else opened twice.
    [this.venueFeed, this.localFeed] =
      setup.openVenueEvents === setup.openEvents ? teeEvents(setup.openEvents()) : [setup.openVenueEvents(), setup.openEvents()];
    this.venueNext = this.venueFeed.next();
    this.localNext = this.localFeed.next();
  }

  async run(): Promise<BacktestResult> {
    this.scheduler.schedule(this.setup.startTs, Rank.strategyWake, () => {
      if (this.feedEvents > 0) this.startStrategy();
      else this.startWaitsForFeed = true;
    });
    for (;;) {
      const resolvedStrategy = this.step();
      if (resolvedStrategy === null) break;
      if (resolvedStrategy) await letStrategyRun();
      if (this.strategyFailure) throw this.strategyFailure;
    }
    this.gateway.endRun();
    await letStrategyRun();
    if (this.strategyFailure) throw this.strategyFailure;
    this.setup.onProgress?.(1);
    return {
      fills: this.fills,
      ledger: this.ledger,
      finalMid2: this.lastMid2,
      midPath: this.midPath,
      quotePath: this.quotePath,
      strategySeries: this.strategySeries,
      marketEvents: this.marketEvents,
      ordersSent: this.gateway.ordersSent,
      rejects: this.gateway.rejects,
      cancels: this.gateway.cancels,
      startTs: this.setup.startTs,
      endTs: this.endTs,
    };
  }

  /**
   * Processes market events synchronously up to the next scheduled item, then that item.
   * Returns true when it woke the strategy, false when not, null when the run is over.
   */
  private step(): boolean | null {
    for (;;) {
      const item = this.scheduler.peek();
      const venueTs = this.venueNext ? Math.max(this.venueNext.exchTs, this.venueTime) : Infinity;
      const localTs = this.localNext ? this.localNext.localTs : Infinity;
      const itemTs = item ? item.time : Infinity;
      if (venueTs <= itemTs && venueTs <= localTs) {
        if (venueTs > this.endTs) return this.finish();
        this.applyVenueEvent(venueTs);
        continue;
      }
      if ((item && itemTs < localTs) || (itemTs === localTs && item && item.rank < Rank.localMarket)) {
        if (itemTs > this.endTs) return this.finish();
        this.scheduler.pop();
        this.now = itemTs;
        item.run();
        if (item.rank === Rank.orderArrival) this.ownQuotes.check();
        return item.rank >= Rank.strategyNotice;
      }
      if (localTs === Infinity) return this.finish();
      if (localTs > this.endTs) return this.finish();
      return this.applyLocalEvent();
    }
  }

  /** Ends the run at the earlier of endTs and the end of the data. */
  private finish(): null {
    if (!this.venueNext) this.endTs = Math.min(this.endTs, Math.max(this.venueTime, this.setup.startTs));
    this.now = this.endTs;
    return null;
  }

  private applyVenueEvent(time: Micros): void {
    const event = this.venueNext!;
    this.venueTime = time;
    this.now = time;
    const fillsBefore = this.fills.length;
    this.exchange.applyMarketEvent(event);
    if (event.kind === 'snapshot' || (event.kind === 'delta' && event.last)) this.recordMid(time);
    if (this.fills.length !== fillsBefore) this.ownQuotes.check();
    this.marketEvents++;
    if ((this.marketEvents & (PROGRESS_EVERY - 1)) === 0) this.reportProgress();
    this.venueNext = this.venueFeed.next();
  }

  /** Records the venue's mid after a complete book message, when it changed (and both sides have a level). */
  private recordMid(time: Micros): void {
    const book = this.exchange.book;
    const mid2 = book.bestBid + book.bestAsk;
    if (Number.isFinite(mid2) && mid2 !== this.lastMid2) {
      this.lastMid2 = mid2;
      this.midPath.push1(time, mid2);
    }
  }

  /** Applies one event to the strategy's feed; true when a hook ran (the strategy then gets a turn). */
  private applyLocalEvent(): boolean {
    const event = this.localNext!;
    this.now = event.localTs;
    // Order-by-order events are for the venue's queue model only: a strategy's feed is the book and the tape.
    const shown = event.kind !== 'order';
    const hookRan = shown && this.gateway.receiveMarket(event);
    this.localNext = this.localFeed.next();
    if (shown && this.feedEvents++ === 0 && this.startWaitsForFeed) {
      this.scheduler.schedule(this.now, Rank.strategyWake, () => this.startStrategy());
    }
    return hookRan;
  }

  private startStrategy(): void {
    const context = this.gateway.context();
    this.setup.strategy(context).catch((error: unknown) => {
      this.strategyFailure = error;
    });
  }

  private onVenueFill(fill: VenueFill): void {
    this.ledger.applyFill(fill.side, fill.price, fill.size, fill.fee);
    const noticeTs = this.gateway.notifyFill(fill);
    this.fills.push({ ...fill, positionAfter: this.ledger.position, midIndex: this.midPath.length - 1, noticeTs });
  }

  private reportProgress(): void {
    const span = this.setup.endTs - this.setup.startTs;
    if (this.setup.onProgress && span > 0) this.setup.onProgress(Math.min(1, (this.now - this.setup.startTs) / span));
  }
}

/** One macrotask turn: every promise continuation the strategy has queued runs before it. */
function letStrategyRun(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
