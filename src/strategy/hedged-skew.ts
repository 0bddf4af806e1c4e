import { z } from 'zod';
import { SpreadlabError } from '../core/errors.ts';
import type { MarketInfo, StrategyContext, Strategy } from './api.ts';
import { defineStrategy } from './define.ts';
import { inventorySkewParams, quoteInventorySkew, roundQuoteToTick } from './seed.ts';

/**
 * hedged-skew: quote one market, hedge the delta on another — the inventory-skew loop on the quoted market
 * (the context's first market) and, whenever |net delta| passes `hedgeThreshold`, an order on the hedge
 * market that takes the net delta back to zero.
 *
 * Rules:
 * - Quoting is the seed's inventory-skew loop (seed.ts) on the quoted market, skewed by that market's own
 *   position (so `maxInventory` bounds it, hedged or not): with `hedgeMode: "off"` the strategy is exactly
 *   inventory-skew on the quoted market.
 * - Net delta = Σ position × contract size over the quoted and the hedge market, base units, from the
 *   positions the strategy has been told (its fill notices: getPosition).
 * - The check runs after every quoting cycle and whenever a fill notice of the quoted market arrives (the
 *   onFill hook), one hedge at a time (a check while a hedge is in flight waits for the next occasion).
 * - When |net delta| > hedgeThreshold, the hedge is |net delta| in whole lots of the hedge market (rounded
 *   down; nothing when that is 0 lots), selling when long and buying when short:
 *   `taker`: an IOC limit order at the hedge market's touch (sell at the best bid, buy at the best ask) moved
 *     `hedgeSlippageBps` through it, so it takes what is displayed there (the rest is cancelled; the next
 *     check tries again);
 *   `maker`: cancel the hedge market's open orders, then a post-only order at its own side's touch (sell at
 *     the best ask, buy at the best bid), which waits in the queue; it is replaced at the next check.
 * - `hedgeMarket` names the hedge market (default: the context's second market).
 * Known limits: the hedge sizes by the delta known to the strategy (fill notices lag the venue by the
 * response latency); no hedge when the hedge market's book has no touch on the side needed.
 */
export const hedgedSkewParams = inventorySkewParams.extend({
  /** The market to hedge on (default: the second market). */
  hedgeMarket: z.string().min(1).optional(),
  /** |net delta| (base units) above which the strategy hedges. */
  hedgeThreshold: z.number().nonnegative(),
  /** How the hedge is sent: taker (IOC at the touch), maker (post-only at the touch), or off (no hedge). */
  hedgeMode: z.enum(['taker', 'maker', 'off']).default('taker'),
  /** Taker hedges: how far through the touch the IOC's limit goes, bps of the touch. */
  hedgeSlippageBps: z.number().nonnegative().default(0),
});

export type HedgedSkewParams = z.output<typeof hedgedSkewParams>;

/** Size precision slack: a delta within this of a lot boundary counts as on it. */
const LOT_EPSILON = 1e-9;

/** The hedge order for a net delta: side and size (decimal, whole lots of the hedge market), or null for none. */
export function hedgeOrder(netDelta: number, hedge: MarketInfo, threshold: number): { side: 'buy' | 'sell'; size: number } | null {
  if (!(Math.abs(netDelta) > threshold)) return null;
  const lots = Math.floor(Math.abs(netDelta) / (hedge.contractSize * hedge.lotSize) + LOT_EPSILON);
  if (lots <= 0) return null;
  const size = Number((lots * hedge.lotSize).toFixed(12));
  return { side: netDelta > 0 ? 'sell' : 'buy', size };
}

function hedgeMarketOf(context: StrategyContext, name: string | undefined): MarketInfo {
  const { markets } = context;
  const hedge = name === undefined ? markets[1] : markets.find((m) => m.id === name);
  if (!hedge || hedge.id === context.market) {
    const ids = markets.map((m) => `"${m.id}"`).join(', ');
    throw new SpreadlabError(
      name === undefined
        ? `hedged-skew: needs a second market to hedge on (this run trades ${ids}); give the scenario "markets"`
        : `strategy.hedgeMarket: "${name}" is not another market of this run (it trades ${ids})`,
    );
  }
  return hedge;
}

export function hedgedSkew(params: HedgedSkewParams): Strategy {
  return async (context) => {
    const { venue, clock, market } = context;
    const quoted = context.markets[0];
    const hedge = params.hedgeMode === 'off' ? null : hedgeMarketOf(context, params.hedgeMarket);
    let hedging = false;
    let hookFailure: unknown = null;

    const checkHedge = async (): Promise<void> => {
      if (!hedge || hedging) return;
      hedging = true;
      try {
        const net = (await venue.getPosition(market)) * quoted.contractSize + (await venue.getPosition(hedge.id)) * hedge.contractSize;
        const order = hedgeOrder(net, hedge, params.hedgeThreshold);
        if (params.hedgeMode === 'maker') await venue.cancelAllOrders(hedge.id);
        if (!order) return;
        const book = await venue.getSnapshot(hedge.id);
        const sell = order.side === 'sell';
        if (params.hedgeMode === 'taker') {
          const touch = sell ? book.bestBid : book.bestAsk;
          if (!Number.isFinite(touch)) return;
          const through = (touch * params.hedgeSlippageBps) / 10_000;
          // an IOC's limit beyond the touch: rounded away from the book's far side (a sell down, a buy up)
          const price = roundQuoteToTick(sell ? touch - through : touch + through, hedge.tickSize, sell ? 'buy' : 'sell');
          await venue.placeOrder({ market: hedge.id, side: order.side, size: order.size, price, timeInForce: 'IOC' });
        } else {
          const price = sell ? book.bestAsk : book.bestBid;
          if (!Number.isFinite(price)) return;
          await venue.placeOrder({ market: hedge.id, side: order.side, size: order.size, price, postOnly: true });
        }
      } finally {
        hedging = false;
      }
    };

    if (hedge) {
      venue.onFill((fill) => {
        if (fill.market === market) checkHedge().catch((error: unknown) => (hookFailure ??= error));
      });
    }
    do {
      if (!(await quoteInventorySkew(context, params))) continue; // to the sleep
      if (hedge) await checkHedge();
      if (hookFailure) throw hookFailure;
    } while (await clock.sleep(params.requoteMs));
  };
}

export const hedgedSkewStrategy = defineStrategy({
  name: 'hedged-skew',
  description:
    'the inventory-skew loop on the first market, hedging |net delta| above a threshold on another (taker IOC or post-only at the touch)',
  params: hedgedSkewParams,
  create: hedgedSkew,
});
