import { Rng } from '../../core/rng.ts';
import type { MidProcess } from './random-walk.ts';

/**
 * Correlated synthetic markets: each market's mid is one efficient price seen through its own basis and
 * noise, so a spot and a perpetual (or two venues of one coin) move together without being equal.
 *
 * Rules (prices in the quote currency until the last step):
 * - Efficient price E: an arithmetic random walk from `startPrice`, one normal step of standard deviation
 *   volatility · √(stepMs / 1 s) every `stepMs`, drawn from the seed's stream labelled by these settings
 *   (`efficient-price/<start>/<startPrice>/<volatility>/<stepMs>`): every market of a run that gives the
 *   same settings sees the same path, a market that gives others an independent one.
 * - Basis b, in bps of E: an Ornstein–Uhlenbeck process around `meanBps` with stationary standard deviation
 *   `sdBps` and half-life `halfLifeSeconds`, stepped exactly (b' = m + (b − m)·φ + sd·√(1 − φ²)·N, with
 *   φ = 2^(−stepMs / half-life)), starting at its mean; from the market's own stream.
 * - Microstructure noise: each step the mid is E·(1 + b / 10 000) plus an independent normal of standard
 *   deviation `noiseBps` of E, from the market's own stream (it does not persist).
 * - The mid in ticks is that price divided by the market's tick size; the random-walk model builds its
 *   ladder and market orders around it (random-walk.ts).
 * Known limits: the basis does not depend on funding or time to expiry; the noise is white (no bounce).
 */
export interface SharedPriceSettings {
  seed: string;
  /** The market's start, as given (part of the efficient price's label). */
  start: string;
  startPrice: number;
  /** Standard deviation of E's move over one second, price units. */
  volatility: number;
  stepMs: number;
  basis: { meanBps: number; sdBps: number; halfLifeSeconds: number };
  noiseBps: number;
  tickSize: number;
}

/** The market's mid path (ticks) for the random-walk model, its basis and noise drawn from `marketRng`. */
export function sharedPriceMid(settings: SharedPriceSettings, marketRng: Rng): MidProcess {
  const { startPrice, volatility, stepMs, basis, noiseBps, tickSize } = settings;
  const efficientRng = new Rng(settings.seed).fork(`efficient-price/${settings.start}/${startPrice}/${volatility}/${stepMs}`);
  const basisRng = marketRng.fork('basis');
  const noiseRng = marketRng.fork('noise');
  const stepSd = volatility * Math.sqrt(stepMs / 1000);
  const phi = 2 ** (-stepMs / (basis.halfLifeSeconds * 1000));
  const basisShock = basis.sdBps * Math.sqrt(1 - phi * phi);
  let efficient = startPrice;
  let basisBps = basis.meanBps;
  let first = true;
  return {
    next(): number {
      if (first) first = false;
      else {
        efficient += efficientRng.normal() * stepSd;
        basisBps = basis.meanBps + (basisBps - basis.meanBps) * phi + basisShock * basisRng.normal();
      }
      const noise = noiseBps === 0 ? 0 : (noiseRng.normal() * noiseBps * efficient) / 10_000;
      return (efficient * (1 + basisBps / 10_000) + noise) / tickSize;
    },
  };
}
