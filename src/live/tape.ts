import { appendFileSync, writeFileSync } from 'node:fs';
import { describeFsError } from '../core/fs-errors.ts';
import { warn } from '../core/warnings.ts';
import type { MarketUnits } from '../core/market.ts';
import { Series } from '../core/series.ts';
import { sideSign, type Micros, type Ticks } from '../core/units.ts';
import { Ledger } from '../ledger/ledger.ts';
import { fillRecord, type BacktestResult, type FillRecord } from '../sim/backtest.ts';
import { OrderLog } from '../sim/order-log.ts';
import { RecordedSeries } from '../strategy/recorded-series.ts';
import type { VenueFill } from '../venue/exchange.ts';

/**
 * What a live (or paper, or dry) run saw, recorded in the same shape as a backtest's result so the same
 * analytics and run folder apply: fills (ticks, lots, exact fees), the ledger, the mid path and our quote
 * path, order counters.
 *
 * Rules:
 * - Times are µs. The mid path is stamped with the exchange's event time when the feed gives one (else
 *   local receipt time) and never goes backwards (a late stamp is held at the previous one).
 * - Fills are booked in arrival order; `result()` sorts them by exchange time (stable) and recomputes each
 *   fill's position-after and mid index, so fills.csv reads in time order.
 * - Our quote path is stamped with local time (when our order state changed as we know it).
 * - `orders` is the run's order log (order-log.ts), kept by the venue the strategy trades on.
 */
/** A fill as the tape books it: the same record the simulated venue reports. */
export type TapeFill = VenueFill;

export class RunTape {
  readonly ledger = new Ledger();
  readonly fills: FillRecord[] = [];
  readonly orders = new OrderLog();
  readonly midPath = new Series(1, 1 << 12);
  readonly quotePath = new Series(2);
  /** The series the strategy recorded (context.record), stamped with its clock. */
  readonly strategySeries = new RecordedSeries();
  ordersSent = 0;
  rejects = 0;
  cancels = 0;
  marketEvents = 0;
  lastMid2 = NaN;
  private lastMidTs = -Infinity;
  private ownBid = NaN;
  private ownAsk = NaN;
  private lastQuoteTs = -Infinity;

  constructor(
    readonly units: MarketUnits,
    readonly startTs: Micros,
  ) {}

  /** The venue's top of book changed (ticks). */
  onBook(exchTs: Micros, bestBid: Ticks, bestAsk: Ticks): void {
    this.marketEvents++;
    const mid2 = bestBid + bestAsk;
    if (!Number.isFinite(mid2) || mid2 === this.lastMid2) return;
    this.lastMid2 = mid2;
    const time = Math.max(exchTs, this.lastMidTs);
    this.lastMidTs = time;
    this.midPath.push1(time, mid2);
  }

  /** Books a fill whose notice reached the strategy at `noticeTs` (local µs). */
  addFill(fill: TapeFill, noticeTs: Micros): void {
    this.ledger.applyFill(fill.side, fill.price, fill.size, fill.fee);
    this.fills.push(fillRecord(fill, this.ledger.position, this.midPath.length - 1, noticeTs));
  }

  /** Our best resting bid and ask changed (ticks, NaN when none). */
  ownQuotes(localTs: Micros, bid: Ticks, ask: Ticks): void {
    if (Object.is(bid, this.ownBid) && Object.is(ask, this.ownAsk)) return;
    this.ownBid = bid;
    this.ownAsk = ask;
    const time = Math.max(localTs, this.lastQuoteTs);
    this.lastQuoteTs = time;
    this.quotePath.push2(time, bid, ask);
  }

  /** Mid in decimals (NaN when unknown). */
  mid(): number {
    return Number.isFinite(this.lastMid2) ? this.units.price(this.lastMid2) / 2 : NaN;
  }

  position(): number {
    return this.units.size(this.ledger.position);
  }

  /** Equity since the start, quote currency, marked to the current mid (0 before a mid is known). */
  equity(): number {
    if (!Number.isFinite(this.lastMid2)) return 0;
    return this.units.money(this.ledger.equity(this.lastMid2));
  }

  result(endTs: Micros): BacktestResult {
    const fills = [...this.fills].sort((a, b) => a.exchTs - b.exchTs);
    let position = 0;
    const sorted = fills.map((f) => {
      position += sideSign(f.side) * f.size;
      return { ...f, positionAfter: position, midIndex: this.midPath.indexAt(f.exchTs) };
    });
    return {
      fills: sorted,
      ledger: this.ledger,
      finalMid2: this.lastMid2,
      midPath: this.midPath,
      quotePath: this.quotePath,
      strategySeries: this.strategySeries,
      marketEvents: this.marketEvents,
      ordersSent: this.ordersSent,
      rejects: this.rejects,
      cancels: this.cancels,
      funding: [],
      startTs: this.startTs,
      endTs: Math.max(endTs, this.startTs + 1),
    };
  }
}

/**
 * The run's own order events, one JSON object a line (orders.jsonl; pandas: read_json(lines=True)):
 * `ts_us` (wall clock), `event` and its fields. Every line goes through `redact`, so a secret that an
 * error message might echo is never written. A line that cannot be written (a full disk) never stops the
 * run — its orders must still be managed and cancelled: the log stops writing and warns once.
 */
export class EventLog {
  private readonly secrets: string[];

  constructor(
    private readonly file: string | null,
    secrets: (string | undefined)[],
  ) {
    this.secrets = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
    if (file) writeFileSync(file, '');
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[redacted]');
    return out;
  }

  write(event: string, fields: Record<string, unknown> = {}): void {
    const line = this.redact(JSON.stringify({ ts_us: Date.now() * 1000, event, ...fields }));
    if (!this.file || this.failed) return;
    try {
      appendFileSync(this.file, `${line}\n`);
    } catch (error) {
      this.failed = true;
      warn(`${this.file}: cannot write the order log (${describeFsError(error)}): the run goes on without it`);
    }
  }

  /** This log, every line also naming `market` (several markets: each market's venue writes through its own). */
  forMarket(market: string): EventLog {
    const parent = this;
    return new (class extends EventLog {
      override write(event: string, fields: Record<string, unknown> = {}): void {
        parent.write(event, { ...fields, market });
      }
    })(null, this.secrets);
  }

  private failed = false;
}
