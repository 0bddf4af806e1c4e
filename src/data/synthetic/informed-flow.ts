import type { Rng } from '../../core/rng.ts';
import type { Lots, Micros, Side, Ticks } from '../../core/units.ts';
import type { MarketEvent, MarketEventSource, OpenMarketEvents } from '../../core/events.ts';
import { closingQuote, MessageBuffer, ThinBook, marketOpener, type SyntheticTiming } from './emitter.ts';

/**
 * Informed flow: the Glosten–Milgrom setting, for measuring adverse selection.
 *
 * Rules:
 * - A fundamental value V (whole ticks, not displayed) jumps by ±`jumpTicks` (each sign equally likely)
 *   at the times of a Poisson process of rate `jumpsPerSecond`.
 * - The displayed market follows V with a lag: `lagUs` after a jump the displayed mid D starts moving
 *   towards the new V, one tick at a time, one tick every `followUs` (all at once when followUs is 0).
 *   The displayed book is `levels` levels a side of `levelSize` lots, best bid D − halfSpreadTicks, best
 *   ask D + halfSpreadTicks; each move is one L2 message (deletions, then additions, last delta flagged).
 *   With followUs = 0 and `withdrawUs` > 0 the move is instead two messages: the whole displayed book is
 *   withdrawn (every level deleted), then withdrawUs later shown again around the new value, as makers
 *   pull their quotes and re-post. Either way a market maker that reacts to the display (requoting faster
 *   than followUs, or cancelling when the book is withdrawn) is not run over by the move: the venue fills a
 *   quote the book trades through, a separate form of adverse selection (stale quotes picked off) that
 *   Glosten–Milgrom do not model, and which a slow strategy does meet here.
 * - Takers: noise takers arrive as a Poisson process of rate (1 − μ)·takersPerSecond, buying or selling
 *   with equal probability. Informed takers arrive only in the `informedLeadUs` before each jump (from the
 *   later of that window's start and the previous jump: windows never overlap), as a Poisson process, and
 *   trade in the direction of that jump. Its rate inside a window is μ·takersPerSecond / (1 − e^(−λ·lead)),
 *   λ = jumpsPerSecond, so that with the mean window length (1 − e^(−λ·lead))/λ the informed takers come
 *   at μ·takersPerSecond on average: a share μ = `informedShare` of all takers.
 * - Every taker is one market order of `takerSize` lots reaching a depth δ beyond the displayed mid,
 *   exponential with mean `takerDepthTicks`, informed and noise alike; it prints one trade at D − floor(δ)
 *   (sells) or D + floor(δ) (buys), which reaches exactly the resting quotes at distance ≤ δ from D (as in
 *   the Avellaneda–Stoikov market). Prints do not change the displayed book. Because informed and noise
 *   takers reach the same depths, the share of informed takers among the takers that reach a quote at any
 *   distance is μ.
 * - Break-even, for continuous quoting only: a quote that every one of those takers meets (a maker quoting
 *   continuously, as the Glosten–Milgrom dealer does: requoting at every display move and after every
 *   fill, or resting a size no taker exhausts) has μ informed among its fills, so its adverse selection at
 *   a horizon that covers lead, lag and catch-up is μ·J per fill, its realized spread about
 *   half-spread − μ·J, zero at the full spread μ·2J = μ(V_H − V_L), the Glosten–Milgrom spread (tested).
 *   The horizon must also cover a backlog: the display moves at most one tick per followUs, so jumps that
 *   come faster than it catches up delay one another. A maker that requotes on a timer a quote one taker
 *   takes whole meets less: the informed takers of a jump come in a burst (all in the informedLeadUs
 *   before it), its quote is there for the first of a burst only, while the spread-out noise takers mostly
 *   find it fresh, so fewer than μ of its fills are informed (tested: about 2.8 ticks per fill against
 *   μ·J = 6). In scenarios/informed-flow-demo.json (10 bps requoted every 1 s, 0.01 quoted against
 *   0.1-lot takers) the maker meets about 1.8–1.9 bps of adverse selection at the 1 s and 5 s horizons,
 *   not μ·J = 3 bps; quoting a size of 1 instead (ten takers' worth) it meets 3.0–3.2 bps.
 * - Order of events at one µs: display moves, then informed takers, then noise takers. Times are whole µs;
 *   localTs = exchTs + feedLatencyUs. Jumps, informed flow, noise flow and depths draw from independent
 *   RNG streams; two opens with the same seed produce the same events.
 * - The run closes with a best bid/offer quote event at endTs (the data lasts the whole duration).
 * Known limits: no learning by the displayed market from the flow (it only follows V); prints far beyond the
 * displayed book are unrealistic on a tape but are how a taker reaching depth δ meets our quotes.
 */
export interface InformedFlowParams extends SyntheticTiming {
  startMid: Ticks;
  halfSpreadTicks: number;
  levels: number;
  levelSize: Lots;
  jumpTicks: number;
  jumpsPerSecond: number;
  takersPerSecond: number;
  informedShare: number;
  informedLeadUs: Micros;
  lagUs: Micros;
  followUs: Micros;
  withdrawUs: Micros;
  takerDepthTicks: number;
  takerSize: Lots;
}

export function openInformedFlow(params: InformedFlowParams, seedRng: () => Rng): OpenMarketEvents {
  return marketOpener(InformedFlowMarket, params, seedRng);
}

class InformedFlowMarket implements MarketEventSource {
  private readonly out: MessageBuffer;
  private readonly book: ThinBook;
  private readonly jumpRng: Rng;
  private readonly informedRng: Rng;
  private readonly noiseRng: Rng;
  private readonly depthRng: Rng;
  private value: Ticks;
  private display: Ticks;
  private target: Ticks;
  /** Exact (unrounded) times, µs. */
  private nextJump: number;
  private jumpDirection: 1 | -1;
  private lastJump: number;
  private nextInformed: number;
  private nextNoise: number;
  private nextFollow = Infinity;
  /** The book is withdrawn, waiting to be shown again at nextFollow. */
  private withdrawn = false;
  /** Display targets waiting for their lag: times and values, FIFO (the lag is constant). */
  private readonly targetTimes: number[] = [];
  private readonly targetValues: Ticks[] = [];
  private started = false;
  private closed = false;

  constructor(
    private readonly p: InformedFlowParams,
    rng: Rng,
  ) {
    this.out = new MessageBuffer(p.feedLatencyUs);
    this.book = new ThinBook(p.levels, p.levelSize);
    this.jumpRng = rng.fork('jumps');
    this.informedRng = rng.fork('informed');
    this.noiseRng = rng.fork('noise');
    this.depthRng = rng.fork('depth');
    this.value = this.display = this.target = p.startMid;
    this.lastJump = p.startTs;
    this.nextJump = p.startTs + this.jumpRng.exponential(p.jumpsPerSecond) * 1e6;
    this.jumpDirection = this.jumpRng.uniform() < 0.5 ? -1 : 1;
    this.nextInformed = this.scheduleInformed(p.startTs);
    const noiseRate = (1 - p.informedShare) * p.takersPerSecond;
    this.nextNoise = noiseRate > 0 ? p.startTs + this.noiseRng.exponential(noiseRate) * 1e6 : Infinity;
  }

  next(): MarketEvent | null {
    if (!this.started) {
      this.started = true;
      const h = this.p.halfSpreadTicks;
      return this.book.snapshot(this.p.startTs, this.p.startTs + this.p.feedLatencyUs, this.display - h, this.display + h);
    }
    for (;;) {
      const event = this.out.shift();
      if (event) return event;
      if (this.closed) return null;
      if (!this.produce()) {
        this.closed = true;
        return closingQuote(this.p.endTs, this.p.feedLatencyUs, this.book.bestBid, Number.isNaN(this.book.bestBid) ? 0 : this.p.levelSize, this.book.bestAsk, Number.isNaN(this.book.bestAsk) ? 0 : this.p.levelSize);
      }
    }
  }

  /** The next informed arrival at or after `from`, inside the window before the next jump; else Infinity. */
  private scheduleInformed(from: number): number {
    const { informedShare, takersPerSecond, jumpsPerSecond, informedLeadUs } = this.p;
    if (informedShare === 0 || informedLeadUs === 0) return Infinity;
    const windowRate = (informedShare * takersPerSecond) / -Math.expm1(-jumpsPerSecond * (informedLeadUs / 1e6));
    const t = Math.max(from, this.nextJump - informedLeadUs) + this.informedRng.exponential(windowRate) * 1e6;
    return t < this.nextJump ? t : Infinity;
  }

  /** Produces the next message (possibly empty); false when the run is over. */
  private produce(): boolean {
    this.out.begin();
    const targetAt = this.targetTimes.length > 0 ? this.targetTimes[0] : Infinity;
    // Invisible state changes (jumps, targets) first, in time order; then the earliest visible event.
    const visible = Math.min(this.nextFollow, this.nextInformed, this.nextNoise);
    if (this.nextJump <= visible && this.nextJump <= targetAt) {
      if (Math.round(this.nextJump) > this.p.endTs) return false;
      this.jump();
      return true;
    }
    if (targetAt <= visible) {
      if (Math.round(targetAt) > this.p.endTs) return false;
      this.targetTimes.shift();
      this.target = this.targetValues.shift()!;
      if (this.nextFollow === Infinity && this.target !== this.display) this.nextFollow = targetAt;
      return true;
    }
    const time = Math.round(visible);
    if (time > this.p.endTs) return false;
    if (visible === this.nextFollow) this.follow(time);
    else if (visible === this.nextInformed) {
      this.take(time, this.jumpDirection === 1 ? 'buy' : 'sell');
      this.nextInformed = this.scheduleInformed(this.nextInformed);
    } else {
      this.take(time, this.noiseRng.uniform() < 0.5 ? 'buy' : 'sell');
      this.nextNoise += this.noiseRng.exponential((1 - this.p.informedShare) * this.p.takersPerSecond) * 1e6;
    }
    return true;
  }

  private jump(): void {
    this.value += this.jumpDirection * this.p.jumpTicks;
    this.targetTimes.push(this.nextJump + this.p.lagUs);
    this.targetValues.push(this.value);
    this.lastJump = this.nextJump;
    this.nextJump = this.lastJump + this.jumpRng.exponential(this.p.jumpsPerSecond) * 1e6;
    this.jumpDirection = this.jumpRng.uniform() < 0.5 ? -1 : 1;
    this.nextInformed = this.scheduleInformed(this.lastJump);
  }

  private follow(time: Micros): void {
    const h = this.p.halfSpreadTicks;
    if (this.p.followUs === 0 && this.p.withdrawUs > 0 && !this.withdrawn) {
      this.withdrawn = true;
      this.book.withdraw(this.out, time);
      this.out.end();
      this.nextFollow += this.p.withdrawUs;
      return;
    }
    this.withdrawn = false;
    if (this.p.followUs === 0) this.display = this.target;
    else this.display += Math.sign(this.target - this.display);
    this.book.moveTo(this.out, time, this.display - h, this.display + h);
    this.out.end();
    this.nextFollow = this.display !== this.target && this.p.followUs > 0 ? this.nextFollow + this.p.followUs : Infinity;
  }

  private take(time: Micros, side: Side): void {
    const reach = Math.floor(this.depthRng.exponential(1 / this.p.takerDepthTicks));
    this.out.trade(time, side === 'sell' ? this.display - reach : this.display + reach, this.p.takerSize, side);
  }
}
