import { setImmediate } from 'node:timers';
import type { MarketUnits } from '../core/market.ts';
import type { Lots, Micros } from '../core/units.ts';
import type { OpenMarketEvents } from '../core/events.ts';
import { Ledger } from '../ledger/ledger.ts';
import { Series } from '../core/series.ts';
import type { MarketInfo, Strategy } from '../strategy/api.ts';
import { RecordedSeries } from '../strategy/recorded-series.ts';
import { SimExchange, type BookThroughRule, type VenueFill } from '../venue/exchange.ts';
import { OwnQuoteWatch } from '../venue/own-quotes.ts';
import type { FeeSchedule } from '../venue/fees.ts';
import { FifoChannel, type LatencyModel } from '../venue/latency.ts';
import type { QueueModel } from '../venue/queue.ts';
import { teeEvents } from '../data/tee.ts';
import { FLAG_ASK, FLAG_LAST, Kind, takerSideOf, type RowSource } from '../data/columns.ts';
import { rowSourceOf } from '../data/row-source.ts';
import { constantFundingTimes, decimalNumber, decimalOf, fundingAmount, type Decimal, type FundingSchedule } from '../data/funding.ts';
import { Rank, Scheduler } from './scheduler.ts';
import { SimGateway, type GatewayMarket, type VenueLink } from './gateway.ts';
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
 *   lets the strategy run until it is blocked again on virtual time before moving on: every promise
 *   continuation and process.nextTick callback queued runs, to the last one they queue in turn; market
 *   events in between are processed synchronously. An item that resolves nothing (a fill notice when the
 *   strategy has no onFill hook: scheduler.ts) gives no turn, as no strategy code waits to run.
 *   How (runQueuedContinuations): the loop runs inside a macrotask (node:timers' setImmediate, which a
 *   test's fake timers do not replace) and runs the queue there with Node's manual tick, about 5 µs a wake
 *   less than a macrotask turn of the event loop (110 k wakes in the day benchmark); it gives the event loop
 *   a turn every WAKES_PER_TURN wakes (signals, I/O, other work of the process), which changes nothing in
 *   the run. Where the manual tick is missing or does not run the queue (checked at the run's first
 *   macrotask, then at each until it fails once), each wake takes a macrotask turn, which runs the same
 *   callbacks. A nextTick callback that throws is reported as Node reports it (an uncaught exception, from
 *   the macrotask), and the run goes on in the next macrotask, as it did before the manual tick. Strategy
 *   code waiting on a macrotask of its own (setImmediate, I/O) is not waited for either way.
 * - The mid path (`midPath`: the reference mid of every fill, of markouts and of the inventory PnL) records
 *   the venue's book at message boundaries only: after a snapshot or a delta flagged `last`. Inside one
 *   message the book may be crossed or half moved; a fill caused by a message (a book-through) takes its
 *   mid from the last complete book before that message, and a trade's fill from the last complete book
 *   before the trade. A one-sided complete book keeps the last two-sided mid.
 * - The run ends at `endTs` or when the data runs out, whichever is first; pending sleeps then resolve to
 *   false so a `while (await clock.sleep(ms))` loop returns. The final mark uses the last two-sided mid.
 * - Several markets (runPortfolio): each market has its own venue timeline, feed, simulated exchange, ledger
 *   and paths; the loop merges all of them with the scheduler. At equal time the tie rule above holds
 *   across markets (every market's venue events before any order arrival, …), and among markets of one
 *   rank the earlier market in scenario order goes first. The strategy starts when any market's feed has
 *   shown an event. The run ends at `endTs` or when every market's data has run out.
 * - Funding (a perpetual with a funding schedule, data/funding.ts): each payment due at F in
 *   (startTs, endTs] is booked at the venue when its clock reaches F — after the market events stamped at or
 *   before F, before the orders reaching the venue at F — on the position the venue holds then (fills
 *   stamped up to F), at the data's mark price or the mid of the last complete book.
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
  /** A perpetual's funding payments (none when absent). */
  funding?: FundingSchedule | null;
}

/** One market of a run of several: a one-market setup's market parts, and how the strategy names it. */
export type MarketRunSetup = Omit<BacktestSetup, 'startTs' | 'endTs' | 'strategy' | 'onProgress'> & {
  /** How the strategy names it and what its context lists (markets of one venue pass the same latency model). */
  info: MarketInfo;
};

export interface PortfolioSetup {
  /** The markets, the first (quoted) one first. */
  markets: MarketRunSetup[];
  startTs: Micros;
  endTs: Micros;
  strategy: Strategy;
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

/**
 * A fill's record, built field by field rather than as `{ ...fill, positionAfter, midIndex, noticeTs }`: V8
 * gives each such spread copy of an object with number fields a hidden class of its own (1970 classes for
 * 2000 copies), and every later read of a day's 55 k fills (analytics, fills.csv, the report) was then a
 * megamorphic lookup, ~10× slower.
 */
export function fillRecord(fill: VenueFill, positionAfter: number, midIndex: number, noticeTs: Micros): FillRecord {
  const { orderId, side, price, size, liquidity, fee, exchTs, remaining } = fill;
  return { orderId, side, price, size, liquidity, fee, exchTs, remaining, positionAfter, midIndex, noticeTs };
}

/** One funding payment booked (data/funding.ts). */
export interface FundingPayment {
  ts: Micros;
  /** The rate paid (0.0001 = 0.01 %). */
  rate: number;
  /** The mark price it was paid at (quote currency). */
  markPrice: number;
  /** The position it settled, lots. */
  position: Lots;
  /** Credited to the account, µTL (negative: paid). */
  amount: bigint;
}

/** The record of one market of a run (a one-market run has one). */
export interface BacktestResult {
  fills: FillRecord[];
  ledger: Ledger;
  /** Best bid + best ask at the end, ticks (twice the final mid). */
  finalMid2: number;
  /** Every change of the venue's mid at a complete book (message boundary): time (exchTs) and best bid + best ask (ticks). */
  midPath: Series;
  /** Every change of our best resting bid and ask at the venue: time, bid, ask (ticks; NaN when none). */
  quotePath: Series;
  /** The series the strategy recorded (context.record; one for the whole run). */
  strategySeries: RecordedSeries;
  marketEvents: number;
  ordersSent: number;
  rejects: number;
  cancels: number;
  startTs: Micros;
  endTs: Micros;
  /** Funding payments booked, in time order (empty without funding). */
  funding: FundingPayment[];
}

export interface PortfolioResult {
  /** Each market's record, in scenario order. */
  markets: BacktestResult[];
  /** The market index of every fill, in the order the venues booked them (across markets). */
  fillOrder: number[];
}

const PROGRESS_EVERY = 65_536;

/** A run of one strategy over several markets. */
export function runPortfolio(setup: PortfolioSetup): Promise<PortfolioResult> {
  return new Backtest(setup).run();
}

/** One market inside the loop: its venue, its two timelines and its record. */
class MarketLane {
  readonly ledger = new Ledger();
  readonly fills: FillRecord[] = [];
  readonly midPath = new Series(1);
  readonly quotePath = new Series(2);
  readonly funding: FundingPayment[] = [];
  readonly exchange: SimExchange;
  readonly ownQuotes: OwnQuoteWatch;
  /** The venue's timeline and the strategy's feed, read as rows (data/row-source.ts). */
  readonly venueRows: RowSource;
  readonly localRows: RowSource;
  venueTime: Micros = -Infinity;
  lastMid2 = NaN;
  marketEvents = 0;

  constructor(
    readonly index: number,
    readonly setup: MarketRunSetup,
    onFill: (lane: MarketLane, fill: VenueFill) => void,
    onQuotes: (lane: MarketLane, bid: number, ask: number) => void,
  ) {
    this.exchange = new SimExchange(setup.queue, setup.fees, (fill) => onFill(this, fill), setup.bookThrough);
    this.ownQuotes = new OwnQuoteWatch(this.exchange, (bid, ask) => onQuotes(this, bid, ask));
    // One data, two timelines: read once when its two orders are the same (a synthetic market), else opened twice.
    const [venue, local] =
      setup.openVenueEvents === setup.openEvents ? teeEvents(setup.openEvents()) : [setup.openVenueEvents(), setup.openEvents()];
    this.venueRows = rowSourceOf(venue);
    this.localRows = rowSourceOf(local);
  }

  /** When the venue applies its next event: its exchTs, or the venue's clock when stamped earlier (Infinity at the end). */
  nextVenueTs(): Micros {
    const i = this.venueRows.peekRow();
    if (i < 0) return Infinity;
    const exchTs = this.venueRows.rows.exchTs[i];
    return exchTs > this.venueTime ? exchTs : this.venueTime;
  }

  /** When the feed shows its next event: its localTs (Infinity at the end). */
  nextLocalTs(): Micros {
    const i = this.localRows.peekRow();
    return i < 0 ? Infinity : this.localRows.rows.localTs[i] + this.localRows.localShift;
  }
}

class Backtest {
  private readonly scheduler = new Scheduler();
  private readonly lanes: MarketLane[];
  /** Each lane's next venue and feed event time, as step last read them. */
  private readonly venueTimes: Float64Array;
  private readonly localTimes: Float64Array;
  private readonly fillOrder: number[] = [];
  private readonly gateway: SimGateway;
  // Times get a number where they are declared: a field declared without one starts undefined, and V8 then
  // stores every later value in a new heap number (measured: about 35 bytes of garbage an event).
  private now: Micros = 0;
  private endTs: Micros = 0;
  private readonly strategySeries = new RecordedSeries();
  private marketEvents = 0;
  /** Market events the strategy's feed has shown (it starts once there is one). */
  private feedEvents = 0;
  /** The start time came before the feed's first event: the strategy starts with that event. */
  private startWaitsForFeed = false;
  private strategyFailure: unknown = null;

  constructor(private readonly setup: PortfolioSetup) {
    this.now = setup.startTs;
    this.endTs = setup.endTs;
    this.lanes = setup.markets.map(
      (market, i) =>
        new MarketLane(
          i,
          market,
          (lane, fill) => this.onVenueFill(lane, fill),
          (lane, bid, ask) => lane.quotePath.push2(this.now, bid, ask),
        ),
    );
    this.venueTimes = new Float64Array(this.lanes.length);
    this.localTimes = new Float64Array(this.lanes.length);
    const links = new Map<LatencyModel, VenueLink>();
    const markets: GatewayMarket[] = this.lanes.map((lane) => {
      const { latency } = lane.setup;
      let link = links.get(latency);
      if (!link) links.set(latency, (link = { latency, entry: new FifoChannel(), responses: new FifoChannel() }));
      return {
        info: lane.setup.info,
        units: lane.setup.units,
        exchange: lane.exchange,
        ledger: lane.ledger,
        orderLog: lane.setup.orderLog ?? new OrderLog(),
        link,
      };
    });
    this.gateway = new SimGateway({
      markets,
      scheduler: this.scheduler,
      now: () => this.now,
      endTs: () => this.endTs,
      strategySeries: this.strategySeries,
    });
    for (const lane of this.lanes) this.scheduleFunding(lane);
  }

  async run(): Promise<PortfolioResult> {
    this.scheduler.schedule(this.setup.startTs, Rank.strategyWake, () => {
      if (this.feedEvents > 0) this.startStrategy();
      else this.startWaitsForFeed = true;
    });
    try {
      await this.stepToEnd();
    } finally {
      // a run that ends before its data, or fails, gives its sources up (a streamed file's read-ahead thread)
      for (const lane of this.lanes) {
        lane.venueRows.close?.();
        lane.localRows.close?.();
      }
    }
    this.gateway.endRun();
    await letStrategyRun();
    if (this.strategyFailure) throw this.strategyFailure;
    this.setup.onProgress?.(1);
    const markets = this.lanes.map((lane): BacktestResult => ({
      fills: lane.fills,
      ledger: lane.ledger,
      finalMid2: lane.lastMid2,
      midPath: lane.midPath,
      quotePath: lane.quotePath,
      strategySeries: this.strategySeries,
      marketEvents: lane.marketEvents,
      ...this.gateway.counts(lane.index),
      startTs: this.setup.startTs,
      endTs: this.endTs,
      funding: lane.funding,
    }));
    return { markets, fillOrder: this.fillOrder };
  }

  /**
   * Processes market events synchronously up to the next scheduled item, then that item.
   * Returns true when it woke the strategy, false when not, null when the run is over.
   * Market events are applied in runs (applyVenueRun, applyLocalRun): each run goes on up to the first thing
   * that must come before its next event by the tie rule (the next item, another market's event, the end of
   * the run), so the order is the one event-by-event merging gives. While the feed is not observed (no onBook
   * or onTrade hook, the strategy not waiting for the feed to start) nothing that reads the feed runs before
   * the next item, so the venue's run does not stop at feed events: the venue goes first up to the item, then
   * the feed (a venue fill's notice, scheduled during the venue's run, ends it and so bounds the feed's).
   */
  private step(): boolean | null {
    const { lanes, venueTimes, localTimes } = this;
    for (;;) {
      const item = this.scheduler.peek();
      const itemTs = item ? item.time : Infinity;
      let venueLane = -1;
      let venueTs = Infinity;
      let localLane = -1;
      let localTs = Infinity;
      for (let i = 0; i < lanes.length; i++) {
        const venue = (venueTimes[i] = lanes[i].nextVenueTs());
        if (venue < venueTs) {
          venueTs = venue;
          venueLane = i;
        }
        const local = (localTimes[i] = lanes[i].nextLocalTs());
        if (local < localTs) {
          localTs = local;
          localLane = i;
        }
      }
      const feedObserved = this.feedObserved();
      if (venueLane >= 0 && venueTs <= itemTs && venueTs <= this.endTs && (!feedObserved || venueTs <= localTs)) {
        // an earlier market's venue event at equal time goes first, a later one's after
        const loose = Math.min(earliest(venueTimes, venueLane + 1, lanes.length), itemTs, this.endTs, feedObserved ? localTs : Infinity);
        this.applyVenueRun(lanes[venueLane], earliest(venueTimes, 0, venueLane), loose);
        continue;
      }
      if ((item && itemTs < localTs) || (itemTs === localTs && item && item.rank < Rank.localMarket)) {
        if (itemTs > this.endTs) return this.finish();
        this.scheduler.pop();
        this.now = itemTs;
        const woke = item.run();
        if (item.rank === Rank.orderArrival) for (let i = 0; i < lanes.length; i++) lanes[i].ownQuotes.check();
        return item.rank >= Rank.strategyNotice && woke !== false;
      }
      if (localLane < 0 || localTs > this.endTs) return this.finish();
      // feed events go after venue events and order arrivals at equal time, before notices and wake-ups
      const itemFirst = item !== null && item.rank < Rank.localMarket;
      const strict = Math.min(earliest(localTimes, 0, localLane), venueTs, itemFirst ? itemTs : Infinity);
      const loose = Math.min(earliest(localTimes, localLane + 1, lanes.length), this.endTs, itemFirst ? Infinity : itemTs);
      if (this.applyLocalRun(lanes[localLane], strict, loose)) return true;
    }
  }

  /** Steps until the run is over, the strategy running after each wake (see the header). */
  private stepToEnd(): Promise<void> {
    return new Promise((resolve, reject) => {
      let manualTick = true; // until the manual tick fails to run the queue once
      const macrotask = (): void => {
        try {
          manualTick &&= runQueuedContinuations();
          for (let wakes = 0; ;) {
            if (this.strategyFailure) throw this.strategyFailure;
            const woke = this.step();
            if (woke === null) return resolve();
            if (!woke) continue;
            if (!manualTick || ++wakes === WAKES_PER_TURN) return void setImmediate(macrotask);
            runQueuedContinuations();
          }
        } catch (error) {
          if (!(error instanceof TickCallbackError)) return reject(error);
          setImmediate(macrotask);
          throw error.thrown; // uncaught, as Node's own tick reports it (see the header)
        }
      };
      setImmediate(macrotask);
    });
  }

  /** Whether feed events may run strategy code or start it (see step). */
  private feedObserved(): boolean {
    return this.gateway.hasMarketHooks() || (this.startWaitsForFeed && this.feedEvents === 0);
  }

  /** Ends the run at the earlier of endTs and the end of the data. */
  private finish(): null {
    if (this.lanes.every((lane) => lane.venueRows.peekRow() < 0)) {
      const venueTime = Math.max(...this.lanes.map((lane) => lane.venueTime));
      this.endTs = Math.min(this.endTs, Math.max(venueTime, this.setup.startTs));
    }
    this.now = this.endTs;
    return null;
  }

  /**
   * Applies the lane's venue events while their time t keeps t < strict and t ≤ loose (a fill's notice,
   * scheduled meanwhile, tightens loose). A delta or trade row goes to the venue straight from the columns
   * (a trade's event would read its local time, which the venue does not use: a column read for nothing).
   * A level change reads no clock and fills nothing (exchange.ts: fills come at a message's end or from a
   * trade), so the venue's clock and `now` are set only before what reads them (a message's end, another
   * event, progress) and when the run stops.
   */
  private applyVenueRun(lane: MarketLane, strict: Micros, loose: Micros): void {
    const { venueRows: rows, exchange } = lane;
    let time = lane.venueTime;
    let applied = 0;
    for (;;) {
      const i = rows.peekRow();
      if (i < 0) break;
      const c = rows.rows;
      const exchTs = c.exchTs[i];
      const eventTime = exchTs > time ? exchTs : time;
      if (!(eventTime < strict && eventTime <= loose)) break;
      time = eventTime;
      applied++;
      if (c.kind[i] === Kind.DELTA) {
        const flags = c.flags[i];
        exchange.applyDelta((flags & FLAG_ASK) !== 0 ? 'ask' : 'bid', c.price[i], c.size[i]);
        rows.skipRow();
        if ((flags & FLAG_LAST) === 0) continue;
        lane.venueTime = this.now = time;
        const fillsBefore = lane.fills.length;
        exchange.endBookMessage(exchTs);
        this.recordMid(lane);
        if (lane.fills.length !== fillsBefore) loose = this.afterFills(lane, loose);
      } else {
        lane.venueTime = this.now = time;
        const fillsBefore = lane.fills.length;
        if (c.kind[i] === Kind.TRADE) {
          exchange.applyTrade(takerSideOf(c.flags[i]), c.price[i], c.size[i], exchTs);
          rows.skipRow();
        } else {
          const event = rows.next()!;
          exchange.applyMarketEvent(event);
          if (event.kind === 'snapshot') this.recordMid(lane);
        }
        if (lane.fills.length !== fillsBefore) loose = this.afterFills(lane, loose);
      }
    }
    if (applied === 0) return;
    lane.venueTime = this.now = time;
    lane.marketEvents += applied;
    const before = this.marketEvents;
    this.marketEvents += applied;
    if (Math.floor(this.marketEvents / PROGRESS_EVERY) !== Math.floor(before / PROGRESS_EVERY)) this.reportProgress();
  }

  /** After venue fills: our quotes' path, and the run's bound tightened to the earliest notice scheduled. */
  private afterFills(lane: MarketLane, loose: Micros): Micros {
    lane.ownQuotes.check();
    const notice = this.scheduler.peek();
    return notice && notice.time < loose ? notice.time : loose;
  }

  /**
   * Records the venue's mid at the venue's clock after a complete book message, when it changed (and both
   * sides have a level). It reads the time from the lane rather than taking it as an argument: a timestamp is
   * beyond V8's small integers, and passing one from applyVenueRun's loop made the optimised loop box it as a
   * heap number on every row (half of a replay run's allocation), not only on the rows that record a mid.
   */
  private recordMid(lane: MarketLane): void {
    const book = lane.exchange.book;
    const mid2 = book.bestBid + book.bestAsk;
    if (Number.isFinite(mid2) && mid2 !== lane.lastMid2) {
      lane.lastMid2 = mid2;
      lane.midPath.push1(lane.venueTime, mid2);
    }
  }

  /**
   * Applies the lane's events to the strategy's feed while their localTs t keeps t < strict and t ≤ loose;
   * true when a hook ran (the strategy then gets a turn, and the run ends). A delta row goes to the feed's
   * book straight from the columns. The run also ends when the feed's first event starts the strategy.
   * A level change runs no hook, so `now` is set only before what may (a message's end, another event, the
   * strategy's start) and when the run stops.
   */
  private applyLocalRun(lane: MarketLane, strict: Micros, loose: Micros): boolean {
    const { localRows: rows, index } = lane;
    const gateway = this.gateway;
    let time = this.now;
    let hookRan = false;
    for (;;) {
      const i = rows.peekRow();
      if (i < 0) break;
      const c = rows.rows;
      const localTs = c.localTs[i] + rows.localShift;
      if (!(localTs < strict && localTs <= loose)) break;
      time = localTs;
      const kind = c.kind[i];
      if (kind === Kind.DELTA) {
        const flags = c.flags[i];
        const exchTs = c.exchTs[i];
        gateway.receiveLevel(index, (flags & FLAG_ASK) !== 0 ? 'ask' : 'bid', c.price[i], c.size[i]);
        rows.skipRow();
        if ((flags & FLAG_LAST) !== 0) {
          this.now = time;
          hookRan = gateway.receiveMessageEnd(index, exchTs);
        }
      } else if (kind === Kind.ORDER) {
        // Order-by-order events are for the venue's queue model only: a strategy's feed is the book and the tape.
        rows.skipRow();
        continue;
      } else {
        this.now = time;
        hookRan = gateway.receiveMarket(index, rows.next()!);
      }
      if (this.feedEvents++ === 0 && this.startWaitsForFeed) {
        this.now = time;
        this.scheduler.schedule(time, Rank.strategyWake, () => this.startStrategy());
        break;
      }
      if (hookRan) break;
    }
    this.now = time;
    return hookRan;
  }

  private startStrategy(): void {
    const context = this.gateway.context();
    this.setup.strategy(context).catch((error: unknown) => {
      this.strategyFailure = error;
    });
  }

  private onVenueFill(lane: MarketLane, fill: VenueFill): void {
    lane.ledger.applyFill(fill.side, fill.price, fill.size, fill.fee);
    const noticeTs = this.gateway.notifyFill(lane.index, fill);
    lane.fills.push(fillRecord(fill, lane.ledger.position, lane.midPath.length - 1, noticeTs));
    this.fillOrder.push(lane.index);
  }

  /** Schedules a market's funding payments due in (startTs, endTs] (rules in the header). */
  private scheduleFunding(lane: MarketLane): void {
    const schedule = lane.setup.funding;
    if (!schedule) return;
    const { startTs, endTs } = this.setup;
    const tick = decimalOf(lane.setup.units.spec.tickSize);
    const pay = (ts: Micros, rate: Decimal, markPrice: Decimal | null): void =>
      this.scheduler.schedule(ts, Rank.orderArrival, () => this.payFunding(lane, rate, markPrice, tick));
    for (const event of schedule.events) if (event.ts > startTs && event.ts <= endTs) pay(event.ts, event.rate, event.markPrice);
    if (schedule.constant) {
      for (const ts of constantFundingTimes(schedule.constant.intervalUs, startTs, endTs)) pay(ts, schedule.constant.rate, null);
    }
  }

  private payFunding(lane: MarketLane, rate: Decimal, markPrice: Decimal | null, tick: Decimal): void {
    if (markPrice === null && !Number.isFinite(lane.lastMid2)) return; // no mid yet: nothing to mark at
    const { position } = lane.ledger;
    const amount = fundingAmount(position, rate, markPrice, lane.lastMid2, tick);
    lane.ledger.applyFunding(amount);
    const mark = markPrice === null ? lane.setup.units.price(lane.lastMid2) / 2 : decimalNumber(markPrice);
    lane.funding.push({ ts: this.now, rate: decimalNumber(rate), markPrice: mark, position, amount });
  }

  private reportProgress(): void {
    const span = this.setup.endTs - this.setup.startTs;
    if (this.setup.onProgress && span > 0) this.setup.onProgress(Math.min(1, (this.now - this.setup.startTs) / span));
  }
}

/** The earliest of times[from..to) (Infinity when the range is empty). */
function earliest(times: Float64Array, from: number, to: number): Micros {
  let min = Infinity;
  for (let i = from; i < to; i++) if (times[i] < min) min = times[i];
  return min;
}

/** One macrotask turn: every promise continuation the strategy has queued runs before it. */
function letStrategyRun(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Wakes between two turns of the event loop (see the header). */
const WAKES_PER_TURN = 4096;

/**
 * Runs every queued nextTick callback and promise continuation now, and those they queue, until none is
 * left, and says whether it did: false where Node's manual tick is missing or ran no continuation (a marker
 * queued last did not run). The manual tick is `process._tickCallback`: not in Node's documentation, kept
 * on `process` for compatibility; called from a macrotask it runs the queues, from a promise continuation
 * it cannot. What a nextTick callback throws comes out as a TickCallbackError.
 */
function runQueuedContinuations(): boolean {
  const manualTick = (process as { _tickCallback?: unknown })._tickCallback;
  if (typeof manualTick !== 'function') return false;
  let ran = false;
  queueMicrotask(() => {
    ran = true;
  });
  try {
    manualTick.call(process);
  } catch (thrown) {
    throw new TickCallbackError(thrown);
  }
  return ran;
}

/** What a nextTick callback threw inside the manual tick (see the header). */
class TickCallbackError {
  constructor(readonly thrown: unknown) {}
}
