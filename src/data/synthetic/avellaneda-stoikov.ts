import type { Rng } from '../../core/rng.ts';
import type { Lots, Micros } from '../../core/units.ts';
import type { MarketEvent, MarketEventSource, OpenMarketEvents } from '../../core/events.ts';
import { closingQuote, MessageBuffer, ThinBook, marketOpener, type SyntheticTiming } from './emitter.ts';

/**
 * The market of Avellaneda & Stoikov (2008), with its fill model produced by order flow that runs through
 * the venue, in one of two forms (`fillRule`):
 * - `poisson` (default): market orders arrive as Poisson processes, so a quote at distance d is hit within a
 *   step of length dt with probability 1 − e^(−λ(d)·dt), λ(d) = A·e^(−k·d) (the rules below);
 * - `paper`: the paper's own section-4 rule, a hit with probability λ(d)·dt capped at 1 per step (see the
 *   last rule).
 *
 * Rules:
 * - The mid s is an arithmetic random walk in price. Every `stepUs` (the paper's dt) it moves by one step:
 *   `binomial` ±stepTicks with equal probability (the paper's s ± σ√dt), or `gaussian` N(0, stepTicks²).
 *   Between steps it is constant. s is a real number of ticks; it is never rounded.
 * - Market sell orders and market buy orders arrive as two independent Poisson processes, each of rate
 *   `ordersPerSecond` (the paper's A, per second). Each one reaches a depth δ below (sell) or above (buy)
 *   the mid drawn from an exponential law of rate `kPerTick` (the paper's k, per tick). It is printed as
 *   one trade of `orderSize` lots at the price mid − δ rounded up to the tick (sells), mid + δ rounded
 *   down (buys). A resting bid at price b (a whole tick) is at distance s − b from the mid, and
 *   b ≥ ceil(s − δ) ⇔ s − b ≤ δ: the print reaches exactly the bids at distance ≤ δ, so a bid at distance
 *   d is hit with intensity A·e^(−k·d), the paper's λ(d). Same for asks.
 * - How the print meets the venue's matching rules: a print at a price *through* our order (below our bid)
 *   fills it without any queue; a print *at* our price first consumes the displayed size there (the queue
 *   ahead, under any queue model). The displayed book is therefore kept thin: `levels` levels a side of
 *   `levelSize` lots, best bid floor(s), best ask floor(s) + 1 (a one-tick spread, so the book's mid is
 *   within half a tick of s). A quote outside the displayed levels has no queue ahead at all; a quote that
 *   joins a displayed level is filled wholly by a print at its price when orderSize ≥ levelSize + the
 *   quote's size. With those settings, the risk-averse and probabilistic queue models give the same fills.
 * - Prints do not change the displayed book (the market order is taken to be filled by hidden or
 *   immediately replenished liquidity down to its depth); the book moves only with the mid, as one L2
 *   message per step (deletions, then additions, the last delta flagged).
 * - Order of events at one µs: the mid step, then sells, then buys. Times are whole µs (Poisson arrival
 *   times are kept exact and rounded when printed); localTs = exchTs + feedLatencyUs.
 * - `paper`: no Poisson arrivals. At the end of each step, before the mid moves, each side gets one market
 *   order whose depth beyond the mid is D = ln(A·dt / u) / k, u uniform on (0, 1) (from that side's stream),
 *   printed as above (sell at ceil(s − D), buy at floor(s + D), s the mid of the step that ends). Then
 *   P(D ≥ d) = min(1, A·dt·e^(−k·d)) = min(1, λ(d)·dt) for every d, negative ones too (D < 0 when
 *   u > A·dt): a quote at distance d is hit in a step with the paper's probability, the quotes of one
 *   step being those that rest during it. A print that no resting order can meet (a sell at or above the
 *   best ask, a buy at or below the best bid: a quote there would have crossed) is not printed. A quote on
 *   the wrong side of the mid crosses this one-tick book: the venue fills it at once as a marketable limit
 *   when it is sent without postOnly (the paper fills it with probability min(1, λ(d)·dt) at its own price).
 * - The run closes with a best bid/offer quote event at endTs (the data lasts the whole duration).
 * - Two opens with the same seed produce the same events; the mid, the sell flow and the buy flow draw from
 *   three independent RNG streams.
 * Known limits: a print whose depth stays inside the displayed spread (δ smaller than the distance from s
 * to the best bid) is still printed at its own price, between the best bid and ask (it fills nothing: no
 * bid of ours rests above the best bid). Book-through: when the mid moves past one of our quotes (a quote
 * closer to the mid than one step), the venue fills it at its price, where the paper would fill it with
 * probability λ(δ)·dt; quotes are at a distance of the order of 1/k, far more than a step, except under
 * extreme inventory skew. The market does not react to our trades.
 */
export interface AvellanedaStoikovParams extends SyntheticTiming {
  /** Initial mid, ticks (may be fractional). */
  startMid: number;
  stepUs: Micros;
  /** Size of one mid step, ticks (σ·√dt). */
  stepTicks: number;
  walk: 'binomial' | 'gaussian';
  /** Arrival rate of market orders on each side, per second (A). */
  ordersPerSecond: number;
  /** Decay rate of the depth a market order reaches, per tick (k · tickSize). */
  kPerTick: number;
  orderSize: Lots;
  levels: number;
  levelSize: Lots;
  fillRule: 'poisson' | 'paper';
}

export function openAvellanedaStoikov(params: AvellanedaStoikovParams, seedRng: () => Rng): OpenMarketEvents {
  return marketOpener(AvellanedaStoikovMarket, params, seedRng);
}

class AvellanedaStoikovMarket implements MarketEventSource {
  private mid: number;
  private readonly book: ThinBook;
  private readonly out: MessageBuffer;
  private readonly midRng: Rng;
  private readonly sellRng: Rng;
  private readonly buyRng: Rng;
  private stepIndex = 0;
  /** Exact (unrounded) arrival times of the next market sell and buy, µs. */
  private nextSell: number;
  private nextBuy: number;
  private started = false;
  private closed = false;

  constructor(
    private readonly p: AvellanedaStoikovParams,
    rng: Rng,
  ) {
    this.mid = p.startMid;
    this.book = new ThinBook(p.levels, p.levelSize);
    this.out = new MessageBuffer(p.feedLatencyUs);
    this.midRng = rng.fork('mid');
    this.sellRng = rng.fork('sells');
    this.buyRng = rng.fork('buys');
    const poisson = p.fillRule === 'poisson';
    this.nextSell = poisson ? p.startTs + this.gap(this.sellRng) : Infinity;
    this.nextBuy = poisson ? p.startTs + this.gap(this.buyRng) : Infinity;
  }

  next(): MarketEvent | null {
    if (!this.started) {
      this.started = true;
      const best = Math.floor(this.mid);
      return this.book.snapshot(this.p.startTs, this.p.startTs + this.p.feedLatencyUs, best, best + 1);
    }
    for (;;) {
      const event = this.out.shift();
      if (event) return event;
      if (this.closed) return null;
      if (!this.produce()) {
        this.closed = true;
        return closingQuote(this.p.endTs, this.p.feedLatencyUs, this.book.bestBid, this.p.levelSize, this.book.bestAsk, this.p.levelSize);
      }
    }
  }

  private gap(rng: Rng): number {
    return rng.exponential(this.p.ordersPerSecond) * 1e6;
  }

  /** Produces the next message; false when the run is over. */
  private produce(): boolean {
    const nextStep = this.p.startTs + (this.stepIndex + 1) * this.p.stepUs;
    if (this.p.fillRule === 'paper') {
      if (nextStep > this.p.endTs) return false;
      this.out.begin();
      this.printStepOrders(nextStep);
      this.step(nextStep);
      return true;
    }
    const sellTs = Math.round(this.nextSell);
    const buyTs = Math.round(this.nextBuy);
    const time = Math.min(nextStep, sellTs, buyTs);
    if (time > this.p.endTs) return false;
    this.out.begin();
    if (time === nextStep) {
      this.step(time);
      return true;
    }
    if (time === sellTs) {
      const depth = this.sellRng.exponential(this.p.kPerTick);
      this.out.trade(time, Math.ceil(this.mid - depth), this.p.orderSize, 'sell');
      this.nextSell += this.gap(this.sellRng);
    } else {
      const depth = this.buyRng.exponential(this.p.kPerTick);
      this.out.trade(time, Math.floor(this.mid + depth), this.p.orderSize, 'buy');
      this.nextBuy += this.gap(this.buyRng);
    }
    return true;
  }

  /** Moves the mid one step and the book with it (a step that leaves the best prices unchanged emits nothing: next() moves on). */
  private step(time: Micros): void {
    this.stepIndex++;
    const move = this.p.walk === 'binomial' ? (this.midRng.uniform() < 0.5 ? -1 : 1) : this.midRng.normal();
    this.mid += move * this.p.stepTicks;
    const best = Math.floor(this.mid);
    this.book.moveTo(this.out, time, best, best + 1);
    this.out.end();
  }

  /** `paper`: the step's one market order a side, at depth ln(A·dt/u)/k, printed when a resting order could meet it. */
  private printStepOrders(time: Micros): void {
    const perStep = this.p.ordersPerSecond * (this.p.stepUs / 1e6);
    // 1 − uniform() lies in (0, 1]
    const sell = Math.ceil(this.mid - Math.log(perStep / (1 - this.sellRng.uniform())) / this.p.kPerTick);
    const buy = Math.floor(this.mid + Math.log(perStep / (1 - this.buyRng.uniform())) / this.p.kPerTick);
    if (sell < this.book.bestAsk) this.out.trade(time, sell, this.p.orderSize, 'sell');
    if (buy > this.book.bestBid) this.out.trade(time, buy, this.p.orderSize, 'buy');
  }
}
