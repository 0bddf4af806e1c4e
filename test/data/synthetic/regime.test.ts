import { describe, expect, it } from 'vitest';
import { L2Book } from '../../../src/book/l2-book.ts';
import { parseScenario } from '../../../src/sim/scenario.ts';
import { collect, openScenarioData } from './helpers.ts';

function scenario(data: Record<string, unknown> = {}, seed = 1, durationSeconds = 600) {
  return {
    name: 'regime',
    seed,
    durationSeconds,
    market: { symbol: 'RG', tickSize: 0.01, lotSize: 0.001 },
    data: {
      kind: 'synthetic',
      model: 'regime',
      startPrice: 100,
      calm: { volatility: 0, tradesPerSecond: 1, spreadTicks: 1, meanSeconds: 10 },
      volatile: { volatility: 1, tradesPerSecond: 5, spreadTicks: 3, meanSeconds: 5 },
      levels: 10,
      levelSize: 0.02,
      tradeSize: 0.05,
      refreshMs: 100,
      ...data,
    },
    strategy: { name: 'fixed-spread', spreadBps: 10, size: 0.01 },
  };
}

async function events(raw: unknown) {
  const { data } = await openScenarioData(parseScenario(raw, 'test'));
  return { events: collect(data.open), data };
}

describe('regime market', () => {
  it('is deterministic under a fixed seed', async () => {
    const a = (await events(scenario({ jumpsPerSecond: 0.1 }, 3, 120))).events;
    expect((await events(scenario({ jumpsPerSecond: 0.1 }, 3, 120))).events).toEqual(a);
    expect((await events(scenario({ jumpsPerSecond: 0.1 }, 4, 120))).events).not.toEqual(a);
  });

  it('keeps a valid book: never crossed after a message, the spread of a regime, prints at displayed levels', async () => {
    const { events: list } = await events(scenario({ jumpsPerSecond: 0.2 }, 2, 300));
    const book = new L2Book();
    const spreads = new Set<number>();
    for (const e of list) {
      if (e.kind === 'snapshot') book.applySnapshot(e);
      else if (e.kind === 'delta') {
        book.set(e.side, e.price, e.size);
        // A large market order can empty a side until the next refresh; otherwise never crossed.
        if (e.last) expect(book.checkInvariants()).toBeNull();
      } else if (e.kind === 'trade') {
        // A sell prints at a displayed bid (before the message's deltas), a buy at a displayed ask.
        expect(book.sizeAt(e.takerSide === 'sell' ? 'bid' : 'ask', e.price)).toBeGreaterThanOrEqual(e.size);
      }
      if (e.kind === 'delta' && e.last && e.size > 0) spreads.add(book.bestAsk - book.bestBid);
    }
    // Levels emptied by trades widen the spread for a while; refreshed books show 1 (calm) or 3 (volatile).
    expect(spreads.has(1)).toBe(true);
    expect(spreads.has(3)).toBe(true);
  });

  it('switches regimes: the mid moves only in the volatile one, where trades come faster', async () => {
    const { events: list, data } = await events(scenario({}, 5, 1800));
    const book = new L2Book();
    // Per refresh interval (100 ms): did the refresh at its start move the mid, and how many market
    // orders came in it. A refresh that changes nothing sends no message.
    const slots = Math.round((data.endTs - data.startTs) / 100_000);
    const midAtRefresh = new Float64Array(slots + 1).fill(NaN);
    const orders = new Float64Array(slots + 1);
    let lastOrderTs = -1;
    for (const e of list) {
      const offset = e.exchTs - data.startTs;
      const slot = Math.floor(offset / 100_000);
      if (e.kind === 'snapshot') book.applySnapshot(e);
      else if (e.kind === 'delta') {
        book.set(e.side, e.price, e.size);
        if (e.last && offset % 100_000 === 0) midAtRefresh[slot] = book.bestBid + book.bestAsk;
      } else if (e.kind === 'trade' && e.exchTs !== lastOrderTs) {
        lastOrderTs = e.exchTs;
        orders[slot]++;
      }
    }
    const intervals = new Map<number, { moved: boolean; orders: number }>();
    let previous = midAtRefresh[0];
    for (let slot = 1; slot < slots; slot++) {
      const mid = Number.isNaN(midAtRefresh[slot]) ? previous : midAtRefresh[slot];
      intervals.set(slot, { moved: mid !== previous, orders: orders[slot] });
      previous = mid;
    }
    const all = [...intervals.values()];
    const moving = all.filter((i) => i.moved);
    const still = all.filter((i) => !i.moved);
    // Stationary share of the volatile regime: 5 / (10 + 5) = 1/3 (a volatile step of 1 × √0.1 = 0.32
    // price units = 32 ticks almost always moves the book; a calm refresh never does).
    expect(moving.length / all.length).toBeGreaterThan(0.22);
    expect(moving.length / all.length).toBeLessThan(0.45);
    const rate = (xs: { orders: number }[]) => xs.reduce((a, b) => a + b.orders, 0) / (xs.length * 0.1);
    expect(rate(moving)).toBeGreaterThan(4);
    expect(rate(moving)).toBeLessThan(6);
    expect(rate(still)).toBeGreaterThan(0.7);
    expect(rate(still)).toBeLessThan(1.5);
  });
});
