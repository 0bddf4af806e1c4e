import { beforeAll, describe, expect, it } from 'vitest';
import type { OrderAck, OrderRequest, Side, Snapshot } from '../../src/strategy/api.ts';
import { itRunsFromTheCli, replyTo, requoteCycles, runRecorded, ticksBetween, type RecordedRun } from './run-example.ts';

/** One requote: what the strategy saw, the orders it sent (with their acks) and when. */
interface Cycle {
  book: Snapshot;
  position: number;
  cancelledAt: number;
  orders: { request: OrderRequest; at: number; ack: OrderAck | undefined }[];
}

function completeCycles({ record }: RecordedRun): Cycle[] {
  const cycles: Cycle[] = [];
  for (const entries of requoteCycles(record)) {
    const cancelled = entries.find((e) => e.kind === 'reply' && e.method === 'cancelAllOrders');
    if (!cancelled) continue;
    const orders = entries
      .filter((e) => e.kind === 'call' && e.method === 'placeOrder')
      .map((call) => ({ request: call.data[0], at: call.at, ack: entries.find((e) => e.call === record.indexOf(call))?.data }));
    cycles.push({ book: replyTo(entries, 'getSnapshot'), position: replyTo(entries, 'getPosition'), cancelledAt: cancelled.at, orders });
  }
  return cycles;
}

const SIDES: Side[] = ['buy', 'sell'];

describe('examples/strategies/ladder.ts', () => {
  let recorded: RecordedRun;
  let cycles: Cycle[];
  let tick: number;
  let p: { size: number; maxInventory: number; levels: number; offsetTicks: number; stepTicks: number };
  /** Ticks from the touch the strategy saw to an order's price, away from the market (≥ 0 behind it). */
  const depth = (book: Snapshot, { side, price }: OrderRequest) =>
    side === 'buy' ? ticksBetween(price!, book.bestBid, tick) : ticksBetween(book.bestAsk, price!, tick);

  beforeAll(async () => {
    recorded = await runRecorded('ladder');
    cycles = completeCycles(recorded);
    tick = recorded.run.scenario.market!.tickSize;
    p = recorded.params as typeof p;
  });

  itRunsFromTheCli('ladder', () => recorded);

  it('sends a whole ladder a side at once after cancelling: levels orders, offsetTicks + i·stepTicks behind the touch', () => {
    const ladder = Array.from({ length: p.levels }, (_, i) => p.offsetTicks + i * p.stepTicks);
    for (const cycle of cycles) {
      for (const order of cycle.orders) {
        expect(order.at).toBe(cycle.cancelledAt);
        expect(order.request).toMatchObject({ size: p.size, postOnly: true });
      }
      for (const side of SIDES) {
        const depths = cycle.orders.filter((o) => o.request.side === side).map((o) => depth(cycle.book, o.request));
        if (depths.length > 0) expect(depths).toEqual(ladder);
      }
    }
  });

  it('quotes a side only while the position is short of maxInventory in its direction', () => {
    const skipped = { buy: 0, sell: 0 };
    for (const cycle of cycles) {
      for (const side of SIDES) {
        const quoted = cycle.orders.some((o) => o.request.side === side);
        const allowed = side === 'buy' ? cycle.position < p.maxInventory : cycle.position > -p.maxInventory;
        expect(quoted).toBe(allowed);
        if (!allowed) skipped[side]++;
      }
    }
    expect(skipped.buy + skipped.sell).toBeGreaterThan(0); // the run does reach its limit
    const limitLots = Math.round((p.maxInventory + p.levels * p.size) / recorded.run.scenario.market!.lotSize);
    for (const fill of recorded.run.result.fills) expect(Math.abs(fill.positionAfter)).toBeLessThan(limitLots);
  });

  it('rests its ladder: nearly every order is accepted, and each cancel-all finds at most one ladder left', () => {
    const acks = cycles.flatMap((c) => c.orders.map((o) => o.ack)).filter((ack) => ack !== undefined);
    expect(acks.filter((ack) => ack.status === 'open').length / acks.length).toBeGreaterThan(0.9);
    const cancelled = recorded.record.filter((e) => e.kind === 'reply' && e.method === 'cancelAllOrders').map((e) => e.data as number);
    expect(Math.max(...cancelled)).toBeLessThanOrEqual(2 * p.levels);
    expect(cancelled.filter((count) => count > p.levels).length).toBeGreaterThan(10); // both sides' ladders were resting
  });

  it('is filled at every level of both sides, the deeper the fewer', () => {
    const levelOf = new Map<string, number>();
    for (const cycle of cycles) {
      for (const order of cycle.orders)
        if (order.ack) levelOf.set(order.ack.id, (depth(cycle.book, order.request) - p.offsetTicks) / p.stepTicks);
    }
    for (const side of SIDES) {
      const fillsPerLevel = Array.from({ length: p.levels }, () => 0);
      for (const fill of recorded.run.result.fills) if (fill.side === side) fillsPerLevel[levelOf.get(fill.orderId)!]++;
      expect(fillsPerLevel[p.levels - 1]).toBeGreaterThan(0);
      for (let level = 1; level < p.levels; level++) expect(fillsPerLevel[level]).toBeLessThan(fillsPerLevel[level - 1]);
    }
  });
});
