import { MinHeap } from '../core/heap.ts';
import type { Micros } from '../core/units.ts';

/**
 * The time-ordered queue of everything that is not market data: order requests reaching the venue,
 * replies and fill notices reaching the strategy, strategy wake-ups.
 *
 * Tie rule at equal time, by rank (lower first), then by the order items were scheduled in:
 *   0 market event at the venue (exchTs) · 1 order request reaching the venue ·
 *   2 market event reaching the strategy (localTs) · 3 reply or fill notice reaching the strategy ·
 *   4 strategy wake-up (a sleep ending, the strategy's start).
 * So the venue's state at time t includes the market data of time t before our orders arrive (the
 * conservative choice: an order never beats a book change stamped with the same µs), and the strategy
 * has seen everything of time t before it wakes.
 */
export const Rank = { venueMarket: 0, orderArrival: 1, localMarket: 2, strategyNotice: 3, strategyWake: 4 } as const;
export type Rank = (typeof Rank)[keyof typeof Rank];

interface Item {
  time: Micros;
  rank: Rank;
  seq: number;
  run: () => void;
}

export class Scheduler {
  private readonly heap = new MinHeap<Item>(before);
  private seq = 0;

  get size(): number {
    return this.heap.size;
  }

  schedule(time: Micros, rank: Rank, run: () => void): void {
    this.heap.push({ time, rank, seq: this.seq++, run });
  }

  /** Time and rank of the next item, or null when empty. */
  peek(): Item | null {
    return this.heap.peek();
  }

  pop(): Item {
    return this.heap.pop();
  }
}

/** Whether an item at (time, rank, seq) runs before another. */
export function before(a: { time: number; rank: number; seq: number }, b: { time: number; rank: number; seq: number }): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.rank !== b.rank) return a.rank < b.rank;
  return a.seq < b.seq;
}
