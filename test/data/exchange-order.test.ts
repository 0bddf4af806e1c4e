import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/core/events.ts';
import { openEventArray, openEventArrayByExchTime } from '../../src/data/array-source.ts';
import { openColumns } from '../../src/data/columns.ts';
import { byExchangeTime, maxFeedLag, openColumnsByExchTime } from '../../src/data/exchange-order.ts';
import type { ReplayInput } from '../../src/data/format.ts';
import { loadReplay, prepareStream } from '../../src/data/replay.ts';
import { openCacheRows } from '../../src/data/stream.ts';
import { allEventFields as all, BTC_TARDIS, eventFields as fields, tempDir, units } from './helpers.ts';

const delta = (exchTs: number, localTs: number, price: number, last = true): MarketEvent => ({ kind: 'delta', exchTs, localTs, side: 'bid', price, size: 1, last });
const trade = (exchTs: number, localTs: number, price: number): MarketEvent => ({ kind: 'trade', exchTs, localTs, price, size: 1, takerSide: 'sell' });
const quote = (exchTs: number, localTs: number, price: number): MarketEvent => ({ kind: 'quote', exchTs, localTs, bidPrice: price, bidSize: 1, askPrice: price + 1, askSize: 1 });

/** The events' prices in venue order (each test gives every event its own price). */
function venuePrices(events: MarketEvent[]): number[] {
  return all(openEventArrayByExchTime(events)).map((f) => {
    const e = JSON.parse(f) as MarketEvent;
    return e.kind === 'quote' ? e.bidPrice : e.kind === 'snapshot' ? NaN : e.price;
  });
}

describe('the venue timeline (exchange-order.ts)', () => {
  it('puts a trade that happened before a depth update, but reached the feed after it, first', () => {
    expect(venuePrices([delta(100, 105, 1), trade(90, 110, 2), delta(120, 121, 3)])).toEqual([2, 1, 3]);
  });

  it('at one exchange time: trades, then book rows, then quotes; equal ranks in feed order, messages whole', () => {
    const events = [
      delta(50, 50, 1, false),
      delta(50, 50, 2, false),
      delta(50, 50, 3, true),
      quote(0, 50, 4), // no exchange time of its own: it stands at its local time
      trade(50, 60, 5),
      delta(50, 61, 6, true),
    ];
    expect(venuePrices(events)).toEqual([5, 1, 2, 3, 6, 4]);
  });

  it('places quotes at their local time, and keeps each class in its own sequence when its exchTs goes back', () => {
    // the second book row is stamped before the first: it keeps its place after it (a depth stream's order),
    // and the trade at 97 and the quote received at 98 come before both
    expect(venuePrices([delta(100, 100, 1), delta(95, 101, 2), trade(97, 102, 3), quote(10, 98, 4)])).toEqual([3, 4, 1, 2]);
  });

  it('yields every event once, the same on every open, and computes its bound from the data', () => {
    const events = [delta(0, 0, 1), trade(5, 40, 2), delta(10, 12, 3), quote(20, 20, 4), trade(30, 31, 5), delta(35, 36, 6)];
    expect(maxFeedLag(events)).toBe(35);
    const open = openEventArrayByExchTime(events);
    expect(all(open)).toEqual(all(open));
    expect([...all(open)].sort()).toEqual(all(openEventArray(events)).sort());
    expect(venuePrices(events)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('the venue timeline of the BTCUSDT spot replay', () => {
  const files: ReplayInput[] = ['incremental_book_L2', 'trades', 'quotes'].map((t) => ({ path: `${BTC_TARDIS}${t}.csv.gz`, display: t }));
  const options = { units: units(0.01, 0.000001), format: 'tardis' as const, onError: 'stop' as const, onGap: 'stop' as const, timezone: 'UTC', alignLocalTime: true };

  it('equals the feed sorted by (exchange-time key, class rank, feed position), from the kept row order, the buffer and a stream', async () => {
    const replay = await loadReplay(files, { ...options, cache: null });
    const feed = openColumns(replay.columns);
    const feedEvents: MarketEvent[] = [];
    const all0 = feed();
    for (let e = all0.next(); e; e = all0.next()) feedEvents.push(structuredClone(e));
    const lag = maxFeedLag(feedEvents);
    expect(lag).toBeGreaterThan(200_000); // trades reach the capture up to ~218 ms after they happened
    // The reference: every event of the feed with its key, sorted (an independent reading of the rule).
    const keyed: { key: number; rank: number; at: number; fields: string }[] = [];
    const lastKey = [-Infinity, -Infinity, -Infinity];
    const source = feed();
    for (let e = source.next(); e; e = source.next()) {
      const rank = e.kind === 'trade' ? 0 : e.kind === 'quote' ? 2 : 1;
      lastKey[rank] = Math.max(lastKey[rank], e.kind === 'quote' ? e.localTs : e.exchTs);
      keyed.push({ key: lastKey[rank], rank, at: keyed.length, fields: fields(e) });
    }
    keyed.sort((a, b) => a.key - b.key || a.rank - b.rank || a.at - b.at);
    const venue = all(openColumnsByExchTime(replay.columns, replay.venueOrder));
    expect(venue.length).toBe(keyed.length);
    expect(venue.findIndex((f, i) => f !== keyed[i].fields)).toBe(-1);
    const buffered = all(byExchangeTime(feed, lag));
    expect(buffered.length).toBe(keyed.length);
    expect(buffered.findIndex((f, i) => f !== keyed[i].fields)).toBe(-1);
    // the order really changes: some events move
    expect(keyed.filter((k, i) => k.at !== i).length).toBeGreaterThan(1000);

    const streamed = await prepareStream(files, { ...options, cache: { dir: tempDir() } });
    if (!streamed) throw new Error('the cache folder could not be used');
    expect(streamed.maxFeedLagUs).toBe(lag);
    // the streamed replay entry's venue file, written through the reorder buffer (stream-entry.ts)
    const streamVenue = all(openCacheRows(streamed.venue, 997));
    expect(streamVenue.findIndex((f, i) => f !== venue[i])).toBe(-1);
    expect(streamVenue.length).toBe(venue.length);
  });
});
