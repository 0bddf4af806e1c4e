import { z } from 'zod';
import type { L2Book } from '../book/l2-book.ts';
import { boundedNumber } from '../core/bounds.ts';
import type { OrderEvent } from '../core/events.ts';
import type { Lots, Side, Ticks } from '../core/units.ts';
import { defineVenueModel } from './model.ts';

/**
 * Queue position models: how much displayed size stands ahead of one of our resting orders at its price.
 *
 * Rules common to every model:
 * - On arrival at the venue, the queue ahead is the displayed size at the order's price at that exchange
 *   time (our own earlier orders at the price are not in the displayed size; the matcher puts them ahead).
 * - A market trade at the order's price consumes the queue ahead first (`onTrade`); only what is left of
 *   the trade can fill us (the matcher does that part).
 * - The queue ahead never exceeds the displayed size at the level: if the level shrinks below it, it is
 *   clamped to the level's new size (the order cannot have more ahead of it than the level holds).
 *
 * `risk-averse`: you advance only when trades consume the level. A size decrease at your level that no
 * trade explains (a cancel) never moves you forward, apart from the clamp above. This is a pessimistic
 * bound: you are always assumed to be behind every cancel.
 *
 * `probabilistic` (hftbacktest's ProbQueueModel with its power function): a size decrease at your level
 * that no trade explains is split between the queue ahead of you (front) and behind you (back): the share
 * taken from the front is 1 − p with p = f(back) / (f(back) + f(front)), f(x) = x^n. n = 1 splits
 * proportionally; larger n assumes cancels come mostly from the larger side of the queue. Trade volume
 * already taken from the front since the last depth update is not counted twice.
 *
 * Known limits: L2 data shows only the net change of a level, so an add and a cancel inside one update are
 * invisible; neither model knows the queue's real order.
 *
 * `l3` (l3-queue.ts) knows it: it follows every order of the market from order-by-order data, through the
 * optional hooks below, which the L2 models do not have (and the venue then does not call).
 */
export interface QueueState {
  /** Displayed size ahead of the order, in lots. */
  queueAhead: Lots;
  /** Trade volume at the level taken from the queue ahead since the last depth update. */
  tradedSinceDepth: Lots;
}

/** One of our orders as a queue model sees it. */
export interface QueuedOrder extends QueueState {
  side: Side;
  price: Ticks;
}

export interface QueueModel {
  /** A trade of `size` at the order's price. */
  onTrade(state: QueueState, size: Lots): void;
  /** The displayed size at the order's price changed from `previous` to `next`. */
  onDepthChange(state: QueueState, previous: Lots, next: Lots): void;
  /** Order-by-order models: one of our orders joined the back of the queue at its price (`queueAhead` holds the size displayed there). */
  onJoin?(order: QueuedOrder, book: L2Book): void;
  /** Order-by-order models: an order event of the market (every one; `ours` are our resting orders). */
  onOrderEvent?(event: OrderEvent, ours: readonly QueuedOrder[]): void;
  /** Order-by-order models: a complete book message was applied to `book`. */
  onBookMessage?(book: L2Book, ours: readonly QueuedOrder[]): void;
}

export function consumeByTrade(state: QueueState, size: Lots): void {
  const taken = Math.min(state.queueAhead, size);
  state.queueAhead -= taken;
  state.tradedSinceDepth += taken;
}

const riskAverse: QueueModel = {
  onTrade: consumeByTrade,
  onDepthChange(state, _previous, next) {
    state.tradedSinceDepth = 0;
    state.queueAhead = Math.min(state.queueAhead, next);
  },
};

function probabilistic(power: number): QueueModel {
  const f = (x: number): number => Math.pow(Math.max(x, 0), power);
  return {
    onTrade: consumeByTrade,
    onDepthChange(state, previous, next) {
      const unexplained = previous - next - state.tradedSinceDepth;
      state.tradedSinceDepth = 0;
      if (unexplained <= 0) {
        state.queueAhead = Math.min(state.queueAhead, next);
        return;
      }
      const front = state.queueAhead;
      const back = Math.max(previous - front, 0);
      const weight = f(back) + f(front);
      const backShare = weight > 0 ? f(back) / weight : 1;
      const estimate = front - (1 - backShare) * unexplained + Math.min(back - backShare * unexplained, 0);
      state.queueAhead = Math.max(0, Math.min(estimate, next));
    },
  };
}

export const riskAverseQueue = defineVenueModel({
  name: 'risk-averse',
  description: 'advance only when trades consume the level (behind every cancel): pessimistic',
  params: z.object({}),
  create: () => riskAverse,
});

export const probabilisticQueue = defineVenueModel({
  name: 'probabilistic',
  description: "hftbacktest's ProbQueueModel: unexplained size decreases split between front and back by a power law",
  params: z.object({ power: boundedNumber({ above: 0, max: 100 }).default(2) }),
  create: ({ power }) => probabilistic(power),
});
