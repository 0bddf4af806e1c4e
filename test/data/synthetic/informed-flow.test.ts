import { describe, expect, it } from 'vitest';
import { L2Book } from '../../../src/book/l2-book.ts';
import type { MarketEvent, Trade } from '../../../src/core/events.ts';
import { parseScenario } from '../../../src/sim/scenario.ts';
import type { Strategy } from '../../../src/strategy/api.ts';
import { roundToTick } from '../../../src/strategy/seed.ts';
import { backtestWith, collect, openScenarioData, realizedSpreadTicks } from './helpers.ts';

const J = 20; // ticks
const MU = 0.3;
const HORIZON_US = 40_000; // covers lead (10 ms) + lag (10 ms) + withdrawal (1 ms)

function scenario(data: Record<string, unknown> = {}, seed = 1) {
  return {
    name: 'informed',
    seed,
    durationSeconds: 600,
    market: { symbol: 'IF', tickSize: 0.01, lotSize: 1 },
    data: {
      kind: 'synthetic',
      model: 'informed-flow',
      startPrice: 100,
      halfSpreadTicks: 1,
      levels: 1,
      levelSize: 1,
      jumpSize: J * 0.01,
      jumpsPerSecond: 5,
      takersPerSecond: 40,
      informedShare: MU,
      informedLeadMs: 10,
      lagMs: 10,
      followMs: 0,
      withdrawMs: 1,
      takerDepth: 10,
      takerSize: 1,
      ...data,
    },
    venue: { latency: { model: 'constant', entryMs: 0, responseMs: 0 } },
    strategy: { name: 'fixed-spread', spreadBps: 10, size: 1 },
  };
}

/** Displayed mid (ticks) after every complete book message, with its time. */
function midPath(events: MarketEvent[]): { times: number[]; mids: number[] } {
  const book = new L2Book();
  const times: number[] = [];
  const mids: number[] = [];
  for (const e of events) {
    if (e.kind === 'snapshot') book.applySnapshot(e);
    else if (e.kind === 'delta') {
      book.set(e.side, e.price, e.size);
      if (!e.last) continue;
    } else continue;
    const mid = (book.bestBid + book.bestAsk) / 2;
    if (Number.isNaN(mid)) continue; // withdrawn: the last shown mid stands
    times.push(e.exchTs);
    mids.push(mid);
  }
  return { times, mids };
}

function midAt(path: { times: number[]; mids: number[] }, t: number): number {
  let lo = 0;
  let hi = path.times.length - 1;
  while (lo < hi) {
    const m = (lo + hi + 1) >> 1;
    if (path.times[m] <= t) lo = m;
    else hi = m - 1;
  }
  return path.mids[lo];
}

describe('informed-flow market: rules', () => {
  it('is deterministic under a fixed seed (two opens, two sources)', async () => {
    const short = (seed: number) => parseScenario({ ...scenario({ followMs: 2, withdrawMs: 0 }, seed), durationSeconds: 60 }, 't');
    const a = collect((await openScenarioData(short(3))).data.open);
    const opened = await openScenarioData(short(3));
    expect(collect(opened.data.open)).toEqual(a);
    expect(collect(opened.data.open)).toEqual(a);
    expect(collect((await openScenarioData(short(4))).data.open)).not.toEqual(a);
    const withdrawing = parseScenario({ ...scenario({}, 3), durationSeconds: 60 }, 't');
    const b = collect((await openScenarioData(withdrawing)).data.open);
    expect(collect((await openScenarioData(withdrawing)).data.open)).toEqual(b);
  });

  it('withdraws the book at lag after a jump and shows it a whole number of jumps away withdrawMs later', async () => {
    const { data } = await openScenarioData(parseScenario({ ...scenario({}, 2), durationSeconds: 120 }, 't'));
    const events = collect(data.open);
    const book = new L2Book();
    let shown = 10_000;
    let withdrawnAt = NaN;
    let moves = 0;
    let last = 0;
    for (const e of events) {
      expect(e.exchTs).toBeGreaterThanOrEqual(last);
      last = e.exchTs;
      if (e.kind === 'snapshot') book.applySnapshot(e);
      if (e.kind !== 'delta') continue;
      book.set(e.side, e.price, e.size);
      if (!e.last) continue;
      if (Number.isNaN(book.bestBid)) {
        expect(Number.isNaN(book.bestAsk)).toBe(true);
        withdrawnAt = e.exchTs;
      } else {
        expect(e.exchTs - withdrawnAt).toBe(1000);
        const mid = (book.bestBid + book.bestAsk) / 2;
        expect(book.bestAsk - book.bestBid).toBe(2);
        expect(Math.abs(mid - shown) % J).toBe(0);
        shown = mid;
        moves++;
      }
    }
    expect(moves).toBeGreaterThan(400); // about 5 jumps a second, less those that cancel out before shown
    const trades = events.filter((e): e is Trade => e.kind === 'trade');
    expect(Math.abs(trades.length - 4800)).toBeLessThan(4 * Math.sqrt(4800));
  });

  it('with followMs > 0 moves the display one tick at a time; takers print at D ∓ floor(depth)', async () => {
    const { data } = await openScenarioData(parseScenario({ ...scenario({ followMs: 2, withdrawMs: 0, takerDepth: 0.05 }, 2), durationSeconds: 60 }, 't'));
    const events = collect(data.open);
    const path = midPath(events);
    for (let i = 1; i < path.mids.length; i++) expect(Math.abs(path.mids[i] - path.mids[i - 1])).toBe(1);
    for (const e of events) {
      if (e.kind !== 'trade') continue;
      const d = midAt(path, e.exchTs);
      expect(e.takerSide === 'sell' ? e.price <= d : e.price >= d).toBe(true);
    }
  });

  it('takers are informed in share μ: their mean markout at the horizon is μ·J', async () => {
    const { data } = await openScenarioData(parseScenario(scenario({}, 5), 't'));
    const events = collect(data.open);
    const path = midPath(events);
    const markouts: number[] = [];
    for (const e of events) {
      if (e.kind !== 'trade' || e.exchTs + HORIZON_US > data.endTs) continue;
      const sign = e.takerSide === 'buy' ? 1 : -1;
      markouts.push(sign * (midAt(path, e.exchTs + HORIZON_US) - midAt(path, e.exchTs)));
    }
    const m = markouts.reduce((a, b) => a + b, 0) / markouts.length;
    // The informed count is compound Poisson (jumps × takers per window), the dominant noise here.
    const jumps = 5 * 600;
    const perWindow = (MU * 40) / 5;
    const se = (MU * J) * Math.sqrt((1 + perWindow) / (jumps * perWindow));
    expect(Math.abs(m - MU * J)).toBeLessThan(4 * se);
  });
});

/**
 * Glosten–Milgrom break-even through the venue: a market maker quoting a full spread S around the displayed
 * mid (requoting on every display move, size large enough that every taker that reaches the quote fills
 * it) earns a realized spread at the horizon of about S/2 − μ·J per fill. Sweep S, find where the realized
 * spread crosses zero, and check it is within 10 % of μ·2J.
 */
async function realizedSpreadAt(spreadTicks: number, seed: number): Promise<{ mean: number; count: number }> {
  const { result } = await backtestWith(scenario({}, seed), continuousMaker(spreadTicks));
  expect(result.rejects).toBe(0);
  expect(result.fills.every((f) => f.liquidity === 'maker')).toBe(true);
  return realizedSpreadTicks(result, HORIZON_US);
}

/** A maker quoting a full spread of `spreadTicks` continuously: it requotes at every display move, with a size no taker exhausts. */
function continuousMaker(spreadTicks: number): Strategy {
  return async ({ venue, clock, market, tickSize }) => {
    const half = (spreadTicks / 2) * tickSize;
    // Requote at every display move, at once (zero latency): cancel and both posts travel together, in order.
    const requote = (mid: number): void => {
      if (Number.isNaN(mid)) {
        void venue.cancelAllOrders(market); // the book is withdrawn: pull the quotes
        return;
      }
      void Promise.all([
        venue.cancelAllOrders(market),
        venue.placeOrder({ market, side: 'buy', size: 1_000_000, price: roundToTick(mid - half, tickSize), postOnly: true }),
        venue.placeOrder({ market, side: 'sell', size: 1_000_000, price: roundToTick(mid + half, tickSize), postOnly: true }),
      ]);
    };
    venue.onBook((book) => requote(book.mid));
    requote((await venue.getSnapshot(market, 1)).mid);
    while (await clock.sleep(60_000)) {
      /* requotes run from the onBook hook */
    }
  };
}

/** Size-weighted adverse selection at the horizon, ticks: effective − realized = how far the mid moved against each fill. */
function adverseSelectionTicks({ midPath, fills, endTs }: Awaited<ReturnType<typeof backtestWith>>['result']): number {
  const mid = (index: number): number => midPath.values[0][index] / 2;
  let sum = 0;
  let lots = 0;
  for (const fill of fills) {
    if (fill.exchTs + HORIZON_US > endTs || fill.midIndex < 0) continue;
    const against = (fill.side === 'buy' ? -1 : 1) * (mid(midPath.indexAt(fill.exchTs + HORIZON_US)) - mid(fill.midIndex));
    sum += against * fill.size;
    lots += fill.size;
  }
  return sum / lots;
}

describe('informed-flow market: adverse selection of a continuous and of a periodic maker', () => {
  it('a maker quoting continuously (at every display move, a size no taker exhausts) meets μ·J per fill', async () => {
    const { result } = await backtestWith(scenario({}, 11), continuousMaker(12));
    expect(result.fills.length).toBeGreaterThan(20_000);
    expect(Math.abs(adverseSelectionTicks(result) - MU * J)).toBeLessThan(0.1 * MU * J);
  });

  it('a maker requoting every second a quote one taker takes whole meets far less: the informed come in bursts', async () => {
    const periodic: Strategy = async ({ venue, clock, market, tickSize }) => {
      do {
        const { mid } = await venue.getSnapshot(market, 1);
        if (Number.isNaN(mid)) continue;
        await venue.cancelAllOrders(market);
        await venue.placeOrder({ market, side: 'buy', size: 1, price: roundToTick(mid - 6 * tickSize, tickSize), postOnly: true });
        await venue.placeOrder({ market, side: 'sell', size: 1, price: roundToTick(mid + 6 * tickSize, tickSize), postOnly: true });
      } while (await clock.sleep(1000));
    };
    const { result } = await backtestWith(scenario({}, 11), periodic);
    expect(result.fills.length).toBeGreaterThan(500);
    // about 2.8 ticks against μ·J = 6: mostly the first taker after a requote fills the quote, and the
    // informed, all in the few ms before a jump, are rarely first
    expect(adverseSelectionTicks(result)).toBeLessThan(0.6 * MU * J);
  });
});

describe('informed-flow market: Glosten–Milgrom break-even', () => {
  it('the realized spread crosses zero at a quoted full spread within 10 % of μ·2J', async () => {
    const sweep = [6, 10, 14, 18];
    const points: { spread: number; rs: number; fills: number }[] = [];
    for (const spread of sweep) {
      const { mean, count } = await realizedSpreadAt(spread, 11);
      points.push({ spread, rs: mean, fills: count });
    }
    // Realized spread rises with the quoted spread, negative when too tight, positive when wide.
    for (let i = 1; i < points.length; i++) expect(points[i].rs).toBeGreaterThan(points[i - 1].rs);
    expect(points[0].rs).toBeLessThan(0);
    expect(points[points.length - 1].rs).toBeGreaterThan(0);
    const i = points.findIndex((p) => p.rs >= 0);
    const [a, b] = [points[i - 1], points[i]];
    const breakEven = a.spread + ((0 - a.rs) * (b.spread - a.spread)) / (b.rs - a.rs);
    const theory = MU * 2 * J; // 12 ticks
    expect(Math.abs(breakEven - theory)).toBeLessThan(0.1 * theory);
    expect(points.every((p) => p.fills > 20_000)).toBe(true);
  });
});
