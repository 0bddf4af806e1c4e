import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/core/events.ts';
import { openEventArray } from '../../src/data/array-source.ts';
import { Kind, openColumns, RowEvents, type RowSource } from '../../src/data/columns.ts';
import { openColumnsByExchTime, venueRowOrder } from '../../src/data/exchange-order.ts';
import type { ReplayInput } from '../../src/data/format.ts';
import { loadReplay, prepareStream } from '../../src/data/replay.ts';
import { rowSourceOf } from '../../src/data/row-source.ts';
import { openCacheRows } from '../../src/data/stream.ts';
import { toColumns } from '../../src/data/synthetic/write-tardis.ts';
import { allEventFields as byNext, BTC_TARDIS, eventFields as fields, tempDir, units } from './helpers.ts';

/** One event of every kind (a snapshot and an order event included), in localTs order. */
const EVENTS: MarketEvent[] = [
  { kind: 'snapshot', exchTs: 1, localTs: 5, bidPrices: [100, 99], bidSizes: [2, 3], askPrices: [101], askSizes: [4] },
  { kind: 'delta', exchTs: 8, localTs: 10, side: 'ask', price: 102, size: 7, last: false },
  { kind: 'delta', exchTs: 8, localTs: 10, side: 'bid', price: 98, size: 0, last: true },
  { kind: 'trade', exchTs: 6, localTs: 12, price: 101, size: 1, takerSide: 'buy' },
  { kind: 'quote', exchTs: 13, localTs: 13, bidPrice: 100, bidSize: 2, askPrice: 101, askSize: 3 },
  { kind: 'order', exchTs: 14, localTs: 15, action: 'cancel', orderId: 42, side: 'ask', price: 101, size: 1 },
];

/** The events read as rows: single rows formed from the columns and passed over with skipRow, snapshots by next(). */
function byRows(source: RowSource): string[] {
  const events = new RowEvents();
  const out: string[] = [];
  for (let i = source.peekRow(); i >= 0; i = source.peekRow()) {
    if (source.rows.kind[i] === Kind.SNAPSHOT) {
      out.push(fields(source.next()!));
      continue;
    }
    out.push(fields(events.read(source.rows, i, source.localShift)));
    source.skipRow();
  }
  return out;
}

describe('row sources (columns.ts RowSource, row-source.ts)', () => {
  it('an event source read as rows through the adapter gives its events, every kind', () => {
    const rows = byRows(rowSourceOf(openEventArray(EVENTS)()));
    expect(rows).toEqual(EVENTS.map(fields));
  });

  it('decoded columns, in feed order and in venue order, give as rows what next() gives', () => {
    const columns = toColumns(openEventArray(EVENTS)());
    const order = venueRowOrder(columns);
    expect(byRows(rowSourceOf(openColumns(columns)()))).toEqual(byNext(openColumns(columns)));
    const venue = byRows(rowSourceOf(openColumnsByExchTime(columns, order)()));
    expect(venue).toEqual(byNext(openColumnsByExchTime(columns, order)));
    expect(venue[1]).toContain('"trade"'); // the trade (exchTs 6) comes before the deltas (exchTs 8) at the venue
  });

  it('mixes next() and skipRow() freely: peekRow always names the next event', () => {
    const source = rowSourceOf(openEventArray(EVENTS)());
    expect(fields(source.next()!)).toBe(fields(EVENTS[0]));
    expect(source.rows.price[source.peekRow()]).toBe(102);
    source.skipRow();
    expect(fields(source.next()!)).toBe(fields(EVENTS[2]));
    for (let n = 3; n < EVENTS.length; n++) source.skipRow();
    expect(source.peekRow()).toBe(-1);
    expect(source.next()).toBeNull();
  });

  it("a streamed replay entry's feed and venue files read as rows give the feed and venue events of the in-memory replay", async () => {
    const files: ReplayInput[] = ['incremental_book_L2', 'trades', 'quotes'].map((t) => ({ path: `${BTC_TARDIS}${t}.csv.gz`, display: t }));
    const options = { units: units(0.01, 0.000001), format: 'tardis' as const, onError: 'stop' as const, onGap: 'stop' as const, timezone: 'UTC', alignLocalTime: true };
    const replay = await loadReplay(files, { ...options, cache: null });
    const streamed = await prepareStream(files, { ...options, cache: { dir: tempDir() } });
    if (!streamed) throw new Error('the cache folder could not be used');
    expect(streamed.localShiftUs).toBeGreaterThan(0); // the entry's rows are stored clock-aligned
    const feed = byRows(rowSourceOf(openCacheRows(streamed.feed, 997)()));
    const memoryFeed = byNext(openColumns(replay.columns));
    expect(feed.length).toBe(memoryFeed.length);
    expect(feed.findIndex((f, i) => f !== memoryFeed[i])).toBe(-1);
    const venue = byRows(rowSourceOf(openCacheRows(streamed.venue, 997)()));
    const memoryVenue = byNext(openColumnsByExchTime(replay.columns, replay.venueOrder));
    expect(venue.length).toBe(memoryVenue.length);
    expect(venue.findIndex((f, i) => f !== memoryVenue[i])).toBe(-1);
  });
});
