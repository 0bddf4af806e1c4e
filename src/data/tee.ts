import { objectArray } from '../core/arrays.ts';
import type { MarketEvent, MarketEventSource } from '../core/events.ts';
import { EventCopy } from './event-copy.ts';

/**
 * One source read once for two consumers that want its events in the same order (a synthetic market's
 * venue timeline and strategy feed: the generator emits in exchange-time order with a constant feed
 * latency, so both timelines are its order), instead of generating the market twice.
 *
 * Rules:
 * - Each branch yields every event of the source, in the source's order, as a copy it owns (event-copy.ts),
 *   valid until that branch's next call; a branch may keep its last event while the other reads on.
 * - A branch that finds its queue empty reads the source and queues a copy for the other branch, so the
 *   queue of the branch behind holds what the one ahead has read beyond it (for the backtest: the events
 *   of the last feed latency). Records are pooled: nothing is allocated per event once the queues have grown
 *   to their largest size (snapshots excepted).
 * Known limits: a branch never read holds every event the other one reads.
 */
export function teeEvents(source: MarketEventSource): [MarketEventSource, MarketEventSource] {
  const pool = objectArray<EventCopy>();
  const a = new Branch(source, pool);
  const b = new Branch(source, pool);
  a.other = b;
  b.other = a;
  return [a, b];
}

/** What fills a ring's unused slots (never read: a slot is written before it is read). */
const UNUSED_SLOT = new EventCopy();

class Branch implements MarketEventSource {
  other!: Branch;
  /** Queued copies: a ring over `slots`, from `head`, `count` of them. */
  private slots = objectArray<EventCopy>();
  private head = 0;
  private count = 0;
  /** The copy last yielded: back to the pool on the next call. */
  private yielded: EventCopy | null = null;

  constructor(
    private readonly source: MarketEventSource,
    private readonly pool: EventCopy[],
  ) {}

  next(): MarketEvent | null {
    if (this.yielded) {
      this.pool.push(this.yielded);
      this.yielded = null;
    }
    if (this.count === 0) {
      const event = this.source.next();
      if (!event) return null;
      this.other.enqueue(event);
      this.yielded = this.take();
      return this.yielded.copy(event);
    }
    const record = this.slots[this.head];
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
    this.yielded = record;
    return record.event;
  }

  /** Queues a copy of `event` (read by the other branch) for this branch. */
  private enqueue(event: MarketEvent): void {
    if (this.count === this.slots.length) this.grow();
    const record = this.take();
    record.copy(event);
    this.slots[(this.head + this.count) % this.slots.length] = record;
    this.count++;
  }

  private take(): EventCopy {
    return this.pool.pop() ?? new EventCopy();
  }

  /** Doubles the ring, unrolled so that the queue starts at 0. */
  private grow(): void {
    const bigger = objectArray<EventCopy>();
    for (let i = 0; i < this.count; i++) bigger.push(this.slots[(this.head + i) % this.slots.length]);
    const size = Math.max(16, this.slots.length * 2);
    while (bigger.length < size) bigger.push(UNUSED_SLOT);
    this.slots = bigger;
    this.head = 0;
  }
}
