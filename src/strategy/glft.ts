import { linearRegression } from 'simple-statistics';
import { z } from 'zod';
import { boundedNumber, BOUNDS } from '../core/bounds.ts';
import type { Strategy } from './api.ts';
import { modelParams, placeableQuotes } from './avellaneda-stoikov.ts';
import { defineStrategy } from './define.ts';
import { requote } from './seed.ts';

/**
 * Guéant, Lehalle & Fernandez-Tapia (2013), "Dealing with the inventory risk": the closed-form asymptotic
 * quotes of the market maker with a fill intensity A·e^(−kδ), written as a quoting loop over the
 * Venue/Clock API.
 *
 * Rules:
 * - Units: prices in price units (k per price unit, σ per √time unit), A per time unit, q = position / size
 *   (inventory in orders). The time unit cancels out of the formula (σ²/A), so any one will do as long
 *   as σ and A use the same; the online estimates use `timeUnitSeconds`.
 * - Every `requoteMs`, starting at once: read the mid s and the position, then
 *     c = sqrt( σ²·γ / (2·k·A) · (1 + γ/k)^(1 + k/γ) )
 *     δ_bid = (1/γ)·ln(1 + γ/k) + ((2q + 1)/2)·c        bid = s − δ_bid
 *     δ_ask = (1/γ)·ln(1 + γ/k) − ((2q − 1)/2)·c        ask = s + δ_ask
 *   cancel all, then post-only bid and ask of `size`, rounded to the nearest tick and kept from crossing
 *   (bid < best ask, ask > best bid).
 * - Inventory bounds: a side whose fill would take |position| beyond `maxInventory` (base units) is not
 *   quoted — the paper's Q.
 * - Online σ (`estimateSigma`, off by default): σ² = Σ(Δmid)² / Σ(Δt) over the mids the loop read in the last
 *   `estimationWindowSeconds`, used once the window holds `minSamples` mid intervals (before that, `sigma`).
 * - Online A and k (`estimateIntensity`, off by default), after hftbacktest's GLFT example: the strategy
 *   subscribes to the market trades and the top of book of its own feed (`onTrade`, `onBook`), and records
 *   the depth each trade reaches from the latest mid: mid − price for a taker sell, price − mid for a taker
 *   buy (trades before the first two-sided book are skipped). hftbacktest keeps the deepest trade of each
 *   100 ms step; here every trade counts, as λ is a rate per unit time. Every cycle, over the trades of the last
 *   `estimationWindowSeconds` (or the time observed since the first mid, when shorter), N_i is the number of
 *   trades of depth ≥ δ_i = (i + ½)·w, for buckets i = 0 … `depthBuckets` − 1 of width w = `depthBucket`
 *   (default one tick): the distances of whole-tick quotes from a mid inside a one-tick spread. The two
 *   sides are pooled, so λ_i = N_i / (2 · window in time units) is the rate per side at which a quote at δ_i
 *   would be reached. ln λ_i = ln A − k·δ_i is fitted by least squares over the buckets from 0 up to the
 *   first with fewer than MIN_BUCKET_TRADES (10) trades; a fit over at least 3 buckets with k > 0 replaces A
 *   and k, once the window holds `minTrades` trades. The last good fit stays in force until the next one
 *   (before the first, the `A` and `k` parameters).
 * - With both estimates off the strategy subscribes to nothing and its quotes are exactly the fixed-parameter
 *   ones. Code that builds the strategy may pass `onParameters` to see the σ, A and k each cycle quotes with.
 * Known limits: the asymptotic (T → ∞) quotes, not the finite-horizon ODE solution; cancel-all then re-post
 * every cycle. The intensity fit pools both sides (a market whose buy and sell flows differ gets their
 * average) and ignores queue position (a trade at a quote's price counts as reaching it, as if the quote were
 * first in line); the depth is measured from the mid the feed last showed, so a trade that arrives with the
 * book message that moved the mid is measured from the new mid. The fit is unweighted: a deep bucket with few
 * trades (down to 10) weighs as much as a busy one near the mid, so keep `depthBuckets`·`depthBucket` within
 * a few 1/k. In the AS market (A = 140, k = 1.5) an 1800 s window, about 2,500 trades, lands within about 3 %
 * (one standard deviation) of both.
 */
const glftParams = modelParams.extend({
  /** Arrival rate A of market orders reaching the mid, per time unit (the same unit as σ's). */
  A: boundedNumber(BOUNDS.modelParameter),
  maxInventory: boundedNumber(BOUNDS.size),
  /** Replace σ by a rolling estimate from the mids the loop reads (off by default). */
  estimateSigma: z.boolean().default(false),
  estimationWindowSeconds: boundedNumber(BOUNDS.durationSeconds).default(600),
  minSamples: boundedNumber({ min: 1, max: 1e6, integer: true }).default(30),
  /** Seconds in the time unit σ and A are given in (used by the estimates only). */
  timeUnitSeconds: boundedNumber(BOUNDS.modelParameter).default(1),
  /** Replace A and k by an online fit of the depths market trades reach (off by default). */
  estimateIntensity: z.boolean().default(false),
  /** Width of a depth bucket of that fit, price units (default: the market's tick). */
  depthBucket: boundedNumber(BOUNDS.price).optional(),
  depthBuckets: boundedNumber({ min: 3, max: 10_000, integer: true }).default(70),
  /** Trades in the window before the fit replaces A and k. */
  minTrades: boundedNumber({ min: 1, max: 1e7, integer: true }).default(100),
});

export type GlftParams = z.output<typeof glftParams> & {
  /** Told the parameters each cycle quotes with (not a scenario setting: for code that builds the strategy). */
  onParameters?: (used: GlftCycle) => void;
};

/** What one quoting cycle used. */
export interface GlftCycle {
  timeMs: number;
  sigma: number;
  A: number;
  k: number;
  mid: number;
  position: number;
}

/** Rolling estimate of σ (price per √time unit) from sampled mids: σ² = Σ(Δmid)² / Σ(Δt). */
export class SigmaEstimator {
  private readonly times: number[] = [];
  private readonly mids: number[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly unitMs: number,
  ) {}

  add(timeMs: number, mid: number): void {
    this.times.push(timeMs);
    this.mids.push(mid);
    let drop = 0;
    while (drop < this.times.length - 1 && this.times[drop] < timeMs - this.windowMs) drop++;
    if (drop > 0) {
      this.times.splice(0, drop);
      this.mids.splice(0, drop);
    }
  }

  /** Number of mid changes (intervals) in the window. */
  get samples(): number {
    return Math.max(0, this.times.length - 1);
  }

  sigma(): number {
    let squares = 0;
    for (let i = 1; i < this.mids.length; i++) squares += (this.mids[i] - this.mids[i - 1]) ** 2;
    const span = (this.times[this.times.length - 1] - this.times[0]) / this.unitMs;
    return span > 0 ? Math.sqrt(squares / span) : NaN;
  }
}

export interface GlftDepths {
  /** The half-spread term (1/γ)·ln(1 + γ/k). */
  base: number;
  /** The inventory term's unit c. */
  c: number;
  bidDepth: number;
  askDepth: number;
}

/** The closed-form depths for inventory `q` (in orders). */
export function glftDepths(q: number, params: Pick<GlftParams, 'gamma' | 'k' | 'A' | 'sigma'>): GlftDepths {
  const { gamma, k, A, sigma } = params;
  const base = (1 / gamma) * Math.log(1 + gamma / k);
  const c = Math.sqrt(((sigma * sigma * gamma) / (2 * k * A)) * Math.pow(1 + gamma / k, 1 + k / gamma));
  return { base, c, bidDepth: base + ((2 * q + 1) / 2) * c, askDepth: base - ((2 * q - 1) / 2) * c };
}

export function glft(params: GlftParams): Strategy {
  return async (context) => {
    const { venue, clock, market, tickSize } = context;
    const estimator = new SigmaEstimator(params.estimationWindowSeconds * 1000, params.timeUnitSeconds * 1000);
    let A = params.A;
    let k = params.k;
    let intensity: IntensityEstimator | null = null;
    if (params.estimateIntensity) {
      const trades = new IntensityEstimator({
        windowMs: params.estimationWindowSeconds * 1000,
        unitMs: params.timeUnitSeconds * 1000,
        bucket: params.depthBucket ?? tickSize,
        buckets: params.depthBuckets,
      });
      let mid = NaN;
      venue.onBook((book) => {
        if (Number.isFinite(book.mid)) {
          mid = book.mid;
          trades.start(book.timestamp);
        }
      });
      venue.onTrade((trade) => {
        if (!Number.isFinite(mid)) return;
        trades.add(trade.timestamp, trade.takerSide === 'sell' ? mid - trade.price : trade.price - mid);
      });
      intensity = trades;
    }
    do {
      const snap = await venue.getSnapshot(market, 1);
      if (Number.isNaN(snap.mid)) continue;
      let sigma = params.sigma;
      if (params.estimateSigma) {
        estimator.add(clock.now(), snap.mid);
        if (estimator.samples >= params.minSamples) sigma = estimator.sigma();
      }
      if (intensity !== null) {
        const fit = intensity.fit(clock.now());
        if (fit !== null && fit.trades >= params.minTrades) {
          A = fit.A;
          k = fit.k;
        }
      }
      const position = await venue.getPosition(market);
      params.onParameters?.({ timeMs: clock.now(), sigma, A, k, mid: snap.mid, position });
      const { bidDepth, askDepth } = glftDepths(position / params.size, { gamma: params.gamma, k, A, sigma });
      const quotes = placeableQuotes(snap.mid - bidDepth, snap.mid + askDepth, snap.bestBid, snap.bestAsk, tickSize);
      await requote(context, quotes, position, params.size, params.maxInventory);
    } while (await clock.sleep(params.requoteMs));
  };
}

/** Buckets with fewer trades than this end the intensity fit (their log counts are too noisy). */
export const MIN_BUCKET_TRADES = 10;

export interface IntensityFit {
  /** Rate per side of trades reaching the mid, per time unit. */
  A: number;
  /** Decay of that rate with depth, per price unit. */
  k: number;
  /** Trades in the window. */
  trades: number;
  /** Buckets the line was fitted over. */
  buckets: number;
}

/**
 * Rolling fit of the fill intensity λ(δ) = A·e^(−kδ) from the depths market trades reach (see the rules
 * above). Adding a trade does not allocate (beyond amortised array growth); a fit costs the trades in the
 * window plus the buckets.
 */
export class IntensityEstimator {
  private readonly times: number[] = [];
  private readonly depths: number[] = [];
  private head = 0;
  private startMs = NaN;
  private readonly counts: Float64Array;

  constructor(private readonly options: { windowMs: number; unitMs: number; bucket: number; buckets: number }) {
    this.counts = new Float64Array(Math.max(1, Math.floor(options.buckets)));
  }

  /** The observation starts (the first mid): until the window is full, rates are over the time since then. */
  start(timeMs: number): void {
    if (Number.isNaN(this.startMs)) this.startMs = timeMs;
  }

  /**
   * A trade reached `depth` price units from the mid (negative: it printed on the near side of the mid).
   * Trades come in time order (the window drops them oldest first).
   */
  add(timeMs: number, depth: number): void {
    this.start(timeMs);
    this.times.push(timeMs);
    this.depths.push(depth);
    this.expire(timeMs);
  }

  /** Trades in the window at `nowMs`. */
  trades(nowMs: number): number {
    this.expire(nowMs);
    return this.times.length - this.head;
  }

  /** The fit at `nowMs`, or null without a usable one (fewer than 3 buckets, or a k that is not positive). */
  fit(nowMs: number): IntensityFit | null {
    const { windowMs, unitMs, bucket } = this.options;
    this.expire(nowMs);
    const span = Math.min(windowMs, nowMs - this.startMs) / unitMs;
    if (!(span > 0)) return null;
    const counts = this.counts;
    const n = counts.length;
    counts.fill(0);
    for (let j = this.head; j < this.depths.length; j++) {
      // depth ≥ (i + ½)·w for every i ≤ floor(depth / w − ½); the epsilon absorbs decimal noise at a boundary.
      const reached = Math.floor(this.depths[j] / bucket - 0.5 + 1e-9);
      if (reached >= 0) counts[Math.min(reached, n - 1)]++;
    }
    for (let i = n - 2; i >= 0; i--) counts[i] += counts[i + 1];
    const points: [number, number][] = [];
    for (let i = 0; i < n && counts[i] >= MIN_BUCKET_TRADES; i++) {
      points.push([(i + 0.5) * bucket, Math.log(counts[i] / (2 * span))]);
    }
    if (points.length < 3) return null;
    const line = linearRegression(points);
    const k = -line.m;
    const A = Math.exp(line.b);
    if (!(k > 0) || !Number.isFinite(A)) return null;
    return { A, k, trades: this.depths.length - this.head, buckets: points.length };
  }

  private expire(nowMs: number): void {
    const cutoff = nowMs - this.options.windowMs;
    while (this.head < this.times.length && this.times[this.head] < cutoff) this.head++;
    // Compact once the expired prefix is half the arrays.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.depths.splice(0, this.head);
      this.head = 0;
    }
  }
}

export const glftStrategy = defineStrategy({
  name: 'glft',
  description: 'Guéant, Lehalle & Fernandez-Tapia (2013): closed-form inventory-aware quotes, optionally with online σ, A and k',
  params: glftParams,
  create: glft,
});
