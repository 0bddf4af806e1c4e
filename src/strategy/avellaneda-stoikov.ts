import { z } from 'zod';
import { boundedNumber, BOUNDS } from '../core/bounds.ts';
import type { Strategy } from './api.ts';
import { defineStrategy } from './define.ts';
import { requote, roundToTick } from './seed.ts';

/**
 * Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book": the inventory strategy and
 * the paper's symmetric benchmark, written as a quoting loop over the Venue/Clock API.
 *
 * Rules:
 * - Units are the paper's: time in time units of `timeUnitSeconds` seconds (t = 0 when the strategy
 *   starts, horizon T = `horizon`), prices in the market's price units, σ per √time unit, k per price unit.
 *   q is the inventory counted in orders of `size` (position / size; the paper trades one share per order,
 *   so there q is the share count).
 * - Every `requoteMs`, starting at once: read the mid s = (best bid + best ask) / 2 and the position, then
 *     reservation price  r = s − q·γ·σ²·(T − t)
 *     full spread        Δ = γ·σ²·(T − t) + (2/γ)·ln(1 + γ/k)
 *   with T − t floored at 0 (after the horizon the inventory term vanishes). `inventory` quotes
 *   r ∓ Δ/2; `symmetric` (the paper's benchmark) quotes s ∓ Δ/2, the same spread centred on the mid.
 *   Cancel all, then post-only bid and ask of `size`.
 * - Prices are rounded to the nearest tick, then kept from crossing: the bid at most one tick below the
 *   best ask, the ask at least one tick above the best bid (a post-only quote that would cross is rejected
 *   by the venue; the paper's model lets λ(δ) exceed A for δ < 0, a venue cannot).
 * - `postOnly: false` (default true): the quotes are sent as they are (rounded, not kept from crossing) as
 *   plain limit orders, so a quote on the wrong side of the mid that crosses the book executes at once as a
 *   marketable limit, at the book's prices: the venue's form of the paper's hit with λ(δ)·dt ≥ A·dt for
 *   δ < 0 (the avellaneda-stoikov market's `fillRule: "paper"` is the rest of the paper's rule).
 * - `maxInventory` (base units, optional): a side whose fill would take |position| beyond it is not quoted.
 * Known limits: no quote while a side of the book is empty; cancel-all then re-post every cycle, so queue
 * priority is never kept (irrelevant in the AS market, where quotes usually rest outside the displayed
 * book). The loop's own latency delays each cycle: with non-zero latency the cycle drifts from the grid.
 */
/** The parameters both model-based strategies (this one and GLFT) share. */
export const modelParams = z.object({
  /** Risk aversion γ. */
  gamma: boundedNumber(BOUNDS.modelParameter),
  /** Decay k of the fill intensity with distance, per price unit. */
  k: boundedNumber(BOUNDS.modelParameter),
  /** Volatility σ of the mid, price units per √time unit. */
  sigma: boundedNumber({ min: 0, max: 1e9 }),
  /** Order size, base units. */
  size: boundedNumber(BOUNDS.size),
  requoteMs: boundedNumber(BOUNDS.periodMs).default(1000),
});

const avellanedaStoikovParams = modelParams.extend({
  /** Horizon T, time units. */
  horizon: boundedNumber(BOUNDS.modelParameter),
  timeUnitSeconds: boundedNumber(BOUNDS.modelParameter).default(1),
  variant: z.enum(['inventory', 'symmetric']).default('inventory'),
  maxInventory: boundedNumber(BOUNDS.size).optional(),
  /** false: quotes are sent unclamped without postOnly (see the rules); optional so scenarios without it echo unchanged in run.json. */
  postOnly: z.boolean().optional(),
});

export type AvellanedaStoikovStrategyParams = z.output<typeof avellanedaStoikovParams>;

export interface ModelQuotes {
  /** Centre of the quotes (r for the inventory strategy, s for the symmetric one). */
  centre: number;
  spread: number;
  bid: number;
  ask: number;
}

/** The paper's quotes, unrounded: `q` in order units, `remaining` = T − t in time units. */
export function avellanedaStoikovQuotes(
  mid: number,
  q: number,
  remaining: number,
  params: Pick<AvellanedaStoikovStrategyParams, 'gamma' | 'k' | 'sigma' | 'variant'>,
): ModelQuotes {
  const { gamma, k, sigma } = params;
  const tau = Math.max(0, remaining);
  const risk = gamma * sigma * sigma * tau;
  const spread = risk + (2 / gamma) * Math.log(1 + gamma / k);
  const centre = params.variant === 'symmetric' ? mid : mid - q * risk;
  return { centre, spread, bid: centre - spread / 2, ask: centre + spread / 2 };
}

/** Rounds quotes to the tick and keeps them from crossing the book (bid < best ask, ask > best bid). */
export function placeableQuotes(
  bid: number,
  ask: number,
  bestBid: number,
  bestAsk: number,
  tickSize: number,
): { bid: number; ask: number } {
  return {
    bid: roundToTick(Math.min(bid, bestAsk - tickSize), tickSize),
    ask: roundToTick(Math.max(ask, bestBid + tickSize), tickSize),
  };
}

export function avellanedaStoikov(params: AvellanedaStoikovStrategyParams): Strategy {
  return async (context) => {
    const { venue, clock, market, tickSize } = context;
    const startMs = clock.now();
    const unitMs = params.timeUnitSeconds * 1000;
    do {
      const snap = await venue.getSnapshot(market, 1);
      if (Number.isNaN(snap.mid)) continue;
      const position = await venue.getPosition(market);
      const t = (clock.now() - startMs) / unitMs;
      const model = avellanedaStoikovQuotes(snap.mid, position / params.size, params.horizon - t, params);
      const postOnly = params.postOnly ?? true;
      const quotes = postOnly
        ? placeableQuotes(model.bid, model.ask, snap.bestBid, snap.bestAsk, tickSize)
        : { bid: roundToTick(model.bid, tickSize), ask: roundToTick(model.ask, tickSize) };
      await requote(context, quotes, position, params.size, params.maxInventory, postOnly);
    } while (await clock.sleep(params.requoteMs));
  };
}

export const avellanedaStoikovStrategy = defineStrategy({
  name: 'avellaneda-stoikov',
  description:
    "Avellaneda & Stoikov (2008): quotes around the reservation price (variant inventory) or the mid (the paper's symmetric benchmark)",
  params: avellanedaStoikovParams,
  create: avellanedaStoikov,
});
