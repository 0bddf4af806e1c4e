import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/core/events.ts';
import { openEventArray } from '../../src/data/array-source.ts';
import { teeEvents } from '../../src/data/tee.ts';

const events: MarketEvent[] = [
  { kind: 'snapshot', exchTs: 0, localTs: 5, bidPrices: [99], bidSizes: [1], askPrices: [101], askSizes: [2] },
  ...Array.from({ length: 100 }, (_, i): MarketEvent =>
    i % 3 === 0
      ? { kind: 'trade', exchTs: i, localTs: i + 5, price: 100 + (i % 7), size: 1 + (i % 4), takerSide: i % 2 ? 'buy' : 'sell' }
      : i % 3 === 1
        ? { kind: 'delta', exchTs: i, localTs: i + 5, side: i % 2 ? 'bid' : 'ask', price: 90 + (i % 20), size: i % 5, last: i % 4 === 1 }
        : { kind: 'quote', exchTs: i, localTs: i + 5, bidPrice: 99, bidSize: i, askPrice: 101, askSize: i + 1 },
  ),
];

describe('teeEvents: one source read once for two timelines', () => {
  it('each branch yields every event in order, however the reads interleave, and its last event stays valid', () => {
    let reads = 0;
    const source = openEventArray(events)();
    const counted = { next: () => (reads++, source.next()) };
    const [ahead, behind] = teeEvents(counted);
    const a: MarketEvent[] = [];
    const b: MarketEvent[] = [];
    // the leading branch reads up to 10 events ahead, as the venue runs ahead of a feed with latency
    let held: MarketEvent | null = null;
    for (let step = 0; step < 500; step++) {
      if (a.length < events.length && a.length < b.length + 10) {
        const e = ahead.next();
        if (e) a.push(structuredClone(e));
      } else if (b.length < events.length) {
        // the event this branch yielded last is intact, though the other branch has read on since
        if (held) expect(held).toEqual(events[b.length - 1]);
        const e = behind.next();
        held = e;
        if (e) b.push(structuredClone(e));
      }
    }
    expect(a).toEqual(events);
    expect(b).toEqual(events);
    expect(ahead.next()).toBeNull();
    expect(behind.next()).toBeNull();
    expect(reads).toBe(events.length + 2); // each event read once; each branch saw the end once
  });
});
