import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as realTimers from 'node:timers';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { MarketUnits } from '../../src/core/market.ts';
import { openEventArray, openEventArrayByExchTime } from '../../src/data/array-source.ts';
import type { MarketEvent, OpenMarketEvents } from '../../src/core/events.ts';
import { rowSourceOf } from '../../src/data/row-source.ts';
import { runBacktest } from './run-backtest.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import type { FillEvent, Strategy } from '../../src/strategy/api.ts';
import { feeSchedule } from '../../src/venue/fees.ts';

import { Rng } from '../../src/core/rng.ts';
import { createLatencyModel, createQueueModel } from '../../src/venue/models.ts';

const ROOT = join(import.meta.dirname, '../..');
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
    openVenueEvents: openEventArrayByExchTime(events),
    startTs: 0,
    endTs,
    queue: createQueueModel({ model: 'risk-averse' }),
    latency,
    strategy,
  });
}

/** Sell-aggressor prints of one lot at 100.00 (tick 10000), one at each time (µs). */
function sellTrades(times: number[]): MarketEvent[] {
  return times.map((t) => ({ kind: 'trade', exchTs: t, localTs: t, price: 10000, size: 1, takerSide: 'sell' }));
}

type TurnMode = 'manual tick' | 'macrotask turns';
type TickingProcess = { _tickCallback?: () => void };

/**
 * Runs `body` counting the strategy's turns: with Node's manual tick (the loop's way, backtest.ts
 * runQueuedContinuations), the manual ticks; with it removed, the turns of the event loop the run takes
 * instead (a self-rescheduling immediate runs once a turn). Also counts the event loop's turns either way.
 */
async function countingTurns<T>(mode: TurnMode, body: () => Promise<T>): Promise<{ value: T; turns: number; loopTurns: number }> {
  const proc = process as TickingProcess;
  const tick = proc._tickCallback!;
  let ticks = 0;
  let loopTurns = 0;
  let running = true;
  const count = (): void => {
    loopTurns++;
    if (running) setImmediate(count);
  };
  proc._tickCallback = mode === 'manual tick' ? () => (ticks++, tick.call(process)) : undefined;
  setImmediate(count);
  try {
    const value = await body();
    return { value, turns: mode === 'manual tick' ? ticks : loopTurns, loopTurns };
  } finally {
    running = false;
    proc._tickCallback = tick;
  }
}

describe('latency', () => {
  it('an order sent at t reaches the venue at t + entry latency: a trade before then cannot fill it', async () => {
    // Sell trades at 100.00 (tick 10000) hit our bid at 10000 only once it rests (no queue: empty level).
    const trades = sellTrades([ENTRY - 1, ENTRY, ENTRY + 1]);
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

  it.each(['manual tick', 'macrotask turns'] as const)(
    'a fill notice gives the strategy a turn only when it has an onFill hook: the same run either way, fewer turns without (%s)',
    async (mode) => {
      const trades = sellTrades([10_000, 20_000, 30_000]);
      const positions = (hooked: boolean) => {
        const seen: number[] = [];
        const strategy: Strategy = async ({ venue, clock, market }) => {
          if (hooked) venue.onFill(() => {});
          await venue.placeOrder({ market, side: 'buy', price: 100, size: 3, postOnly: true });
          while (await clock.sleep(10)) seen.push(await venue.getPosition(market));
        };
        return { seen, strategy };
      };
      const turns = async (hooked: boolean) => {
        const { seen, strategy } = positions(hooked);
        const counted = await countingTurns(mode, () => run([book, ...trades], strategy, 100_000));
        return { count: counted.turns, seen, fills: counted.value.fills.map((f) => [f.exchTs, f.noticeTs, f.size]) };
      };
      const hooked = await turns(true);
      const quiet = await turns(false);
      expect(quiet.fills).toHaveLength(3);
      expect(quiet.seen).toEqual(hooked.seen);
      expect(quiet.seen.slice(0, 3)).toEqual([1, 2, 3]); // each fill known by the wake-up after its notice
      expect(quiet.fills).toEqual(hooked.fills);
      expect(hooked.count - quiet.count).toBe(3); // the three notices
    },
  );

  it('every request costs a round trip of virtual time; reads of what the strategy was told cost none', async () => {
    const times: number[] = [];
    await run([book], async ({ venue, clock, market }) => {
      times.push(clock.now());
      await venue.fetchSnapshot(market);
      times.push(clock.now());
      await venue.cancelAllOrders(market);
      times.push(clock.now());
      await venue.getSnapshot(market);
      await venue.getPosition(market);
      await venue.getOpenOrders(market);
      times.push(clock.now());
    });
    const roundTripMs = (ENTRY + RESPONSE) / 1000;
    expect(times).toEqual([0, roundTripMs, 2 * roundTripMs, 2 * roundTripMs]);
  });

  it('random latency keeps each channel FIFO', async () => {
    const latency = createLatencyModel({ model: 'lognormal', entryMedianMs: 5, responseMedianMs: 5, sigma: 1.5 }, new Rng('fifo'));
    const order: number[] = [];
    await run(
      [book],
      async ({ venue, market }) => {
        await Promise.all(Array.from({ length: 50 }, (_, i) => venue.fetchPosition(market).then(() => order.push(i))));
      },
      10_000_000,
      latency,
    );
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('what the strategy reads', () => {
  it("getSnapshot is its feed at local time; fetchSnapshot is the venue at the request's arrival", async () => {
    // The bid moves to 100.00 at 10 ms (exchange time); the strategy's feed shows it at 30 ms.
    const move: MarketEvent = { kind: 'delta', exchTs: 10_000, localTs: 30_000, side: 'bid', price: 10000, size: 5, last: true };
    const seen: Record<string, [number, number]> = {};
    await run([book, move], async ({ venue, clock, market }) => {
      await clock.sleep(20);
      const local = await venue.getSnapshot(market);
      seen.local20 = [local.bestBid, local.timestamp];
      const fetched = await venue.fetchSnapshot(market); // sent at 20 ms, read at the venue at 25 ms
      seen.fetched = [fetched.bestBid, fetched.timestamp];
      await clock.sleep(20);
      const later = await venue.getSnapshot(market);
      seen.local52 = [later.bestBid, later.timestamp];
    });
    expect(seen).toEqual({ local20: [99.99, 0], fetched: [100, 25], local52: [100, 10] });
  });

  it('getPosition and getOpenOrders are the acks and fill notices received; the fetch reads ask the venue', async () => {
    const fillAt = 50_000;
    const reads: Record<string, unknown> = {};
    const open = (remaining: number) => [{ id: '1', market: 'T', side: 'buy', price: 100, remaining, filled: 3 - remaining }];
    await run(
      [book, { kind: 'trade', exchTs: fillAt, localTs: fillAt, price: 10000, size: 2, takerSide: 'sell' }],
      async ({ venue, clock, market }) => {
        const placed = venue.placeOrder({ market, side: 'buy', price: 100, size: 3, postOnly: true });
        await clock.sleep(6); // the order rests at the venue (5 ms), its ack is on its way (12 ms)
        reads.beforeAck = await venue.getOpenOrders(market);
        reads.fetchedBeforeAck = await venue.fetchOpenOrders(market); // back at 18 ms
        await placed;
        reads.afterAck = await venue.getOpenOrders(market);
        await clock.sleep(52 - clock.now()); // filled at 50 ms at the venue; the notice arrives at 57 ms
        reads.positionBeforeNotice = await venue.getPosition(market);
        reads.fetchedPosition = await venue.fetchPosition(market); // read at the venue at 57 ms
        await clock.sleep(60 - clock.now());
        reads.positionAfterNotice = await venue.getPosition(market);
        reads.openAfterNotice = await venue.getOpenOrders(market);
        await venue.cancelAllOrders(market);
        reads.openAfterCancelAll = await venue.getOpenOrders(market);
      },
      100_000,
    );
    expect(reads).toEqual({
      beforeAck: [],
      fetchedBeforeAck: open(3),
      afterAck: open(3),
      positionBeforeNotice: 0,
      fetchedPosition: 2,
      positionAfterNotice: 2,
      openAfterNotice: open(1),
      openAfterCancelAll: [],
    });
  });

  it('onBook hooks run at the end of a feed message, never on a half-applied one', async () => {
    const tops: [number, number][] = [];
    const at = 20_000;
    const message: MarketEvent[] = [
      { kind: 'delta', exchTs: at, localTs: at, side: 'ask', price: 10000, size: 5, last: false },
      { kind: 'delta', exchTs: at, localTs: at, side: 'bid', price: 9998, size: 5, last: false },
      { kind: 'delta', exchTs: at, localTs: at, side: 'bid', price: 9999, size: 0, last: true },
    ];
    await run(
      [book, ...message],
      async ({ venue, clock }) => {
        venue.onBook((b) => tops.push([b.bestBid, b.bestAsk]));
        while (await clock.sleep(10)) {
          /* idle */
        }
      },
      50_000,
    );
    expect(tops).toEqual([[99.98, 100]]);
  });
});

describe('feed latency', () => {
  it("changes the random-walk demo's fills: its quoting loop reads the book its feed shows (0, 5 and 500 ms differ)", async () => {
    const demo = join(import.meta.dirname, '../../scenarios/random-walk-demo.json');
    const fillsWith = async (feedLatencyMs: number) => {
      const scenario = await loadScenario(demo, ['durationSeconds=600', `data.feedLatencyMs=${feedLatencyMs}`]);
      const { result } = await runScenario(scenario, dirname(demo));
      return JSON.stringify(result.fills.map((f) => [f.exchTs, f.side, f.price, f.size]));
    };
    const [none, five, slow] = [await fillsWith(0), await fillsWith(5), await fillsWith(500)];
    expect(JSON.parse(none).length).toBeGreaterThan(50);
    expect(five).not.toBe(none);
    expect(slow).not.toBe(none);
    expect(slow).not.toBe(five);
  });
});

describe('two timelines', () => {
  it('the venue applies the market in exchange-time order: a trade that reached us after the depth update showing it is counted once', async () => {
    // Our bid rests at 99.99 behind the 10 lots displayed there. A 4-lot sell print at 99.99 happened at
    // 90 ms (exchange time) but reached the capture at 110 ms, after the depth update that shows the level
    // at 6 (done at 100 ms, received at 105 ms). Then, at 200 ms, a 6-lot print at 99.99.
    const events: MarketEvent[] = [
      book,
      { kind: 'delta', exchTs: 100_000, localTs: 105_000, side: 'bid', price: 9999, size: 6, last: true },
      { kind: 'trade', exchTs: 90_000, localTs: 110_000, price: 9999, size: 4, takerSide: 'sell' },
      { kind: 'trade', exchTs: 200_000, localTs: 200_000, price: 9999, size: 6, takerSide: 'sell' },
      { kind: 'trade', exchTs: 300_000, localTs: 300_000, price: 9999, size: 1, takerSide: 'sell' },
    ];
    const result = await run(events, async ({ venue, market }) => {
      await venue.placeOrder({ market, side: 'buy', price: 99.99, size: 1, postOnly: true });
    });
    // In exchange order the 4-lot print takes the queue from 10 to 6 and the depth update only confirms 6;
    // the 6-lot print at 200 ms then reaches the front, and only the 1-lot print at 300 ms fills us. (In
    // arrival order the update would cut the queue to 6 and the late print again to 2: a fill at 200 ms.)
    expect(result.fills.map((f) => [f.exchTs, f.size])).toEqual([[300_000, 1]]);
  });
});

describe('the mid at a fill', () => {
  it('is the last complete book before the message that moved through our order, never a half-applied one', async () => {
    const at = 50_000;
    const step = (side: 'bid' | 'ask', price: number, size: number, last: boolean): MarketEvent => ({
      kind: 'delta',
      exchTs: at,
      localTs: at,
      side,
      price,
      size,
      last,
    });
    // One message moves the book down through our bid at 100.00: an ask at 99.98 first (the book is crossed
    // until the message ends), then the bids at 99.99 leave and 99.97 comes in.
    const message = [step('ask', 9998, 5, false), step('bid', 9999, 0, false), step('bid', 9997, 5, true)];
    const result = await run([book, ...message], async ({ venue, market }) => {
      await venue.placeOrder({ market, side: 'buy', price: 100, size: 1, postOnly: true });
    });
    expect(result.fills.map((f) => [f.price, f.size, f.exchTs])).toEqual([[10000, 1, at]]);
    const { midIndex } = result.fills[0];
    // the book before the message: 99.99 / 100.01, mid 100.00 (mid2 in ticks: 20000); not 99.985 mid-message
    expect(result.midPath.values[0][midIndex]).toBe(20000);
    // the path holds complete books only: before the message, and after it (99.97 / 99.98)
    expect(Array.from(result.midPath.values[0].subarray(0, result.midPath.length))).toEqual([20000, 9997 + 9998]);
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

  it.each(['manual tick', 'macrotask turns'] as const)(
    'runs every continuation a wake queues, however deep, before the run moves on (%s)',
    async (mode) => {
      const deep = async (n: number): Promise<number> => (n === 0 ? 0 : 1 + (await deep(n - 1)));
      const strategy =
        (seen: number[]): Strategy =>
        async ({ venue, clock, market }) => {
          while (await clock.sleep(1)) {
            for (let i = 0; i < 50; i++) await null;
            await new Promise((resolve) => process.nextTick(resolve));
            await deep(30);
            seen.push(clock.now());
            if (seen.length === 3) await venue.placeOrder({ market, side: 'buy', price: 100, size: 1, postOnly: true });
          }
        };
      const seen: number[] = [];
      const { value } = await countingTurns(mode, () => run([book, ...sellTrades([9_000])], strategy(seen), 20_000));
      // each wake's code, 80-odd continuations deep, ran at its wake's time (ms); the order sent at 3 ms is
      // acknowledged at 15 ms (entry 5 + response 7), so the next wakes are at 16 and 17 ms
      expect(seen).toEqual([1, 2, 3, 16, 17, 18, 19, 20]);
      expect(value.fills.map((f) => f.exchTs)).toEqual([9_000]); // it rests from 8 ms: the trade at 9 ms fills it
    },
  );

  it('gives the event loop a turn every 4096 wakes with the manual tick, one a wake without: the same run', async () => {
    const strategy =
      (seen: number[]): Strategy =>
      async ({ clock }) => {
        while (await clock.sleep(1)) seen.push(clock.now());
      };
    const quick: number[] = [];
    const turned: number[] = [];
    const fast = await countingTurns('manual tick', () => run([book], strategy(quick), 10_000_000));
    const slow = await countingTurns('macrotask turns', () => run([book], strategy(turned), 10_000_000));
    expect(quick).toHaveLength(10_000);
    expect(quick).toEqual(turned);
    expect(fast.loopTurns).toBeLessThanOrEqual(Math.ceil(10_000 / 4096) + 3);
    expect(fast.loopTurns).toBeGreaterThanOrEqual(3); // the loop still lets the process breathe
    expect(slow.loopTurns).toBeGreaterThanOrEqual(10_000);
  });

  it("runs under a test's fake timers as under real ones: the same run", async () => {
    const strategy =
      (seen: number[]): Strategy =>
      async ({ venue, clock, market }) => {
        await venue.placeOrder({ market, side: 'buy', price: 100, size: 2, postOnly: true });
        while (await clock.sleep(3)) seen.push(clock.now());
      };
    const real: number[] = [];
    const expected = await run([book, ...sellTrades([9_000, 18_000])], strategy(real), 30_000);
    vi.useFakeTimers();
    try {
      const faked: number[] = [];
      const hung = new Promise<never>((_, reject) =>
        realTimers.setTimeout(() => reject(new Error('the run hung under fake timers')), 10_000).unref(),
      );
      const result = await Promise.race([run([book, ...sellTrades([9_000, 18_000])], strategy(faked), 30_000), hung]);
      expect(faked).toEqual(real);
      expect(result.fills.map((f) => [f.exchTs, f.noticeTs])).toEqual(expected.fills.map((f) => [f.exchTs, f.noticeTs]));
    } finally {
      vi.useRealTimers();
    }
    expect(expected.fills).toHaveLength(2);
  });

  it("a strategy's nextTick callback that throws is an uncaught exception, as in Node's own tick; the run goes on", () => {
    const module = (path: string): string => JSON.stringify(pathToFileURL(join(ROOT, path)).href);
    const script = `
      import { Rng } from ${module('src/core/rng.ts')};
      import { createLatencyModel } from ${module('src/venue/models.ts')};
      import { backtestWithOrderLog, BOOK_AROUND_100 } from ${module('test/sim/helpers.ts')};
      const caught = [];
      process.on('uncaughtException', (error) => caught.push(error.message));
      const seen = [];
      const strategy = async ({ clock }) => {
        while (await clock.sleep(1)) {
          seen.push(clock.now());
          if (seen.length === 3) process.nextTick(() => { throw new Error('thrown in a nextTick'); });
        }
      };
      await backtestWithOrderLog([BOOK_AROUND_100], strategy, createLatencyModel({ model: 'constant', entryMs: 5, responseMs: 7 }, new Rng('x')), 10_000);
      console.log(JSON.stringify({ caught, seen }));`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ caught: ['thrown in a nextTick'], seen: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
  });

  it('a strategy error fails the run with that error', async () => {
    await expect(
      run([book], async () => {
        throw new Error('strategy bug');
      }),
    ).rejects.toThrow('strategy bug');
  });

  it('gives its row sources up when it ends, before its data or by an error (a streamed file’s read-ahead thread stops)', async () => {
    const events = sellTrades([1_000, 2_000, 3_000, 500_000]);
    for (const strategy of [async () => {}, async () => Promise.reject(new Error('strategy bug'))] as Strategy[]) {
      const closed: string[] = [];
      const closing = (open: OpenMarketEvents, name: string) => () =>
        Object.assign(rowSourceOf(open()), { close: () => closed.push(name) });
      await runBacktest({
        units,
        fees: feeSchedule(0, 0),
        openEvents: closing(openEventArray([book, ...events]), 'feed'),
        openVenueEvents: closing(openEventArrayByExchTime([book, ...events]), 'venue'),
        startTs: 0,
        endTs: 10_000,
        queue: createQueueModel({ model: 'risk-averse' }),
        latency: createLatencyModel({ model: 'constant', entryMs: 1, responseMs: 1 }, new Rng('x')),
        strategy,
      }).catch(() => undefined);
      expect(closed.sort()).toEqual(['feed', 'venue']);
    }
  });
});
