import { beforeAll, describe, expect, it } from 'vitest';
import type { OpenOrder, Side, Snapshot } from '../../src/strategy/api.ts';
import {
  itRunsFromTheCli,
  callsOf,
  replyTo,
  requoteCycles,
  runRecorded,
  ticksBetween,
  type Entry,
  type RecordedRun,
} from './run-example.ts';

/** One requote as the strategy saw it (book, its open orders, its position) and what it did next. */
interface Cycle {
  book: Snapshot;
  orders: OpenOrder[];
  position: number;
  entries: Entry[];
}

function completeCycles({ record }: RecordedRun): Cycle[] {
  return requoteCycles(record)
    .map((entries) => ({
      book: replyTo(entries, 'getSnapshot'),
      orders: replyTo(entries, 'getOpenOrders'),
      position: replyTo(entries, 'getPosition'),
      entries,
    }))
    .filter((cycle) => cycle.position !== undefined);
}

const SIDES: Side[] = ['buy', 'sell'];
const touch = (book: Snapshot, side: Side) => (side === 'buy' ? book.bestBid : book.bestAsk);
const amendCount = (run: RecordedRun) => run.record.filter((e) => e.kind === 'call' && e.method === 'amendOrder').length;

describe('examples/strategies/join-touch.ts', () => {
  let recorded: RecordedRun;
  let cycles: Cycle[];
  let tick: number;
  let p: { size: number; maxInventory: number; toleranceTicks: number };
  /** How much more the position can take on a side without passing maxInventory. */
  const room = (cycle: Cycle, side: Side) => (side === 'buy' ? p.maxInventory - cycle.position : p.maxInventory + cycle.position);

  beforeAll(async () => {
    recorded = await runRecorded('join-touch');
    cycles = completeCycles(recorded);
    tick = recorded.run.scenario.market!.tickSize;
    p = recorded.params as typeof p;
  });

  itRunsFromTheCli('join-touch', () => recorded);

  it("posts a side's order only when it has none there, post-only at the touch", () => {
    let posted = 0;
    for (const cycle of cycles) {
      for (const [request] of callsOf(cycle.entries, 'placeOrder')) {
        expect(cycle.orders.some((o) => o.side === request.side)).toBe(false);
        expect(request).toMatchObject({ price: touch(cycle.book, request.side), size: p.size, postOnly: true });
        posted++;
      }
    }
    expect(posted).toBeGreaterThan(10);
  });

  it('amends an order to the touch when it is toleranceTicks or more away, and otherwise leaves it where it is', () => {
    let amended = 0;
    let keptOffTouch = 0; // left 1 .. toleranceTicks-1 ticks away, keeping its queue position
    for (const cycle of cycles) {
      for (const order of cycle.orders) {
        if (room(cycle, order.side) < p.size) continue;
        const target = touch(cycle.book, order.side);
        const off = Math.abs(ticksBetween(order.price, target, tick));
        const amends = callsOf(cycle.entries, 'amendOrder').filter(([, id]) => id === order.id);
        if (off >= p.toleranceTicks) {
          expect(amends).toEqual([[cycle.book.market, order.id, { price: target }]]);
          amended++;
        } else {
          expect(amends).toEqual([]);
          if (off > 0) keptOffTouch++;
        }
      }
    }
    expect(amended).toBeGreaterThan(10);
    expect(keptOffTouch).toBeGreaterThan(10);
  });

  it('never quotes a side whose fill would take the position past maxInventory', () => {
    let refused = 0;
    for (const cycle of cycles) {
      for (const side of SIDES) {
        if (room(cycle, side) >= p.size - 1e-9) continue;
        refused++;
        expect(callsOf(cycle.entries, 'placeOrder').filter(([r]) => r.side === side)).toEqual([]);
        const resting = cycle.orders.filter((o) => o.side === side).map((o) => o.id);
        expect(callsOf(cycle.entries, 'cancelOrder').map(([, id]) => id)).toEqual(resting);
      }
    }
    expect(refused).toBeGreaterThan(0); // the run does reach its limit
    const maxLots = Math.round(p.maxInventory / recorded.run.scenario.market!.lotSize);
    for (const fill of recorded.run.result.fills) expect(Math.abs(fill.positionAfter)).toBeLessThanOrEqual(maxLots);
  });

  it("keeps one order a side, and its orders outlive a cancel-all loop's (one cycle each) many times over", () => {
    const cyclesListed = new Map<string, number>();
    for (const cycle of cycles) {
      for (const side of SIDES) expect(cycle.orders.filter((o) => o.side === side).length).toBeLessThanOrEqual(1);
      for (const order of cycle.orders) cyclesListed.set(order.id, (cyclesListed.get(order.id) ?? 0) + 1);
    }
    const lives = [...cyclesListed.values()];
    expect(lives.reduce((a, b) => a + b, 0) / lives.length).toBeGreaterThan(4);
    // At the venue: a new order only replaces one that was filled, rejected or cancelled.
    const { ordersSent, rejects, cancels, fills } = recorded.run.result;
    const filledUp = new Set(fills.filter((f) => f.remaining === 0).map((f) => f.orderId)).size;
    expect(ordersSent).toBeLessThanOrEqual(2 + filledUp + rejects + cancels);
  });

  it('amends far more often with toleranceTicks 1: the tolerance is what keeps queue priority', async () => {
    const eager = await runRecorded('join-touch', ['strategy.toleranceTicks=1']);
    expect(amendCount(eager)).toBeGreaterThan(2 * amendCount(recorded));
  });
});
