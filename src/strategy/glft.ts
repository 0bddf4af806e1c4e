import type { Strategy } from './api.ts';
import { placeableQuotes, requote } from './avellaneda-stoikov.ts';

/**
 * Guéant, Lehalle & Fernandez-Tapia (2013), "Dealing with the inventory risk": the closed-form asymptotic
 * quotes of the market maker with a fill intensity A·e^(−kδ), written as a quoting loop over the
 * Venue/Clock API.
 *
 * Rules:
 * - Units: prices in price units (k per price unit, σ per √time unit), A per time unit, q = position / size
 *   (inventory in orders). The time unit cancels out of the formula (σ²/A), so any one will do as long
 *   as σ and A use the same.
 * - Every `requoteMs`, starting at once: read the mid s and the position, then
 *     c = sqrt( σ²·γ / (2·k·A) · (1 + γ/k)^(1 + k/γ) )
 *     δ_bid = (1/γ)·ln(1 + γ/k) + ((2q + 1)/2)·c        bid = s − δ_bid
 *     δ_ask = (1/γ)·ln(1 + γ/k) − ((2q − 1)/2)·c        ask = s + δ_ask
 *   cancel all, then post-only bid and ask of `size`, rounded to the nearest tick and kept from crossing
 *   (bid < best ask, ask > best bid).
 * - Inventory bounds: a side whose fill would take |position| beyond `maxInventory` (base units) is not
 *   quoted — the paper's Q.
 * Known limits: the asymptotic (T → ∞) quotes, not the finite-horizon ODE solution; σ, A and k are fixed
 * parameters (no online estimation yet); cancel-all then re-post every cycle.
 */
export interface GlftParams {
  gamma: number;
  k: number;
  A: number;
  sigma: number;
  size: number;
  requoteMs: number;
  maxInventory: number;
  estimateSigma: boolean;
  estimationWindowSeconds: number;
  minSamples: number;
  timeUnitSeconds: number;
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
    do {
      const snap = await venue.getSnapshot(market, 1);
      if (Number.isNaN(snap.mid)) continue;
      let sigma = params.sigma;
      if (params.estimateSigma) {
        estimator.add(clock.now(), snap.mid);
        if (estimator.samples >= params.minSamples) sigma = estimator.sigma();
      }
      const position = await venue.getPosition(market);
      const { bidDepth, askDepth } = glftDepths(position / params.size, { ...params, sigma });
      const quotes = placeableQuotes(snap.mid - bidDepth, snap.mid + askDepth, snap.bestBid, snap.bestAsk, tickSize);
      await requote(context, quotes, position, params.size, params.maxInventory);
    } while (await clock.sleep(params.requoteMs));
  };
}
