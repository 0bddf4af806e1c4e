import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import type { Clock, OrderAck, OrderRequest, Snapshot, Strategy, Venue } from '../../src/strategy/api.ts';
import {
  fixedSpread,
  fixedSpreadQuotes,
  inventorySkew,
  inventorySkewQuotes,
  roundQuoteToTick,
  roundToTick,
} from '../../src/strategy/seed.ts';

describe('roundToTick', () => {
  it('rounds to the nearest tick and prints it without float noise', () => {
    expect(roundToTick(99.954, 0.01)).toBe(99.95);
    expect(roundToTick(99.956, 0.01)).toBe(99.96);
    expect(roundToTick(0.1 + 0.2, 0.1)).toBe(0.3); // 0.30000000000000004 → 0.3
    expect(roundToTick(60000.14, 0.1)).toBe(60000.1);
    expect(roundToTick(1234.6, 1)).toBe(1235);
    expect(roundToTick(1.23456, 0.00001)).toBe(1.23456);
  });

  it('keeps every decimal a tick such as 0.25 or 2.5 needs', () => {
    // 100.3 / 0.25 = 401.2 → 401 ticks = 100.25 (printing with 1 decimal would give 100.3, an invalid price)
    expect(roundToTick(100.3, 0.25)).toBe(100.25);
    expect(roundToTick(100.4, 0.25)).toBe(100.5); // 401.6 → 402 → 100.5
    expect(roundToTick(102.4, 2.5)).toBe(102.5); // 40.96 → 41 → 102.5
    expect(roundToTick(1.026, 0.025)).toBe(1.025); // 41.04 → 41 → 1.025
  });
});

describe('roundQuoteToTick', () => {
  it('rounds to the nearest tick, a half tick away from the mid: a bid down, an ask up', () => {
    expect(roundQuoteToTick(100.004, 0.01, 'buy')).toBe(100);
    expect(roundQuoteToTick(100.006, 0.01, 'buy')).toBe(100.01);
    expect(roundQuoteToTick(100.005, 0.01, 'buy')).toBe(100);
    expect(roundQuoteToTick(100.005, 0.01, 'sell')).toBe(100.01);
    expect(roundQuoteToTick(100.004, 0.01, 'sell')).toBe(100);
    // float noise around the half tick does not decide the side: 61832.215 / 0.01 = 6183221.499999999
    expect(61832.215 / 0.01).toBeLessThan(6183221.5);
    expect(roundQuoteToTick(61832.215, 0.01, 'sell')).toBe(61832.22);
    expect(roundQuoteToTick(61832.215, 0.01, 'buy')).toBe(61832.21);
    expect(roundQuoteToTick(100.3, 0.25, 'buy')).toBe(100.25);
  });
});

describe('fixedSpreadQuotes', () => {
  it('quotes mid ± mid·bps/1e4/2, rounded to tick', () => {
    // mid = (99.99 + 100.01) / 2 = 100; half = 100 × 10 / 10 000 / 2 = 0.05
    expect(fixedSpreadQuotes(99.99, 100.01, 10, 0.01)).toEqual({ bid: 99.95, ask: 100.05 });
    // mid = 200; half = 200 × 20 / 10 000 / 2 = 0.2 → 199.8 / 200.2
    expect(fixedSpreadQuotes(199.99, 200.01, 20, 0.01)).toEqual({ bid: 199.8, ask: 200.2 });
  });

  it('rounds to the nearest tick on each side', () => {
    // mid = (100.00 + 100.01) / 2 = 100.005; half = 100.005 × 10 / 10 000 / 2 = 0.0500025
    // bid = 99.9549975 → 99.95 (9995.49975 ticks); ask = 100.0550025 → 100.06 (10005.50025 ticks)
    expect(fixedSpreadQuotes(100, 100.01, 10, 0.01)).toEqual({ bid: 99.95, ask: 100.06 });
  });
});

describe('inventorySkewQuotes', () => {
  const params = { spreadBps: 10, maxInventory: 0.1, skewFactor: 0.5 };

  it('net = 0 quotes like fixed-spread', () => {
    // ratio 0 → skewBps 0 → skewedMid 100 → 99.95 / 100.05
    expect(inventorySkewQuotes(99.99, 100.01, 0, params, 0.01)).toEqual({ bid: 99.95, ask: 100.05 });
  });

  it('net > 0 shifts both quotes down', () => {
    // ratio = 0.04 / 0.1 = 0.4; skewBps = −0.4 × 10 × 0.5 = −2; skewedMid = 100 × (1 − 0.0002) = 99.98
    // bid = 99.98 − 0.05 = 99.93, ask = 99.98 + 0.05 = 100.03
    expect(inventorySkewQuotes(99.99, 100.01, 0.04, params, 0.01)).toEqual({ bid: 99.93, ask: 100.03 });
    // at the limit: ratio 1; skewBps = −5; skewedMid = 100 × 0.9995 = 99.95 → 99.90 / 100.00
    expect(inventorySkewQuotes(99.99, 100.01, 0.1, params, 0.01)).toEqual({ bid: 99.9, ask: 100 });
  });

  it('net < 0 shifts both quotes up', () => {
    // ratio = −0.4; skewBps = +2; skewedMid = 100.02 → 99.97 / 100.07
    expect(inventorySkewQuotes(99.99, 100.01, -0.04, params, 0.01)).toEqual({ bid: 99.97, ask: 100.07 });
  });

  it('at the inventory limit the reducing quote joins its own touch on either side, never the far one', () => {
    // |net| = maxInventory, skewFactor 0.5: the reducing quote is at the mid, a half tick in a one-tick book.
    // Over 1000 such books, long (ask at the mid) and short (bid at the mid) must behave alike.
    const farTouch = { long: 0, short: 0 };
    for (let i = 0; i < 1000; i++) {
      const bid = roundToTick(61_000 + i * 0.01, 0.01);
      const ask = roundToTick(bid + 0.01, 0.01);
      const long = inventorySkewQuotes(bid, ask, params.maxInventory, params, 0.01);
      const short = inventorySkewQuotes(bid, ask, -params.maxInventory, params, 0.01);
      expect(long.ask === ask || long.ask === bid).toBe(true);
      expect(short.bid === ask || short.bid === bid).toBe(true);
      if (long.ask <= bid) farTouch.long++; // post-only would reject it
      if (short.bid >= ask) farTouch.short++;
    }
    expect(farTouch).toEqual({ long: 0, short: 0 });
  });

  it('scales the skew by skewFactor (0 disables it)', () => {
    // skewFactor 1: skewBps = −0.4 × 10 × 1 = −4; skewedMid = 100 × 0.9996 = 99.96 → 99.91 / 100.01
    expect(inventorySkewQuotes(99.99, 100.01, 0.04, { ...params, skewFactor: 1 }, 0.01)).toEqual({ bid: 99.91, ask: 100.01 });
    expect(inventorySkewQuotes(99.99, 100.01, 0.04, { ...params, skewFactor: 0 }, 0.01)).toEqual({ bid: 99.95, ask: 100.05 });
  });
});

// ---------------------------------------------------------------------------------------------------------
// A fake venue and clock that record every call, to check the strategies' loops call by call.

type Call = string;

interface FakeOptions {
  /** How many times sleep resolves true before it resolves false. */
  cycles: number;
  books: { bid: number; ask: number }[];
  positions?: number[];
}

function fakeContext(options: FakeOptions) {
  const calls: Call[] = [];
  const orders: OrderRequest[] = [];
  let sleeps = 0;
  let snaps = 0;
  let positions = 0;
  const clock: Clock = {
    now: () => 1_704_067_200_000,
    sleep: async (ms) => {
      calls.push(`sleep(${ms})`);
      return sleeps++ < options.cycles;
    },
  };
  const unused = (name: string) => () => Promise.reject(new Error(`unexpected call ${name}`));
  const venue: Venue = {
    getSnapshot: async (market) => {
      calls.push(`getSnapshot(${market})`);
      const { bid, ask } = options.books[Math.min(snaps++, options.books.length - 1)];
      const mid = Number.isNaN(bid) || Number.isNaN(ask) ? NaN : (bid + ask) / 2;
      const snap: Snapshot = { market, timestamp: 0, bestBid: bid, bestAsk: ask, mid, bids: [], asks: [] };
      return snap;
    },
    getPosition: async (market) => {
      calls.push(`getPosition(${market})`);
      const list = options.positions ?? [0];
      return list[Math.min(positions++, list.length - 1)];
    },
    cancelAllOrders: async (market) => {
      calls.push(`cancelAllOrders(${market})`);
      return 0;
    },
    placeOrder: async (request) => {
      calls.push(`placeOrder(${request.side} ${request.price})`);
      orders.push(request);
      const ack: OrderAck = { id: String(orders.length), status: 'open', filled: 0, remaining: request.size };
      return ack;
    },
    getOpenOrders: unused('getOpenOrders'),
    fetchSnapshot: unused('fetchSnapshot'),
    fetchPosition: unused('fetchPosition'),
    fetchOpenOrders: unused('fetchOpenOrders'),
    cancelOrder: unused('cancelOrder'),
    amendOrder: unused('amendOrder'),
    onFill: () => {},
    onBook: () => {},
    onTrade: () => {},
  };
  return {
    calls,
    orders,
    run: (strategy: Strategy) =>
      strategy({
        venue,
        clock,
        market: 'SYN-USD',
        tickSize: 0.01,
        lotSize: 0.001,
        markets: [{ id: 'SYN-USD', symbol: 'SYN-USD', venue: 'venue', kind: 'spot', tickSize: 0.01, lotSize: 0.001, contractSize: 1 }],
        record: () => {},
      }),
  };
}

describe('fixedSpread strategy loop', () => {
  it('per cycle: getSnapshot → cancelAllOrders → buy → sell, post-only, then sleep; ends when sleep says false', async () => {
    const ctx = fakeContext({
      cycles: 1,
      books: [
        { bid: 99.99, ask: 100.01 },
        { bid: 199.99, ask: 200.01 },
      ],
    });
    await ctx.run(fixedSpread({ spreadBps: 10, size: 0.01, requoteMs: 3000 }));
    expect(ctx.calls).toEqual([
      'getSnapshot(SYN-USD)', // quotes first: nothing is left unquoted for the first interval
      'cancelAllOrders(SYN-USD)',
      'placeOrder(buy 99.95)', // mid 100, half 0.05
      'placeOrder(sell 100.05)',
      'sleep(3000)',
      'getSnapshot(SYN-USD)',
      'cancelAllOrders(SYN-USD)',
      'placeOrder(buy 199.9)', // mid 200, half 200 × 10 / 1e4 / 2 = 0.1
      'placeOrder(sell 200.1)',
      'sleep(3000)', // resolves false: the strategy returns
    ]);
    expect(ctx.orders).toEqual([
      { market: 'SYN-USD', side: 'buy', size: 0.01, price: 99.95, postOnly: true },
      { market: 'SYN-USD', side: 'sell', size: 0.01, price: 100.05, postOnly: true },
      { market: 'SYN-USD', side: 'buy', size: 0.01, price: 199.9, postOnly: true },
      { market: 'SYN-USD', side: 'sell', size: 0.01, price: 200.1, postOnly: true },
    ]);
  });

  it('skips a cycle (no cancel, no orders) when a side of the book is empty', async () => {
    const ctx = fakeContext({ cycles: 1, books: [{ bid: NaN, ask: 100.01 }] });
    await ctx.run(fixedSpread({ spreadBps: 10, size: 0.01, requoteMs: 500 }));
    expect(ctx.calls).toEqual(['getSnapshot(SYN-USD)', 'sleep(500)', 'getSnapshot(SYN-USD)', 'sleep(500)']);
  });

  it('returns after its first quotes when the first sleep resolves false', async () => {
    const ctx = fakeContext({ cycles: 0, books: [{ bid: 99.99, ask: 100.01 }] });
    await ctx.run(fixedSpread({ spreadBps: 10, size: 0.01, requoteMs: 3000 }));
    expect(ctx.calls).toEqual([
      'getSnapshot(SYN-USD)',
      'cancelAllOrders(SYN-USD)',
      'placeOrder(buy 99.95)',
      'placeOrder(sell 100.05)',
      'sleep(3000)',
    ]);
  });
});

describe('inventorySkew strategy loop', () => {
  const params = { spreadBps: 10, size: 0.01, requoteMs: 3000, maxInventory: 0.1, skewFactor: 0.5 };

  it('per cycle: getSnapshot → getPosition → cancelAllOrders → buy → sell, skewed by the position, then sleep', async () => {
    const ctx = fakeContext({ cycles: 2, books: [{ bid: 99.99, ask: 100.01 }], positions: [0, 0.04, -0.04] });
    await ctx.run(inventorySkew(params));
    const cycle = (bid: number, ask: number) => [
      'getSnapshot(SYN-USD)',
      'getPosition(SYN-USD)',
      'cancelAllOrders(SYN-USD)',
      `placeOrder(buy ${bid})`,
      `placeOrder(sell ${ask})`,
      'sleep(3000)',
    ];
    expect(ctx.calls).toEqual([
      ...cycle(99.95, 100.05), // net 0: no skew
      ...cycle(99.93, 100.03), // net +0.04: skewedMid 99.98
      ...cycle(99.97, 100.07), // net −0.04: skewedMid 100.02; this sleep resolves false
    ]);
    expect(ctx.orders.every((o) => o.postOnly === true && o.size === 0.01 && o.market === 'SYN-USD')).toBe(true);
    expect(ctx.orders.map((o) => o.side)).toEqual(['buy', 'sell', 'buy', 'sell', 'buy', 'sell']);
  });

  it('at |net| ≥ maxInventory does not quote the side that would increase |net|', async () => {
    const ctx = fakeContext({ cycles: 3, books: [{ bid: 99.99, ask: 100.01 }], positions: [0.1, -0.1, 0.12, 0.095] });
    await ctx.run(inventorySkew(params));
    const head = ['getSnapshot(SYN-USD)', 'getPosition(SYN-USD)', 'cancelAllOrders(SYN-USD)'];
    expect(ctx.calls).toEqual([
      // net +0.1 (= max): ratio 1, skewedMid 99.95 → sell only at 100.00
      ...head,
      'placeOrder(sell 100)',
      'sleep(3000)',
      // net −0.1: ratio −1, skewedMid 100.05 → buy only at 100.00
      ...head,
      'placeOrder(buy 100)',
      'sleep(3000)',
      // net +0.12 (beyond max): ratio 1.2, skewBps −6, skewedMid 99.94 → sell only at 99.99
      ...head,
      'placeOrder(sell 99.99)',
      'sleep(3000)',
      // net +0.095: a buy of 0.01 would reach 0.105 > 0.1 → sell only; ratio 0.95, skewBps −4.75,
      // skewedMid 100 × 0.999525 = 99.9525, ask = 100.0025 → 100.00
      ...head,
      'placeOrder(sell 100)',
      'sleep(3000)',
    ]);
  });

  it('still quotes a side that would land exactly on the limit despite float noise, but not beyond it', async () => {
    // net 0.09 + 1e-12 (float noise): net + 0.01 = 0.100000000001 > 0.1, but within the 1e-9 size slack
    const noisy = 0.09 + 1e-12;
    expect(noisy + 0.01).toBeGreaterThan(0.1);
    // skewFactor 0 keeps the prices at 99.95 / 100.05 so that only the side choice is under test
    const flat = { ...params, skewFactor: 0 };
    const ctx = fakeContext({ cycles: 1, books: [{ bid: 99.99, ask: 100.01 }], positions: [noisy, 0.0901] });
    await ctx.run(inventorySkew(flat));
    expect(ctx.orders.map((o) => `${o.side} ${o.price}`)).toEqual([
      'buy 99.95', // cycle 1: the buy would reach 0.1 (the limit): quoted
      'sell 100.05',
      'sell 100.05', // cycle 2: net 0.0901 + 0.01 = 0.1001 > 0.1: no buy
    ]);
  });

  it('skips a cycle without asking the position when the book has an empty side', async () => {
    const ctx = fakeContext({ cycles: 1, books: [{ bid: 99.99, ask: NaN }] });
    await ctx.run(inventorySkew(params));
    expect(ctx.calls).toEqual(['getSnapshot(SYN-USD)', 'sleep(3000)', 'getSnapshot(SYN-USD)', 'sleep(3000)']);
  });
});

describe('seed loops in a backtest', () => {
  it('both loops quote at the start, one round trip in, not one requote interval later', async () => {
    const demo = join(import.meta.dirname, '../../scenarios/demo.json');
    for (const strategy of [
      '{"name":"fixed-spread","spreadBps":10,"size":0.01,"requoteMs":3000}',
      '{"name":"inventory-skew","spreadBps":10,"size":0.01,"requoteMs":3000,"maxInventory":0.1}',
    ]) {
      // one second of the demo market: shorter than one requote interval
      const { result } = await runScenario(await loadScenario(demo, ['durationSeconds=1', `strategy=${strategy}`]), dirname(demo));
      expect(result.ordersSent).toBe(2);
      expect(result.quotePath.length).toBeGreaterThan(0);
      expect(result.quotePath.time[0] - result.startTs).toBeLessThan(100_000); // resting within 100 ms of the start
    }
  });
});
