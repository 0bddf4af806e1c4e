import type { MarketUnits } from '../core/market.ts';
import type { Lots, Micros, Side, Ticks } from '../core/units.ts';
import type { BookSide, MarketEvent } from '../core/events.ts';

/**
 * Live market data as the live commands see it, whatever its source (ccxt websockets, a test's fake):
 * full order book states and trades, in decimals, with the exchange's time and our receipt time (µs).
 *
 * `BookDiffer` turns successive book states into the engine's events: the first state is a snapshot,
 * every later state the level changes since the previous one (absolute sizes, 0 deletes; `last` on the
 * final delta of one update), as the replay readers produce them. So a paper run's simulated venue, the
 * recorder and a later replay all see the same sequence.
 */
export type LevelList = ArrayLike<ArrayLike<number | undefined>>;

export interface BookUpdate {
  exchTs: Micros;
  localTs: Micros;
  bids: LevelList;
  asks: LevelList;
}

export interface TradeUpdate {
  exchTs: Micros;
  localTs: Micros;
  id: string;
  price: number;
  size: number;
  /** The aggressor's side. */
  takerSide: Side;
}

export interface FeedSink {
  book(update: BookUpdate): void;
  trade(trade: TradeUpdate): void;
  /** Connection changes of the market data streams (for logs; staleness is judged by the risk guard). */
  status(connected: boolean, detail: string): void;
}

export interface MarketFeed {
  start(sink: FeedSink): void;
  stop(): Promise<void>;
}

export interface LevelChange {
  side: BookSide;
  price: Ticks;
  size: Lots;
}

export class BookDiffer {
  private readonly bids = new Map<Ticks, Lots>();
  private readonly asks = new Map<Ticks, Lots>();
  private started = false;

  constructor(private readonly units: MarketUnits) {}

  /** Level changes since the previous state; `snapshot` true for the first state (levels best first). */
  diff(update: BookUpdate): { snapshot: boolean; changes: LevelChange[] } {
    const snapshot = !this.started;
    this.started = true;
    const changes: LevelChange[] = [];
    this.side('bid', update.bids, this.bids, changes, snapshot);
    this.side('ask', update.asks, this.asks, changes, snapshot);
    return { snapshot, changes };
  }

  private side(side: BookSide, levels: LevelList, state: Map<Ticks, Lots>, changes: LevelChange[], snapshot: boolean): void {
    const next = new Map<Ticks, Lots>();
    for (let i = 0; i < levels.length; i++) {
      const price = levels[i][0];
      const size = levels[i][1];
      if (price === undefined || size === undefined) continue;
      const lots = Math.round(size / this.units.spec.lotSize);
      if (lots > 0) next.set(this.units.roundToTick(price), lots);
    }
    if (!snapshot) for (const price of state.keys()) if (!next.has(price)) changes.push({ side, price, size: 0 });
    for (const [price, size] of next) if (snapshot || state.get(price) !== size) changes.push({ side, price, size });
    state.clear();
    for (const [price, size] of next) state.set(price, size);
  }
}

/** The engine events of one book update (a snapshot, or deltas with `last` on the final one). */
export function bookEvents(update: BookUpdate, diff: { snapshot: boolean; changes: LevelChange[] }): MarketEvent[] {
  const { exchTs, localTs } = update;
  if (diff.snapshot) {
    const bids = diff.changes.filter((c) => c.side === 'bid').sort((a, b) => b.price - a.price);
    const asks = diff.changes.filter((c) => c.side === 'ask').sort((a, b) => a.price - b.price);
    return [
      {
        kind: 'snapshot',
        exchTs,
        localTs,
        bidPrices: bids.map((c) => c.price),
        bidSizes: bids.map((c) => c.size),
        askPrices: asks.map((c) => c.price),
        askSizes: asks.map((c) => c.size),
      },
    ];
  }
  return diff.changes.map((c, i) => ({
    kind: 'delta',
    exchTs,
    localTs,
    side: c.side,
    price: c.price,
    size: c.size,
    last: i === diff.changes.length - 1,
  }));
}

export function tradeEvent(trade: TradeUpdate, units: MarketUnits): MarketEvent {
  return {
    kind: 'trade',
    exchTs: trade.exchTs,
    localTs: trade.localTs,
    price: units.roundToTick(trade.price),
    size: Math.round(trade.size / units.spec.lotSize),
    takerSide: trade.takerSide,
  };
}

/** Wall clock in µs, with sub-ms resolution from the monotonic clock (never goes backwards). */
let lastWallUs = 0;
const origin = Date.now() * 1000 - performance.now() * 1000;
export function wallMicros(): Micros {
  const now = Math.floor(origin + performance.now() * 1000);
  lastWallUs = Math.max(lastWallUs, now);
  return lastWallUs;
}
