import { describe, expect, it } from 'vitest';
import type { RiskLimits } from '../../src/live/config.ts';
import { RiskGuard, type GuardEvent } from '../../src/live/risk-guard.ts';
import type { FillEvent, OrderAck, OrderRequest, Venue } from '../../src/strategy/api.ts';

/** A venue that records calls and acks every order as open. */
class FakeVenue implements Venue {
  placed: OrderRequest[] = [];
  cancelAlls = 0;
  private fillHandlers: ((f: FillEvent) => void)[] = [];
  private next = 1;
  async getSnapshot() {
    return { market: 'X', timestamp: 0, bestBid: 99, bestAsk: 101, mid: 100, bids: [], asks: [] };
  }
  async getPosition() {
    return 0;
  }
  async getOpenOrders() {
    return [];
  }
  fetchSnapshot() {
    return this.getSnapshot();
  }
  fetchPosition() {
    return this.getPosition();
  }
  fetchOpenOrders() {
    return this.getOpenOrders();
  }
  async placeOrder(r: OrderRequest): Promise<OrderAck> {
    this.placed.push(r);
    return { id: String(this.next++), status: 'open', filled: 0, remaining: r.size };
  }
  async cancelOrder(_m: string, id: string): Promise<OrderAck> {
    return { id, status: 'cancelled', filled: 0, remaining: 0 };
  }
  async cancelAllOrders() {
    this.cancelAlls++;
    return 0;
  }
  async amendOrder(_m: string, id: string): Promise<OrderAck> {
    return { id, status: 'open', filled: 0, remaining: 1 };
  }
  onFill(h: (f: FillEvent) => void) {
    this.fillHandlers.push(h);
  }
  onBook() {}
  onTrade() {}
  fill(orderId: string, side: 'buy' | 'sell', size: number) {
    for (const h of this.fillHandlers) h({ orderId, market: 'X', side, price: 100, size, fee: 0, liquidity: 'maker', timestamp: 0 });
  }
}

const limits: RiskLimits = { maxPosition: 1, maxLoss: 50, maxOrdersPerMinute: 5, staleDataSeconds: 2, priceBandBps: 100 };

function setup(overrides: Partial<{ mid: number; position: number; equity: number }> = {}, extraLimits: Partial<RiskLimits> = {}) {
  const world = { now: 1_000_000, mid: 100, position: 0, equity: 0, lastData: 1_000_000, ...overrides };
  const venue = new FakeVenue();
  const events: GuardEvent[] = [];
  const kills: string[] = [];
  const guard = new RiskGuard(
    venue,
    { ...limits, ...extraLimits },
    {
      now: () => world.now,
      mid: () => world.mid,
      position: () => world.position,
      equity: () => world.equity,
      lastMarketData: () => world.lastData,
    },
    (e) => events.push(e),
    (r) => kills.push(r),
  );
  return { world, venue, guard, events, kills };
}

const buy = (price: number, size = 0.1): OrderRequest => ({ market: 'X', side: 'buy', price, size, postOnly: true });
const sell = (price: number, size = 0.1): OrderRequest => ({ market: 'X', side: 'sell', price, size, postOnly: true });

describe('risk guard', () => {
  it('price band: an order more than priceBandBps from the mid is refused and never reaches the venue', async () => {
    const { guard, venue, events } = setup();
    expect((await guard.placeOrder(buy(99.1))).status).toBe('open'); // 90 bps
    const ack = await guard.placeOrder(buy(98.9)); // 110 bps
    expect(ack.status).toBe('rejected');
    expect(ack.reason).toMatch(/^risk guard: .*band of 100 bps/);
    expect(venue.placed).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['refused']);
  });

  it('no mid yet: orders are refused', async () => {
    const { guard } = setup({ mid: NaN });
    expect((await guard.placeOrder(buy(99.5))).reason).toMatch(/mid unknown/);
  });

  it('order rate: at most maxOrdersPerMinute in any rolling 60 s', async () => {
    const { guard, world, venue } = setup();
    for (let i = 0; i < 5; i++) {
      expect((await guard.placeOrder(i % 2 ? sell(100.5, 0.01) : buy(99.5, 0.01))).status).toBe('open');
      world.now += 1000;
    }
    expect((await guard.placeOrder(buy(99.5, 0.01))).reason).toMatch(/order rate: 5 orders/);
    world.now = 1_000_000 + 60_001; // the first order leaves the window
    expect((await guard.placeOrder(buy(99.5, 0.01))).status).toBe('open');
    expect(venue.placed).toHaveLength(6);
  });

  it('max position counts the position and our open orders on the same side; fills and cancels free the room', async () => {
    const { guard, world } = setup({ position: 0.5 });
    expect((await guard.placeOrder(buy(99.5, 0.3))).status).toBe('open'); // 0.5 + 0.3
    expect((await guard.placeOrder(buy(99.5, 0.3))).reason).toMatch(/beyond maxPosition 1/); // 0.5 + 0.3 + 0.3
    expect((await guard.placeOrder(sell(100.5, 1.5))).status).toBe('open'); // reduces: 0.5 − 1.5 = −1 … exactly the limit
    await guard.cancelAllOrders('X');
    world.position = 1;
    expect((await guard.placeOrder(buy(99.5, 0.01))).status).toBe('rejected');
    expect((await guard.placeOrder(sell(100.5, 0.5))).status).toBe('open');
  });

  it('an open order filled through the inner venue no longer counts as open exposure', async () => {
    const { guard, venue, world } = setup();
    const ack = await guard.placeOrder(buy(99.5, 0.6));
    expect((await guard.placeOrder(buy(99.5, 0.6))).status).toBe('rejected');
    venue.fill(ack.id, 'buy', 0.6);
    world.position = 0.6;
    expect((await guard.placeOrder(buy(99.5, 0.3))).status).toBe('open');
  });

  it('stale market data: cancel all and pause after staleDataSeconds; fresh data resumes', async () => {
    const { guard, world, venue, events } = setup();
    world.now += 1_500;
    await guard.check('X');
    expect(guard.paused).toBe(false);
    world.now += 1_000; // 2.5 s without data
    await guard.check('X');
    expect(guard.paused).toBe(true);
    expect(venue.cancelAlls).toBe(1);
    expect((await guard.placeOrder(buy(99.5))).reason).toMatch(/paused/);
    await guard.check('X');
    expect(guard.paused).toBe(true); // still stale: still paused
    expect(venue.cancelAlls).toBe(1); // once per pause
    world.lastData = world.now;
    await guard.check('X');
    expect(guard.paused).toBe(false);
    expect((await guard.placeOrder(buy(99.5))).status).toBe('open');
    expect(events.filter((e) => e.type !== 'refused').map((e) => e.type)).toEqual(['pause', 'resume']);
  });

  it('kill switch: equity at −maxLoss cancels all, halts every later order and calls onKill once', async () => {
    const { guard, world, venue, kills } = setup();
    world.equity = -49.99;
    await guard.check('X');
    expect(kills).toEqual([]);
    world.equity = -50;
    await guard.check('X');
    expect(kills).toHaveLength(1);
    expect(kills[0]).toMatch(/maxLoss 50/);
    expect(venue.cancelAlls).toBe(1);
    expect(guard.killed).toBe(true);
    expect((await guard.placeOrder(buy(99.5))).reason).toMatch(/kill switch/);
    await guard.check('X');
    expect(kills).toHaveLength(1);
  });

  it('a position beyond maxPosition (fills overshoot) cancels all once per breach', async () => {
    const { guard, world, venue, events } = setup();
    world.position = 1.2;
    await guard.check('X');
    expect(venue.cancelAlls).toBe(1); // at once
    await guard.check('X');
    expect(venue.cancelAlls).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['position-limit']);
    expect(events[0].reason).toBe('|position| 1.2 > maxPosition 1: cancel all');
    world.position = 1; // back within (exactly at the limit is within)
    await guard.check('X');
    world.position = -1.5; // a new breach cancels again
    await guard.check('X');
    expect(venue.cancelAlls).toBe(2);
  });

  it('halt refuses every order; idle() waits for calls in flight', async () => {
    const { guard } = setup();
    const pending = guard.placeOrder(buy(99.5));
    const idle = guard.idle(1_000);
    guard.halt('stopping');
    await pending;
    await idle;
    expect((await guard.placeOrder(buy(99.5))).reason).toMatch(/stopping/);
  });

  // ---- rules a plausible bug would break (issue 15, class 11): each test fails on its mutant ----

  it('the short side has its limit too: a sell that could take the position below −maxPosition is refused', async () => {
    const { guard, venue } = setup({ position: -0.5 });
    expect((await guard.placeOrder(sell(100.5, 0.6))).reason).toMatch(
      /sell 0\.6 with position -0\.5 .* could reach -1\.1, beyond maxPosition 1/,
    );
    expect((await guard.placeOrder(sell(100.5, 0.5))).status).toBe('open'); // −1: exactly the limit
    expect((await guard.placeOrder(sell(100.5, 0.01))).reason).toMatch(/beyond maxPosition/); // the open sell counts
    expect(venue.placed.map((o) => o.size)).toEqual([0.5]);
  });

  it('an order that reduces |position| passes even beyond maxPosition (after fills overshot it)', async () => {
    const { guard } = setup({ position: 1.2 });
    expect((await guard.placeOrder(sell(100.5, 0.1))).status).toBe('open'); // 1.2 → 1.1: still beyond, but less
    expect((await guard.placeOrder(buy(99.5, 0.01))).status).toBe('rejected'); // 1.21: further beyond
  });

  it('amends are checked like orders: price band, position, halt', async () => {
    const { guard, venue, world } = setup();
    const amended: unknown[] = [];
    venue.amendOrder = async (_m: string, id: string, change?: unknown) => {
      amended.push(change);
      return { id, status: 'open', filled: 0, remaining: 0.5 };
    };
    const ack = await guard.placeOrder(buy(99.5, 0.5));
    expect((await guard.amendOrder('X', ack.id, { price: 98.5 })).reason).toMatch(/^risk guard: price 98\.5 is 150\.0 bps from the mid/);
    expect((await guard.amendOrder('X', ack.id, { size: 1.2 })).reason).toMatch(/^risk guard: position: buy 0\.7/); // +0.7 on top of 0.5 open
    expect((await guard.amendOrder('X', ack.id, { price: 99.6 })).status).toBe('open');
    world.equity = -60;
    await guard.check('X');
    expect((await guard.amendOrder('X', ack.id, { price: 99.7 })).reason).toMatch(/kill switch/);
    expect(amended).toEqual([{ price: 99.6 }]);
  });

  it('the price band is for limit orders: a market order (which has no price of its own) passes it', async () => {
    const { guard, venue } = setup();
    expect((await guard.placeOrder({ market: 'X', side: 'sell', size: 0.1, type: 'market', price: 90 })).status).toBe('open');
    expect((await guard.placeOrder({ market: 'X', side: 'sell', size: 0.1, type: 'limit', price: 90 })).status).toBe('rejected');
    expect(venue.placed).toHaveLength(1);
  });

  it('idle() waits until the calls in flight settle (or the timeout), not less', async () => {
    const { guard, venue } = setup();
    let release!: () => void;
    venue.placeOrder = (r: OrderRequest) =>
      new Promise<OrderAck>((resolve) => (release = () => resolve({ id: '7', status: 'open', filled: 0, remaining: r.size })));
    const pending = guard.placeOrder(buy(99.5));
    let idled = false;
    const idle = guard.idle(60_000).then(() => (idled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(idled).toBe(false);
    release();
    await pending;
    await idle;
    expect(idled).toBe(true);
    // nothing in flight: at once
    let immediate = false;
    await guard.idle(60_000).then(() => (immediate = true));
    expect(immediate).toBe(true);
    // a call that never settles: idle gives up at its timeout
    venue.placeOrder = () => new Promise<OrderAck>(() => {});
    void guard.placeOrder(buy(99.5));
    const started = Date.now();
    await guard.idle(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  // ---- max loss as a drawdown from the peak, and flattening after the kill switch (issue 15, class 10) ----

  it('kill switch on a drawdown from the peak: gains do not make room for maxLoss more', async () => {
    const { guard, world, kills } = setup();
    world.equity = 60;
    await guard.check('X'); // the peak
    world.equity = 11;
    await guard.check('X'); // 49 below the peak: still running
    expect(kills).toEqual([]);
    world.equity = 10;
    await guard.check('X'); // 50 below the peak of 60, though still 10 above the start
    expect(kills).toHaveLength(1);
    expect(kills[0]).toMatch(/drawdown 50\.0+ from the peak equity 60\.0+ reached maxLoss 50/);
    expect(guard.killed).toBe(true);
  });

  it('flattenOnKill: after cancelling, one reduce-only market order closes the position', async () => {
    const { guard, world, venue, events } = setup({ position: 0.3 }, { flattenOnKill: true });
    world.equity = -50;
    await guard.check('X');
    expect(venue.cancelAlls).toBe(1);
    expect(venue.placed).toEqual([{ market: 'X', side: 'sell', size: 0.3, type: 'market', timeInForce: 'IOC', reduceOnly: true }]);
    expect(events.map((e) => e.type)).toEqual(['kill', 'flatten']);
    expect(events[1].reason).toMatch(/reduce-only sell 0\.3: open/);
    // a short position is bought back
    const short = setup({ position: -0.2 }, { flattenOnKill: true });
    short.world.equity = -51;
    await short.guard.check('X');
    expect(short.venue.placed).toEqual([expect.objectContaining({ side: 'buy', size: 0.2, reduceOnly: true })]);
  });

  it('flattenOnKill with no position places nothing; without flattenOnKill the position is left as it is', async () => {
    const flat = setup({ position: 0 }, { flattenOnKill: true });
    flat.world.equity = -50;
    await flat.guard.check('X');
    expect(flat.venue.placed).toEqual([]);
    expect(flat.events.map((e) => e.reason)).toContain('no position to close');
    const plain = setup({ position: 0.3, equity: -50 });
    await plain.guard.check('X');
    expect(plain.venue.placed).toEqual([]);
  });

  // ---- the rest of the guard's rules, at their edges ----

  it('edges: exactly priceBandBps from the mid, exactly staleDataSeconds without data, an order exactly 60 s old', async () => {
    const { guard, world, events } = setup();
    expect((await guard.placeOrder(buy(99))).status).toBe('open'); // exactly 100 bps: inside the band
    expect((await guard.placeOrder(sell(101))).status).toBe('open');
    world.now = 1_002_000; // exactly 2 s since the last data: not yet stale
    await guard.check('X');
    expect(guard.paused).toBe(false);
    world.now = 1_002_001;
    await guard.check('X');
    expect(events.map((e) => [e.type, e.reason])).toEqual([['pause', 'no market data for more than 2 s: cancel all, pause']]);
    world.lastData = world.now;
    await guard.check('X');
    expect(events.map((e) => [e.type, e.reason])[1]).toEqual(['resume', 'market data fresh again']);
    // the order rate window: an order sent exactly 60 s ago has left it
    const rate = setup();
    for (let i = 0; i < 5; i++) await rate.guard.placeOrder(buy(99.5, 0.01));
    expect((await rate.guard.placeOrder(buy(99.5, 0.01))).reason).toMatch(/order rate/);
    rate.world.now = 1_000_000 + 59_999;
    expect((await rate.guard.placeOrder(buy(99.5, 0.01))).reason).toMatch(/order rate: 5 orders in the last 60 s \(limit 5\)/);
    rate.world.now = 1_000_000 + 60_000;
    expect((await rate.guard.placeOrder(buy(99.5, 0.01))).status).toBe('open');
  });

  it('a refused order: the ack says why, the event carries the order, nothing is counted as open', async () => {
    const { guard, events } = setup({ mid: 100 });
    const order = buy(90);
    const ack = await guard.placeOrder(order);
    expect(ack).toEqual({
      id: '',
      status: 'rejected',
      filled: 0,
      remaining: 0.1,
      reason: expect.stringMatching(/^risk guard: price 90 is 1000\.0 bps from the mid 100, beyond the band of 100 bps$/),
    });
    expect(events).toEqual([{ type: 'refused', reason: expect.stringMatching(/^price 90/), order }]);
  });

  it('only orders left resting count as open exposure; fills and cancels take them off', async () => {
    const { guard, venue } = setup();
    // the venue fills the whole order at once: nothing rests
    venue.placeOrder = async (r) => ({ id: 'f', status: 'filled', filled: r.size, remaining: 0 });
    await guard.placeOrder(buy(99.5, 0.9));
    venue.placeOrder = async (r) => ({ id: String(Math.random()), status: 'open', filled: 0, remaining: r.size });
    expect((await guard.placeOrder(buy(99.5, 0.9))).status).toBe('open');
    // a partial fill leaves the rest counting; the last lot takes it off
    const resting = setup();
    const ack = await resting.guard.placeOrder(buy(99.5, 0.6));
    resting.venue.fill(ack.id, 'buy', 0.2);
    expect((await resting.guard.placeOrder(buy(99.5, 0.7))).status).toBe('rejected'); // 0.4 still open + 0.7
    resting.venue.fill(ack.id, 'buy', 0.4);
    expect((await resting.guard.placeOrder(buy(99.5, 0.7))).status).toBe('open');
    resting.venue.fill('unknown', 'buy', 0.1); // a fill of an order the guard never saw is ignored
    // cancel: the cancelled order frees its room; a refused cancel does not
    const cancels = setup();
    const a = await cancels.guard.placeOrder(buy(99.5, 0.9));
    cancels.venue.cancelOrder = async (_m, id) => ({ id, status: 'open', filled: 0, remaining: 0.9 });
    await cancels.guard.cancelOrder('X', a.id);
    expect((await cancels.guard.placeOrder(buy(99.5, 0.2))).status).toBe('rejected');
    cancels.venue.cancelOrder = async (_m, id) => ({ id, status: 'cancelled', filled: 0, remaining: 0 });
    await cancels.guard.cancelOrder('X', a.id);
    expect((await cancels.guard.placeOrder(buy(99.5, 0.2))).status).toBe('open');
  });

  it('amends: the resting size they leave is what counts; an unknown order is checked as a buy of the whole new size', async () => {
    const { guard, venue, events } = setup();
    venue.amendOrder = async (_m, id, change?: { size?: number }) => ({ id, status: 'open', filled: 0, remaining: change?.size ?? 0 });
    const ack = await guard.placeOrder(buy(99.5, 0.5));
    expect((await guard.amendOrder('X', ack.id, { size: 0.2 })).status).toBe('open');
    expect((await guard.placeOrder(buy(99.5, 0.8))).status).toBe('open'); // 0.2 + 0.8 = 1
    const unknown = await guard.amendOrder('X', 'nope', { size: 1.5, price: 100.5 });
    expect(unknown).toEqual({
      id: 'nope',
      status: 'rejected',
      filled: 0,
      remaining: 0,
      reason: expect.stringMatching(/^risk guard: position: buy 1\.5/),
    });
    expect(events.at(-1)).toEqual({
      type: 'refused',
      reason: expect.stringMatching(/^position: buy 1\.5/),
      order: { market: 'X', side: 'buy', size: 1.5, price: 100.5 },
    });
  });

  it('reads and hooks go straight to the venue', async () => {
    const { guard, venue } = setup();
    expect(await guard.getSnapshot('X', 1)).toEqual(await venue.getSnapshot());
    expect(await guard.getPosition('X')).toBe(0);
    expect(await guard.getOpenOrders('X')).toEqual([]);
    const fills: string[] = [];
    guard.onFill((f) => fills.push(f.orderId));
    venue.fill('z', 'sell', 1);
    expect(fills).toEqual(['z']);
    const hooks: string[] = [];
    venue.onBook = (...args: unknown[]) => void hooks.push(`book ${typeof args[0]}`);
    venue.onTrade = (...args: unknown[]) => void hooks.push(`trade ${typeof args[0]}`);
    guard.onBook(() => {});
    guard.onTrade(() => {});
    expect(hooks).toEqual(['book function', 'trade function']);
  });

  it('the kill message names a loss from the start, and a drawdown once equity had risen; halt is said once', async () => {
    const loss = setup();
    loss.world.equity = -50;
    await loss.guard.check('X');
    expect(loss.kills).toEqual(['loss 50.0000 reached maxLoss 50: cancel all, stop']);
    const { guard, events } = setup();
    guard.halt('stopping: signal');
    guard.halt('stopping again');
    expect(events).toEqual([{ type: 'halt', reason: 'stopping: signal' }]);
    expect((await guard.placeOrder(buy(99.5))).reason).toBe('risk guard: the run is stopping');
  });

  it('flatten: a failure to send is reported, not thrown; cancel-all failures likewise', async () => {
    const { guard, world, venue, events } = setup({ position: 0.3 }, { flattenOnKill: true });
    venue.cancelAllOrders = async () => {
      throw new Error('network down');
    };
    venue.placeOrder = async () => {
      throw new Error('exchange unreachable');
    };
    world.equity = -80;
    await guard.check('X');
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ['kill', 'loss 80.0000 reached maxLoss 50: cancel all, stop'],
      ['refused', 'cancel all failed: network down'],
      ['flatten', 'reduce-only sell 0.3 failed: exchange unreachable'],
    ]);
  });
});
