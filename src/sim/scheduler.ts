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
 * An item of rank 3 or 4 gives the strategy a turn after it runs (backtest.ts), unless its `run` returns
 * false: it resolved no promise and ran no hook, so no strategy code waits to run (a fill notice when the
 * strategy has no onFill hook).
 */
export const Rank = { venueMarket: 0, orderArrival: 1, localMarket: 2, strategyNotice: 3, strategyWake: 4 } as const;
export type Rank = (typeof Rank)[keyof typeof Rank];

interface Item {
  time: Micros;
  rank: Rank;
  seq: number;
  /** False when the item woke no strategy code (see the header). */
  run: () => boolean | void;
}

export class Scheduler {
  private readonly heap: Item[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  schedule(time: Micros, rank: Rank, run: () => boolean | void): void {
    this.heap.push({ time, rank, seq: this.seq++, run });
    this.siftUp(this.heap.length - 1);
  }

  /** Time and rank of the next item, or null when empty. */
  peek(): Item | null {
    return this.heap.length > 0 ? this.heap[0] : null;
  }

  pop(): Item {
    const top = this.heap[0];
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index], heap[parent])) break;
      [heap[index], heap[parent]] = [heap[parent], heap[index]];
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && before(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && before(heap[right], heap[smallest])) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest], heap[index]];
      index = smallest;
    }
  }
}

/** Whether an item at (time, rank, seq) runs before another. */
export function before(a: { time: number; rank: number; seq: number }, b: { time: number; rank: number; seq: number }): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.rank !== b.rank) return a.rank < b.rank;
  return a.seq < b.seq;
}
