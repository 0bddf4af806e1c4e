import type { Rng } from '../../core/rng.ts';
import type { Lots, Micros, Side, Ticks } from '../../core/units.ts';
import type { BookSide, MarketEvent, MarketEventSource, OpenMarketEvents } from '../../core/events.ts';
import { closingQuote, MessageBuffer, marketOpener, type SyntheticTiming } from './emitter.ts';

/**
 * Regimes and shocks: a market whose volatility switches between calm and volatile, with occasional
 * jumps, and whose trading rises with volatility — for stress tests of skew and inventory limits.
 *
 * Rules:
 * - Regime: a two-state Markov chain in continuous time, starting calm; it leaves calm after an
 *   exponential time of mean `calm.meanSeconds`, volatile after one of mean `volatile.meanSeconds`.
 * - Mid: every `refreshUs` it moves by a normal step of standard deviation
 *   volatilityTicks·sqrt(refresh in seconds), volatility of the regime in force. Jumps: a Poisson process
 *   of rate `jumpsPerSecond` (both regimes) moves the mid at once by a Laplace-distributed amount of mean
 *   absolute size `jumpTicks` (either sign equally likely).
 * - Displayed book: `levels` levels a side, one every tick from the best, best bid round(mid − spread/2),
 *   best ask = best bid + spread, spread `spreadTicks` of the regime in force (a switch shows in the book
 *   at the next refresh or jump). At each refresh and each
 *   jump the book is moved to the new best prices and every level is refilled to `levelSize` lots (what
 *   trades consumed is replenished); changes go out as one L2 message (deltas, the last flagged).
 * - Market orders: a Poisson process of rate `tradesPerSecond` of the regime in force (redrawn at each
 *   switch, exact by memorylessness), each side equally likely, size exponential of mean `tradeSize` lots
 *   (at least 1). Each walks the opposite side of the book: one print per level reached, then the deltas
 *   of the levels it consumed, as one message; a level it empties stays empty until the next refresh.
 *   Our resting orders inside the displayed book therefore fill after the queue ahead (queue model).
 * - Order of events at one µs: regime switch, refresh, jump, market order. Times are whole µs;
 *   localTs = exchTs + feedLatencyUs. Regime, mid, jumps and order flow use independent RNG streams; two
 *   opens with the same seed give the same events.
 * - The run closes with a best bid/offer quote event at endTs (the data lasts the whole duration).
 * Known limits: trades carry no information (use informed-flow for adverse selection); the book is
 * refilled uniformly, with no memory of who is in it; our orders do not move the market.
 */
export interface RegimeState {
  volatilityTicks: number;
  tradesPerSecond: number;
  spreadTicks: number;
  meanSeconds: number;
}

export interface RegimeParams extends SyntheticTiming {
  startMid: number;
  calm: RegimeState;
  volatile: RegimeState;
  jumpsPerSecond: number;
  jumpTicks: number;
  levels: number;
  levelSize: Lots;
  tradeSize: Lots;
  refreshUs: Micros;
}

export function openRegime(params: RegimeParams, seedRng: () => Rng): OpenMarketEvents {
  return marketOpener(RegimeMarket, params, seedRng);
}

/** One side of the ladder: sizes by distance from the best price (index 0 = best). */
class Ladder {
  best: Ticks = NaN;
  readonly sizes: Float64Array;
  private readonly scratch: Float64Array;

  constructor(
    private readonly side: BookSide,
    private readonly levels: number,
  ) {
    this.sizes = new Float64Array(levels);
    this.scratch = new Float64Array(levels);
  }

  /** Price of level i. */
  price(i: number): Ticks {
    return this.side === 'bid' ? this.best - i : this.best + i;
  }

  /** Moves to a new best price, refilling every level to `size`; emits the changes. */
  reset(out: MessageBuffer, time: Micros, best: Ticks, size: Lots): void {
    const dir = this.side === 'bid' ? -1 : 1;
    const n = this.levels;
    if (!Number.isNaN(this.best)) {
      // Levels that leave the window are deleted.
      for (let i = 0; i < n; i++) {
        const p = this.best + dir * i;
        const j = (p - best) * dir;
        if ((j < 0 || j >= n) && this.sizes[i] > 0) out.delta(time, this.side, p, 0);
      }
    }
    for (let j = 0; j < n; j++) {
      const p = best + dir * j;
      const i = Number.isNaN(this.best) ? -1 : (p - this.best) * dir;
      const old = i >= 0 && i < n ? this.sizes[i] : 0;
      if (old !== size) out.delta(time, this.side, p, size);
      this.scratch[j] = size;
    }
    this.sizes.set(this.scratch);
    this.best = best;
  }
}

class RegimeMarket implements MarketEventSource {
  private readonly out: MessageBuffer;
  private readonly bids: Ladder;
  private readonly asks: Ladder;
  private readonly regimeRng: Rng;
  private readonly midRng: Rng;
  private readonly jumpRng: Rng;
  private readonly flowRng: Rng;
  private mid: number;
  private volatile = false;
  private nextSwitch: number;
  private nextRefresh: Micros;
  private nextJump: number;
  private nextTrade: number;
  private started = false;
  private closed = false;

  constructor(
    private readonly p: RegimeParams,
    rng: Rng,
  ) {
    this.out = new MessageBuffer(p.feedLatencyUs);
    this.bids = new Ladder('bid', p.levels);
    this.asks = new Ladder('ask', p.levels);
    this.regimeRng = rng.fork('regime');
    this.midRng = rng.fork('mid');
    this.jumpRng = rng.fork('jumps');
    this.flowRng = rng.fork('flow');
    this.mid = p.startMid;
    this.nextSwitch = p.startTs + this.regimeRng.exponential(1 / p.calm.meanSeconds) * 1e6;
    this.nextRefresh = p.startTs + p.refreshUs;
    this.nextJump = p.jumpsPerSecond > 0 ? p.startTs + this.jumpRng.exponential(p.jumpsPerSecond) * 1e6 : Infinity;
    this.nextTrade = p.startTs + this.tradeGap();
  }

  private get state(): RegimeState {
    return this.volatile ? this.p.volatile : this.p.calm;
  }

  next(): MarketEvent | null {
    if (!this.started) {
      this.started = true;
      this.out.begin();
      this.reshape(this.p.startTs);
      const snapshot = {
        kind: 'snapshot' as const,
        exchTs: this.p.startTs,
        localTs: this.p.startTs + this.p.feedLatencyUs,
        bidPrices: Array.from({ length: this.p.levels }, (_, i) => this.bids.price(i)),
        bidSizes: Array.from(this.bids.sizes),
        askPrices: Array.from({ length: this.p.levels }, (_, i) => this.asks.price(i)),
        askSizes: Array.from(this.asks.sizes),
      };
      this.out.begin();
      return snapshot;
    }
    for (;;) {
      const event = this.out.shift();
      if (event) return event;
      if (this.closed) return null;
      if (!this.produce()) {
        this.closed = true;
        return closingQuote(this.p.endTs, this.p.feedLatencyUs, this.bids.best, this.bids.sizes[0], this.asks.best, this.asks.sizes[0]);
      }
    }
  }

  private tradeGap(): number {
    return this.flowRng.exponential(this.state.tradesPerSecond) * 1e6;
  }

  private produce(): boolean {
    this.out.begin();
    const switchTs = Math.round(this.nextSwitch);
    const jumpTs = Math.round(this.nextJump);
    const tradeTs = Math.round(this.nextTrade);
    const time = Math.min(switchTs, this.nextRefresh, jumpTs, tradeTs);
    if (time > this.p.endTs) return false;
    if (time === switchTs) {
      this.volatile = !this.volatile;
      this.nextSwitch += this.regimeRng.exponential(1 / this.state.meanSeconds) * 1e6;
      // The trade rate changed: the next arrival is redrawn from now (exact, by memorylessness).
      this.nextTrade = time + this.tradeGap();
    } else if (time === this.nextRefresh) {
      const seconds = this.p.refreshUs / 1e6;
      this.mid += this.midRng.normal() * this.state.volatilityTicks * Math.sqrt(seconds);
      this.nextRefresh += this.p.refreshUs;
      this.reshape(time);
    } else if (time === jumpTs) {
      const size = this.jumpRng.exponential(1 / this.p.jumpTicks);
      this.mid += this.jumpRng.uniform() < 0.5 ? -size : size;
      this.nextJump += this.jumpRng.exponential(this.p.jumpsPerSecond) * 1e6;
      this.reshape(time);
    } else {
      this.marketOrder(time);
      this.nextTrade += this.tradeGap();
    }
    return true;
  }

  private reshape(time: Micros): void {
    const spread = this.state.spreadTicks;
    const bestBid = Math.round(this.mid - spread / 2);
    this.bids.reset(this.out, time, bestBid, this.p.levelSize);
    this.asks.reset(this.out, time, bestBid + spread, this.p.levelSize);
    this.out.end();
  }

  private marketOrder(time: Micros): void {
    const takerSide: Side = this.flowRng.uniform() < 0.5 ? 'buy' : 'sell';
    const size = Math.max(1, Math.round(this.flowRng.exponential(1 / this.p.tradeSize)));
    const ladder = takerSide === 'buy' ? this.asks : this.bids;
    const side: BookSide = takerSide === 'buy' ? 'ask' : 'bid';
    // Prints first (one per level reached), then the consumed levels' new sizes.
    let remaining = size;
    for (let i = 0; i < this.p.levels && remaining > 0; i++) {
      const take = Math.min(ladder.sizes[i], remaining);
      if (take === 0) continue;
      remaining -= take;
      this.out.trade(time, ladder.price(i), take, takerSide);
    }
    remaining = size;
    for (let i = 0; i < this.p.levels && remaining > 0; i++) {
      const take = Math.min(ladder.sizes[i], remaining);
      if (take === 0) continue;
      remaining -= take;
      ladder.sizes[i] -= take;
      this.out.delta(time, side, ladder.price(i), ladder.sizes[i]);
    }
    this.out.end();
  }
}
