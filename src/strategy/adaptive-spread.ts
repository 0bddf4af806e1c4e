import { z } from 'zod';
import { DEFAULT_MIN_FILLS, evidenceOf, weightedStat } from '../core/evidence.ts';
import { SpreadlabError } from '../core/errors.ts';
import type { FillEvent, Strategy } from './api.ts';
import { defineStrategy } from './define.ts';
import { inventorySkewParams, inventorySkewQuotes, requote } from './seed.ts';

/**
 * adaptive-spread: the guide's rule applied as it trades ("widen by 5 bps while realized spread is negative,
 * narrow once it is consistently positive"). The inventory-skew loop (seed.ts) whose spread is set from its
 * own fills.
 *
 * Rules:
 * - A fill is scored `horizonMs` after it happened (the fill's venue time): its realized spread net of fees,
 *   in bps of the fill price, side × (mid − price) / price × 10 000 − fee / (price × size) × 10 000, with
 *   the mid the strategy's own feed showed at that time (the last top of book at or before it; onBook).
 * - The evidence is the size-weighted mean of the last `windowFills` scored fills of orders placed at the
 *   current spread, with its 95 % interval, read by the evidence rule (core/evidence.ts) with `minFills`:
 *   consistently negative (upper bound below 0) → widen by `widenBps`; consistently positive (lower bound
 *   above 0) → narrow by `narrowBps`; anything else (the interval spans 0, too few fills) → keep the spread.
 *   The spread stays within [minSpreadBps, maxSpreadBps]. Widening asks for the same evidence as narrowing,
 *   so noise does not ratchet the spread up (a widening on a merely negative mean would never be undone).
 * - After a change the evidence restarts (fills of orders placed at the previous spread no longer count) and
 *   the spread is not changed again for `cooldownMs`.
 * - Every cycle (each `requoteMs`): score the fills that are due, decide, then quote as inventory-skew does at
 *   the current spread. It records `spreadBps` (the spread it quotes) and `netRealizedBps` (the evidence's
 *   mean, once it holds minFills fills) through context.record, so the run report charts them.
 * Known limits: the evidence is judged on at most `windowFills` fills, and overlapping horizons make
 * consecutive fills' markouts correlated, so the interval is optimistic; fills of orders whose
 * acknowledgement has not arrived yet are not attributed to a spread and are left out.
 */
const positive = z.number().positive();

const adaptiveSpreadParams = inventorySkewParams.extend({
  /** The horizon fills are judged at, ms (the summary's main horizon is 30 s). */
  horizonMs: positive.default(30_000),
  /** Judge on at most the last N scored fills placed at the current spread. */
  windowFills: z.number().int().positive().default(100),
  /** The fewest scored fills to change the spread on. */
  minFills: z.number().int().positive().default(DEFAULT_MIN_FILLS),
  widenBps: positive.default(5),
  narrowBps: positive.default(1),
  minSpreadBps: positive.default(1),
  maxSpreadBps: positive.default(100),
  /** No change within this long of the previous one, ms. */
  cooldownMs: z.number().nonnegative().default(60_000),
});

export type AdaptiveSpreadParams = z.output<typeof adaptiveSpreadParams>;

interface PendingFill {
  due: number;
  fill: FillEvent;
}

export function adaptiveSpread(params: AdaptiveSpreadParams): Strategy {
  if (!(params.minSpreadBps <= params.spreadBps && params.spreadBps <= params.maxSpreadBps))
    throw new SpreadlabError(
      `adaptive-spread: spreadBps ${params.spreadBps} must lie within minSpreadBps ${params.minSpreadBps} and maxSpreadBps ${params.maxSpreadBps}`,
    );
  if (params.windowFills < params.minFills)
    throw new SpreadlabError(
      `adaptive-spread: windowFills ${params.windowFills} is below minFills ${params.minFills}, so it could never decide`,
    );
  return async (context) => {
    const { venue, clock, market, tickSize } = context;
    let spread = params.spreadBps;
    let lastChange = -Infinity;
    /** Orders placed at the current spread (ids from their acknowledgements). */
    let current = new Set<string>();
    const pending: PendingFill[] = [];
    const scores: { bps: number; size: number }[] = [];
    let mid = NaN;

    /** Scores the pending fills due before `time`, with the mid in force until then. */
    const score = (time: number): void => {
      while (pending.length > 0 && pending[0].due < time) {
        const { fill } = pending.shift()!;
        if (!current.has(fill.orderId) || !Number.isFinite(mid)) continue;
        const sign = fill.side === 'buy' ? 1 : -1;
        const bps = (sign * (mid - fill.price) * 10_000) / fill.price - (fill.fee * 10_000) / (fill.price * fill.size);
        scores.push({ bps, size: fill.size });
        if (scores.length > params.windowFills) scores.shift();
      }
    };
    venue.onBook((book) => {
      score(book.timestamp);
      mid = book.mid;
    });
    venue.onFill((fill) => {
      pending.push({ due: fill.timestamp + params.horizonMs, fill });
      pending.sort((a, b) => a.due - b.due);
    });

    while (await clock.sleep(params.requoteMs)) {
      const now = clock.now();
      score(now + 1);
      const stat = weightedStat(
        scores.map((s) => s.bps),
        scores.map((s) => s.size),
      );
      const evidence = evidenceOf(stat, params.minFills);
      if (stat.mean !== null && stat.count >= params.minFills) context.record('netRealizedBps', stat.mean);
      if (now - lastChange >= params.cooldownMs && (evidence === 'negative' || evidence === 'positive')) {
        const next =
          evidence === 'negative'
            ? Math.min(params.maxSpreadBps, spread + params.widenBps)
            : Math.max(params.minSpreadBps, spread - params.narrowBps);
        if (next !== spread) {
          spread = Number(next.toPrecision(12));
          lastChange = now;
          current = new Set();
          scores.length = 0;
        }
      }
      context.record('spreadBps', spread);
      const snap = await venue.getSnapshot(market);
      if (Number.isNaN(snap.mid)) continue;
      const net = await venue.getPosition(market);
      const quotes = inventorySkewQuotes(snap.bestBid, snap.bestAsk, net, { ...params, spreadBps: spread }, tickSize);
      for (const ack of await requote(context, quotes, net, params.size, params.maxInventory)) current.add(ack.id);
    }
  };
}

export const adaptiveSpreadStrategy = defineStrategy({
  name: 'adaptive-spread',
  description:
    'the inventory-skew loop whose spread follows its own fills: widen by widenBps while realized spread net of fees is consistently negative, narrow by narrowBps once it is consistently positive',
  params: adaptiveSpreadParams,
  create: adaptiveSpread,
});
