import { objectArray } from '../core/arrays.ts';
import { Ring } from '../core/ring.ts';
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

class Branch implements MarketEventSource {
  other!: Branch;
  /** Copies of events the other branch has read and this one has not yet yielded. */
  private readonly queued = new Ring<EventCopy>();
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
    if (this.queued.length === 0) {
      const event = this.source.next();
      if (!event) return null;
      this.other.enqueue(event);
      this.yielded = this.take();
      return this.yielded.copy(event);
    }
    this.yielded = this.queued.shift();
    return this.yielded.event;
  }

  /** Queues a copy of `event` (read by the other branch) for this branch. */
  private enqueue(event: MarketEvent): void {
    const record = this.take();
    record.copy(event);
    this.queued.push(record);
  }

  private take(): EventCopy {
    return this.pool.pop() ?? new EventCopy();
  }
}
