import type { Rng } from '../../core/rng.ts';
import type { Lots, Micros, Ticks } from '../../core/units.ts';
import type { BookSnapshot, MarketEvent, MarketEventSource, OpenMarketEvents } from '../../core/events.ts';
import { MessageBuffer, marketOpener, type SyntheticTiming } from './emitter.ts';

/**
 * A seeded synthetic market: a random-walk mid with a churning L2 ladder and Poisson market orders; with
 * `informed` set, a share of those market orders is informed (the informed-flow model's takers in this
 * market's microstructure). The default demo (scenarios/demo.json) is this market with informed takers;
 * scenarios/random-walk-demo.json is the same without them.
 *
 * Rules:
 * - The mid is an arithmetic random walk in price: every `refreshMs` it moves by a normal step with
 *   standard deviation volatility · sqrt(refreshMs / 1 s). The displayed book is `levels` price levels a
 *   side, every tick, with a spread of `spreadTicks` around the mid.
 * - At each refresh the book is moved to the new mid: levels that leave the window are deleted, new levels
 *   get a lognormal size (median `levelSize` lots), and each standing level is redrawn with probability
 *   `churn` (adds and cancels). A level consumed by trades stays thin until it is redrawn. Changes go out
 *   as one L2 message (deltas, the last one flagged).
 * - Market orders arrive as a Poisson process (`tradesPerSecond`, each side equally likely) with an
 *   exponential size (mean `tradeSize` lots, at least 1). Each one walks the opposite side of the book:
 *   one trade print per level it reaches, then the deltas of the levels it consumed, as one message.
 * - Times: exchTs is when the generator did it; localTs = exchTs + feedLatencyUs.
 * - Two opens with the same seed produce the same events (the RNG is re-created from the seed on open).
 * - With a `midProcess` (the shared-price model), the mid follows it instead of the random walk; the book
 *   and the trades are made as above.
 * Known limits: no order flow information (trades are uninformed), the book has no memory of who is in it,
 * our own orders do not affect the market. Richer models (adverse selection, regimes) are separate.
 */
export interface RandomWalkParams extends SyntheticTiming {
  /** Initial mid, ticks. */
  startMid: Ticks;
  /** Standard deviation of the mid's move over one second, ticks. */
  volatilityTicks: number;
  spreadTicks: number;
  levels: number;
  levelSize: Lots;
  churn: number;
  tradesPerSecond: number;
  tradeSize: Lots;
  refreshMs: number;
  informed?: InformedTakers;
  /**
   * Where the mid goes at each refresh, in place of the random walk (shared-price.ts): made with the market's
   * generator when the market is opened; its first value is the mid at the start.
   */
  midProcess?: (rng: Rng) => MidProcess;
}

/** A mid path, one value (ticks) per call: the start's, then one per refresh. */
export interface MidProcess {
  next(): number;
}

/** The informed share of the market orders (rules above). */
export interface InformedTakers {
  share: number;
  jumpTicks: number;
  jumpsPerSecond: number;
  leadUs: Micros;
}

export function openRandomWalk(params: RandomWalkParams, seedRng: () => Rng): OpenMarketEvents {
  return marketOpener(RandomWalkMarket, params, seedRng);
}

class RandomWalkMarket implements MarketEventSource {
  private mid: number;
  private readonly bids = new Map<Ticks, Lots>();
  private readonly asks = new Map<Ticks, Lots>();
  private nextRefresh: Micros;
  private nextTrade: Micros;
  private started = false;
  private readonly out: MessageBuffer;
  private readonly noiseRate: number;
  /** Jumps and informed orders (only with `informed`); exact (unrounded) times, µs. */
  private readonly jumpRng: Rng | null;
  private readonly informedRng: Rng | null;
  private nextJump = Infinity;
  private jumpDirection: 1 | -1 = 1;
  private nextInformed = Infinity;
  private readonly midProcess: MidProcess | null;

  constructor(
    private readonly p: RandomWalkParams,
    private readonly rng: Rng,
  ) {
    this.midProcess = p.midProcess?.(rng) ?? null;
    this.mid = this.midProcess ? this.midProcess.next() : p.startMid;
    this.out = new MessageBuffer(p.feedLatencyUs);
    this.noiseRate = p.tradesPerSecond * (1 - (p.informed?.share ?? 0));
    this.nextRefresh = p.startTs + p.refreshMs * 1000;
    this.nextTrade = this.noiseRate > 0 ? p.startTs + this.tradeGap() : Infinity;
    this.jumpRng = p.informed ? rng.fork('jumps') : null;
    this.informedRng = p.informed ? rng.fork('informed') : null;
    if (this.jumpRng) {
      this.nextJump = p.startTs + this.jumpRng.exponential(p.informed!.jumpsPerSecond) * 1e6;
      this.jumpDirection = this.jumpRng.uniform() < 0.5 ? -1 : 1;
      this.nextInformed = this.scheduleInformed(p.startTs);
    }
  }

  next(): MarketEvent | null {
    if (!this.started) {
      this.started = true;
      return this.snapshot();
    }
    for (;;) {
      const event = this.out.shift();
      if (event) return event;
      if (!this.produceMessage()) return null;
    }
  }

  private produceMessage(): boolean {
    this.out.begin();
    const informedAt = Math.round(this.nextInformed);
    if (this.nextJump !== Infinity && Math.round(this.nextJump) <= Math.min(this.nextRefresh, this.nextTrade, informedAt)) {
      if (Math.round(this.nextJump) > this.p.endTs) return false;
      this.jump();
    } else if (this.nextRefresh <= this.nextTrade && this.nextRefresh <= informedAt) {
      if (this.nextRefresh > this.p.endTs) return false;
      this.refresh(this.nextRefresh);
      this.nextRefresh += this.p.refreshMs * 1000;
    } else if (informedAt <= this.nextTrade) {
      if (informedAt > this.p.endTs) return false;
      this.marketOrder(informedAt, this.jumpDirection === 1 ? 'buy' : 'sell', this.informedRng!);
      this.nextInformed = this.scheduleInformed(this.nextInformed);
    } else {
      if (this.nextTrade > this.p.endTs) return false;
      this.marketOrder(this.nextTrade, this.rng.uniform() < 0.5 ? 'buy' : 'sell', this.rng);
      this.nextTrade += this.tradeGap();
    }
    return true;
  }

  private tradeGap(): Micros {
    return Math.max(1, Math.round(this.rng.exponential(this.noiseRate) * 1e6));
  }

  /** A jump of the mid (shown at the next refresh); the informed orders now trade ahead of the next one. */
  private jump(): void {
    const informed = this.p.informed!;
    const jumpRng = this.jumpRng!;
    const at = this.nextJump;
    this.mid += this.jumpDirection * informed.jumpTicks;
    this.nextJump = at + jumpRng.exponential(informed.jumpsPerSecond) * 1e6;
    this.jumpDirection = jumpRng.uniform() < 0.5 ? -1 : 1;
    this.nextInformed = this.scheduleInformed(at);
  }

  /** The next informed arrival at or after `from`, inside the window before the next jump; else Infinity. */
  private scheduleInformed(from: number): number {
    const { share, jumpsPerSecond, leadUs } = this.p.informed!;
    if (share === 0 || leadUs === 0) return Infinity;
    const windowRate = (share * this.p.tradesPerSecond) / -Math.expm1(-jumpsPerSecond * (leadUs / 1e6));
    const t = Math.max(from, this.nextJump - leadUs) + this.informedRng!.exponential(windowRate) * 1e6;
    return t < this.nextJump ? t : Infinity;
  }

  private snapshot(): BookSnapshot {
    const { bestBid, bestAsk } = this.window();
    const snapshot: BookSnapshot = {
      kind: 'snapshot',
      exchTs: this.p.startTs,
      localTs: this.p.startTs + this.p.feedLatencyUs,
      bidPrices: [],
      bidSizes: [],
      askPrices: [],
      askSizes: [],
    };
    for (let i = 0; i < this.p.levels; i++) {
      const bidSize = this.levelSize();
      const askSize = this.levelSize();
      this.bids.set(bestBid - i, bidSize);
      this.asks.set(bestAsk + i, askSize);
      snapshot.bidPrices.push(bestBid - i);
      snapshot.bidSizes.push(bidSize);
      snapshot.askPrices.push(bestAsk + i);
      snapshot.askSizes.push(askSize);
    }
    return snapshot;
  }

  private window(): { bestBid: Ticks; bestAsk: Ticks } {
    const bestBid = Math.round(this.mid - this.p.spreadTicks / 2);
    return { bestBid, bestAsk: bestBid + this.p.spreadTicks };
  }

  private levelSize(): Lots {
    return Math.max(1, Math.round(this.rng.lognormal(this.p.levelSize, 0.5)));
  }

  private refresh(time: Micros): void {
    if (this.midProcess) this.mid = this.midProcess.next();
    else this.mid += this.rng.normal() * this.p.volatilityTicks * Math.sqrt(this.p.refreshMs / 1000);
    const { bestBid, bestAsk } = this.window();
    this.reshapeSide(this.bids, 'bid', bestBid, -1, time);
    this.reshapeSide(this.asks, 'ask', bestAsk, 1, time);
    this.out.end();
  }

  /** Moves one side's levels to [best, best + direction·(levels−1)], emitting the changes. */
  private reshapeSide(levels: Map<Ticks, Lots>, side: 'bid' | 'ask', best: Ticks, direction: 1 | -1, time: Micros): void {
    const far = best + direction * (this.p.levels - 1);
    const inWindow = (price: Ticks): boolean => (direction < 0 ? price <= best && price >= far : price >= best && price <= far);
    for (const price of [...levels.keys()].sort((a, b) => a - b)) {
      if (!inWindow(price)) {
        levels.delete(price);
        this.out.delta(time, side, price, 0);
      }
    }
    for (let i = 0; i < this.p.levels; i++) {
      const price = best + direction * i;
      const current = levels.get(price);
      if (current === undefined || this.rng.uniform() < this.p.churn) {
        const size = this.levelSize();
        if (size !== current) {
          levels.set(price, size);
          this.out.delta(time, side, price, size);
        }
      }
    }
  }

  /** A market order of `takerSide` that walks the opposite side of the book; its size drawn from `sizeRng`. */
  private marketOrder(time: Micros, takerSide: 'buy' | 'sell', sizeRng: Rng): void {
    let remaining = Math.max(1, Math.round(sizeRng.exponential(1 / this.p.tradeSize)));
    const levels = takerSide === 'buy' ? this.asks : this.bids;
    const prices = [...levels.keys()].sort((a, b) => (takerSide === 'buy' ? a - b : b - a));
    const consumed: [Ticks, Lots][] = [];
    for (const price of prices) {
      if (remaining === 0) break;
      const size = levels.get(price)!;
      const take = Math.min(size, remaining);
      remaining -= take;
      this.out.trade(time, price, take, takerSide);
      consumed.push([price, size - take]);
    }
    const side = takerSide === 'buy' ? 'ask' : 'bid';
    for (const [price, left] of consumed) {
      if (left === 0) levels.delete(price);
      else levels.set(price, left);
      this.out.delta(time, side, price, left);
    }
    this.out.end();
  }
}
