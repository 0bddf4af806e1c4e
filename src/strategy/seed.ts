import { z } from 'zod';
import { boundedNumber, BOUNDS } from '../core/bounds.ts';
import { decimalsOf } from '../core/market.ts';
import type { OrderAck, Side, Strategy, StrategyContext } from './api.ts';
import { defineStrategy } from './define.ts';

/**
 * The seed guide's two quoting loops, kept to their arithmetic, written as a user writes a live bot.
 *
 * fixed-spread: mid = (best bid + best ask) / 2; half = mid · spreadBps / 10 000 / 2; cancel all; post-only
 *   bid at mid − half and ask at mid + half; sleep requoteMs. (Seed: 10 bps, size 0.01, 3 s.)
 * inventory-skew: as above, but ratio = net / maxInventory; skewBps = −ratio · spreadBps · skewFactor;
 *   skewedMid = mid · (1 + skewBps / 10 000); quotes at skewedMid ± half. (Seed: skewFactor 0.5.)
 * Each cycle quotes, then sleeps (the guide's `while True: quote(); sleep(requote)`, ported as
 * `do { … } while (await clock.sleep(requoteMs))`): the first quotes go out at the start, not one interval
 * later; a cycle that skips quoting (empty book side) still sleeps.
 * Prices are rounded to the nearest tick, and a price halfway between two ticks (within a millionth of a
 * tick) away from the mid: a bid down, an ask up (roundQuoteToTick). So both sides behave alike: at
 * |net| = maxInventory with skewFactor 0.5 the reducing quote lands on the mid, which in a one-tick-spread
 * book is a half tick; rounding half up sent a reducing bid to the best ask (rejected by post-only, and in
 * the books where float noise fell the other way, a reducing ask to the best bid), so the two sides of one
 * position limit behaved differently. One addition to the seed, so that maxInventory is a limit and not
 * only a scale: a side whose fill would take |net| beyond maxInventory is not quoted.
 * Known limits: no quote when either side of the book is empty; cancel-all then re-post every cycle, so
 * queue priority is never kept across cycles (that is the seed's design).
 */
/** Decimal sizes are compared with this slack, so 0.03 + 0.01 counts as 0.04. */
const SIZE_EPSILON = 1e-9;

const fixedSpreadParams = z.object({
  /** Full quoted spread, bps of the mid. */
  spreadBps: boundedNumber(BOUNDS.spreadBps),
  /** Order size, base units. */
  size: boundedNumber(BOUNDS.size),
  requoteMs: boundedNumber(BOUNDS.periodMs).default(3000),
});

export const inventorySkewParams = fixedSpreadParams.extend({
  /** |position| limit, base units: the skew's scale and a side's quoting limit. */
  maxInventory: boundedNumber(BOUNDS.size),
  skewFactor: boundedNumber({ min: 0, max: 100 }).default(0.5),
});

export type FixedSpreadParams = z.output<typeof fixedSpreadParams>;
export type InventorySkewParams = z.output<typeof inventorySkewParams>;

export interface Quotes {
  bid: number;
  ask: number;
}

export function roundToTick(price: number, tickSize: number): number {
  return priceOfTicks(Math.round(price / tickSize), tickSize);
}

/** A price within this share of a tick of a half tick counts as halfway (float noise of price / tickSize). */
const HALF_TICK_SLACK = 1e-6;

/**
 * A quote's price rounded to the nearest tick, with a price halfway between two ticks rounded away from the
 * mid: a bid down, an ask up. So both sides round alike: a quote at a half-tick mid (a one-tick spread) joins
 * its own side's touch instead of landing on the far touch, where post-only rejects it.
 */
export function roundQuoteToTick(price: number, tickSize: number, side: Side): number {
  const ticks = price / tickSize;
  return priceOfTicks(side === 'buy' ? Math.ceil(ticks - 0.5 - HALF_TICK_SLACK) : Math.floor(ticks + 0.5 + HALF_TICK_SLACK), tickSize);
}

function priceOfTicks(ticks: number, tickSize: number): number {
  // decimalsOf, not -log10(tickSize): a tick of 0.25 needs 2 decimals (100.25 must not print as 100.3).
  return Number((ticks * tickSize).toFixed(decimalsOf(tickSize)));
}

/** Bid and ask around `center`, `half` away, each rounded by roundQuoteToTick. */
function quotesAround(center: number, half: number, tickSize: number): Quotes {
  return { bid: roundQuoteToTick(center - half, tickSize, 'buy'), ask: roundQuoteToTick(center + half, tickSize, 'sell') };
}

export function fixedSpreadQuotes(bestBid: number, bestAsk: number, spreadBps: number, tickSize: number): Quotes {
  const mid = (bestBid + bestAsk) / 2;
  const half = (mid * spreadBps) / 10_000 / 2;
  return quotesAround(mid, half, tickSize);
}

export function inventorySkewQuotes(
  bestBid: number,
  bestAsk: number,
  net: number,
  params: Pick<InventorySkewParams, 'spreadBps' | 'maxInventory' | 'skewFactor'>,
  tickSize: number,
): Quotes {
  const mid = (bestBid + bestAsk) / 2;
  const half = (mid * params.spreadBps) / 10_000 / 2;
  const ratio = net / params.maxInventory;
  const skewBps = -ratio * params.spreadBps * params.skewFactor;
  const skewedMid = mid * (1 + skewBps / 10_000);
  return quotesAround(skewedMid, half, tickSize);
}

/**
 * Cancels all, then posts a bid and ask of `size`, post-only unless `postOnly` is false; a side whose fill
 * would take |position| beyond `maxInventory` is skipped. The last step of every quoting loop here and in the
 * model-based strategies. Resolves to the acknowledgements of the orders posted.
 */
export async function requote(
  { venue, market }: StrategyContext,
  quotes: Quotes,
  position: number,
  size: number,
  maxInventory: number | undefined,
  postOnly = true,
): Promise<OrderAck[]> {
  const limit = maxInventory ?? Infinity;
  const acks: OrderAck[] = [];
  await venue.cancelAllOrders(market);
  if (position + size <= limit + SIZE_EPSILON) {
    acks.push(await venue.placeOrder({ market, side: 'buy', size, price: quotes.bid, postOnly }));
  }
  if (position - size >= -limit - SIZE_EPSILON) {
    acks.push(await venue.placeOrder({ market, side: 'sell', size, price: quotes.ask, postOnly }));
  }
  return acks;
}

export function fixedSpread(params: FixedSpreadParams): Strategy {
  return async (context) => {
    const { venue, clock, market, tickSize } = context;
    do {
      const snap = await venue.getSnapshot(market);
      if (Number.isNaN(snap.mid)) continue; // to the sleep: a do-while's continue runs its condition
      const quotes = fixedSpreadQuotes(snap.bestBid, snap.bestAsk, params.spreadBps, tickSize);
      await requote(context, quotes, 0, params.size, undefined);
    } while (await clock.sleep(params.requoteMs));
  };
}

/** One turn of the inventory-skew loop: quotes around the feed's book, skewed by the position; false when the book has no mid yet (nothing quoted). */
export async function quoteInventorySkew(context: StrategyContext, params: InventorySkewParams): Promise<boolean> {
  const { venue, market, tickSize } = context;
  const snap = await venue.getSnapshot(market);
  if (Number.isNaN(snap.mid)) return false;
  const net = await venue.getPosition(market);
  const quotes = inventorySkewQuotes(snap.bestBid, snap.bestAsk, net, params, tickSize);
  await requote(context, quotes, net, params.size, params.maxInventory);
  return true;
}

export function inventorySkew(params: InventorySkewParams): Strategy {
  return async (context) => {
    do await quoteInventorySkew(context, params);
    while (await context.clock.sleep(params.requoteMs));
  };
}

export const fixedSpreadStrategy = defineStrategy({
  name: 'fixed-spread',
  description: "the seed guide's loop: a post-only bid and ask spreadBps apart around the mid, requoted every requoteMs",
  params: fixedSpreadParams,
  create: fixedSpread,
});

export const inventorySkewStrategy = defineStrategy({
  name: 'inventory-skew',
  description: "the seed guide's loop with both quotes skewed against the position, and no quote past maxInventory",
  params: inventorySkewParams,
  create: inventorySkew,
});
