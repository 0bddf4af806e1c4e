import { describe, expect, it } from 'vitest';
import { MarketUnits } from '../../src/core/market.ts';
import { openEventArray } from '../../src/data/array-source.ts';
import type { MarketEvent } from '../../src/core/events.ts';
import { runBacktest } from '../../src/sim/backtest.ts';
import type { FillEvent, Strategy } from '../../src/strategy/api.ts';
import { feeSchedule } from '../../src/venue/fees.ts';

import { Rng } from '../../src/core/rng.ts';
import { createLatencyModel, createQueueModel } from '../../src/venue/models.ts';

const units = new MarketUnits({ symbol: 'T', tickSize: 0.01, lotSize: 1, makerFeeBps: 0, takerFeeBps: 0 });
const ENTRY = 5_000; // µs
const RESPONSE = 7_000;

const book: MarketEvent = {
  kind: 'snapshot',
  exchTs: 0,
  localTs: 0,
  bidPrices: [9999],
  bidSizes: [10],
  askPrices: [10001],
  askSizes: [10],
};

function run(
  events: MarketEvent[],
  strategy: Strategy,
  endTs = 1_000_000,
  latency = createLatencyModel({ model: 'constant', entryMs: ENTRY / 1000, responseMs: RESPONSE / 1000 }, new Rng('x')),
) {
  return runBacktest({
    units,
    fees: feeSchedule(0, 0),
    openEvents: openEventArray(events),
    startTs: 0,
    endTs,
    queue: createQueueModel({ model: 'risk-averse' }),
    latency,
    strategy,
  });
}

describe('latency', () => {
  it('an order sent at t reaches the venue at t + entry latency: a trade before then cannot fill it', async () => {
    // Sell trades at 100.00 (tick 10000) hit our bid at 10000 only once it rests (no queue: empty level).
    const trades: MarketEvent[] = [ENTRY - 1, ENTRY, ENTRY + 1].map((t) => ({
      kind: 'trade',
      exchTs: t,
      localTs: t,
      price: 10000,
      size: 1,
      takerSide: 'sell',
    }));
    const result = await run([book, ...trades], async ({ venue, market }) => {
      await venue.placeOrder({ market, side: 'buy', price: 100, size: 3, postOnly: true });
    });
    // Arrival at exactly ENTRY: market data at the same µs is applied first (tie rule), so only the trade at ENTRY + 1 fills.
    expect(result.fills.map((f) => f.exchTs)).toEqual([ENTRY + 1]);
  });

  it('the strategy sees a fill only after the response latency', async () => {
    const fillAt = 50_000;
    const seen: { fill: FillEvent; at: number }[] = [];
    const result = await run(
      [book, { kind: 'trade', exchTs: fillAt, localTs: fillAt, price: 10000, size: 1, takerSide: 'sell' }],
      async ({ venue, clock, market }) => {
        venue.onFill((fill) => seen.push({ fill, at: clock.now() }));
        await venue.placeOrder({ market, side: 'buy', price: 100, size: 1, postOnly: true });
        while (await clock.sleep(1)) {
          /* keep the run alive */
        }
      },
      100_000,
    );
    expect(result.fills).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect(seen[0].at).toBe((fillAt + RESPONSE) / 1000);
    expect(seen[0].fill.timestamp).toBe(fillAt / 1000);
  });

  it('every awaited call costs a round trip of virtual time', async () => {
    const times: number[] = [];
    await run([book], async ({ venue, clock, market }) => {
      times.push(clock.now());
      await venue.getSnapshot(market);
      times.push(clock.now());
      await venue.cancelAllOrders(market);
      times.push(clock.now());
    });
    const roundTripMs = (ENTRY + RESPONSE) / 1000;
    expect(times).toEqual([0, roundTripMs, 2 * roundTripMs]);
  });

  it('random latency keeps each channel FIFO', async () => {
    const latency = createLatencyModel({ model: 'lognormal', entryMedianMs: 5, responseMedianMs: 5, sigma: 1.5 }, new Rng('fifo'));
    const order: number[] = [];
    await run(
      [book],
      async ({ venue, market }) => {
        await Promise.all(Array.from({ length: 50 }, (_, i) => venue.getPosition(market).then(() => order.push(i))));
      },
      10_000_000,
      latency,
    );
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('event loop', () => {
  it('sleep resolves false when the run ends, so the seed loop returns', async () => {
    let cycles = 0;
    let returned = false;
    const lastTrade: MarketEvent = { kind: 'trade', exchTs: 2_000_000, localTs: 2_000_000, price: 10000, size: 1, takerSide: 'buy' };
    const result = await run(
      [book, lastTrade],
      async ({ clock }) => {
        while (await clock.sleep(100)) cycles++;
        returned = true;
      },
      1_000_000,
    );
    expect(cycles).toBe(10); // wake-ups at 100 ms … 1000 ms; the one at 1000 ms is at the end time, still inside
    expect(returned).toBe(true);
    expect(result.endTs).toBe(1_000_000);
  });

  it('ends when replayed data runs out', async () => {
    const last: MarketEvent = { kind: 'trade', exchTs: 400_000, localTs: 400_000, price: 10000, size: 1, takerSide: 'buy' };
    const result = await run(
      [book, last],
      async ({ clock }) => {
        while (await clock.sleep(50)) {
          /* idle */
        }
      },
      10_000_000,
    );
    expect(result.endTs).toBe(400_000);
    expect(result.marketEvents).toBe(2);
  });

  it('onBook hooks see the market at localTs, not exchTs', async () => {
    const seen: [number, number][] = [];
    await run(
      [book, { kind: 'delta', exchTs: 10_000, localTs: 30_000, side: 'bid', price: 10000, size: 5, last: true }],
      async ({ venue, clock }) => {
        venue.onBook((b) => seen.push([b.timestamp, b.bestBid]));
        while (await clock.sleep(10)) {
          /* idle */
        }
      },
      100_000,
    );
    expect(seen).toEqual([[30, 100]]);
  });

  it('a wake-up and market data reaching the strategy at the same µs: the data first (tie rule), so the strategy wakes having seen it', async () => {
    const seenAtWake: number[][] = [];
    const trades: number[] = [];
    await run(
      [
        book,
        ...[10_000, 20_000, 25_000].map((t): MarketEvent => ({
          kind: 'trade',
          exchTs: t - 3_000,
          localTs: t,
          price: 10000,
          size: 1,
          takerSide: 'buy',
        })),
      ],
      async ({ venue, clock }) => {
        venue.onTrade((t) => trades.push(t.timestamp));
        while (await clock.sleep(10)) seenAtWake.push([clock.now(), trades.length]);
      },
      30_000,
    );
    // wakes at 10 ms and 20 ms, exactly when a trade reaches the strategy: each already counted; at 30 ms all three
    expect(seenAtWake).toEqual([
      [10, 1],
      [20, 2],
      [30, 3],
    ]);
  });

  it('a strategy error fails the run with that error', async () => {
    await expect(
      run([book], async () => {
        throw new Error('strategy bug');
      }),
    ).rejects.toThrow('strategy bug');
  });
});
