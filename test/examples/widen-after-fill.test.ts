import { beforeAll, describe, expect, it } from 'vitest';
import { roundToTick } from '../../src/strategy/seed.ts';
import { itRunsFromTheCli, callsOf, requoteCycles, runRecorded, type Entry, type RecordedRun } from './run-example.ts';

/** A notice that should widen the quotes: one of our fills, or the print that takes a market order's size to bigTradeSize. */
interface Sign {
  index: number;
  at: number;
  cause: 'fill' | 'trade';
}

function signs(record: Entry[], bigTradeSize: number): Sign[] {
  const found: Sign[] = [];
  let order = { timestamp: NaN, takerSide: '', size: 0 }; // the market order whose prints are being seen
  record.forEach((entry, index) => {
    if (entry.kind !== 'notice') return;
    if (entry.method === 'onFill') found.push({ index, at: entry.at, cause: 'fill' });
    if (entry.method === 'onTrade') {
      const { timestamp, takerSide, size } = entry.data;
      const same = timestamp === order.timestamp && takerSide === order.takerSide;
      order = { timestamp, takerSide, size: same ? order.size + size : size };
      if (order.size >= bigTradeSize) found.push({ index, at: entry.at, cause: 'trade' });
    }
  });
  return found;
}

describe('examples/strategies/widen-after-fill.ts', () => {
  let recorded: RecordedRun;
  let p: { size: number; halfSpreadTicks: number; widenTicks: number; widenMs: number; bigTradeSize: number };
  let tick: number;
  let allSigns: Sign[];
  /** The signs noticed before record entry `index` and less than widenMs before its time. */
  const signsInForce = (index: number) => allSigns.filter((s) => s.index < index && record()[index].at < s.at + p.widenMs);
  const record = () => recorded.record;

  beforeAll(async () => {
    recorded = await runRecorded('widen-after-fill');
    p = recorded.params as typeof p;
    tick = recorded.run.scenario.market!.tickSize;
    allSigns = signs(recorded.record, p.bigTradeSize);
  });

  itRunsFromTheCli('widen-after-fill', () => recorded);

  it('quotes halfSpreadTicks around the mid, and widenTicks more while a fill or big market order is less than widenMs old', () => {
    const cycles = { narrow: 0, wide: 0, wideForFillsOnly: 0, wideForTradesOnly: 0 };
    for (const cycle of requoteCycles(record())) {
      const snapshot = cycle.find((e) => e.kind === 'reply' && e.method === 'getSnapshot');
      const orders = callsOf(cycle, 'placeOrder').map(([request]) => request);
      if (!snapshot || orders.length < 2) continue; // the run ended first
      const inForce = signsInForce(record().indexOf(snapshot));
      const half = (p.halfSpreadTicks + (inForce.length > 0 ? p.widenTicks : 0)) * tick;
      const { mid, market } = snapshot.data;
      expect(orders).toEqual([
        { market, side: 'buy', size: p.size, price: roundToTick(mid - half, tick), postOnly: true },
        { market, side: 'sell', size: p.size, price: roundToTick(mid + half, tick), postOnly: true },
      ]);
      if (inForce.length === 0) cycles.narrow++;
      else cycles.wide++;
      if (inForce.length > 0 && inForce.every((s) => s.cause === 'fill')) cycles.wideForFillsOnly++;
      if (inForce.length > 0 && inForce.every((s) => s.cause === 'trade')) cycles.wideForTradesOnly++;
    }
    expect(cycles.narrow).toBeGreaterThan(50);
    expect(cycles.wideForFillsOnly).toBeGreaterThan(20);
    expect(cycles.wideForTradesOnly).toBeGreaterThan(5);
  });

  it('pulls its quotes the moment a widening starts (a sign with none in force), and only then', () => {
    const starts = allSigns.filter((s) => signsInForce(s.index).length === 0);
    for (const sign of starts) expect(record()[sign.index + 1]).toMatchObject({ at: sign.at, kind: 'call', method: 'cancelAllOrders' });
    const cancelAlls = record().filter((e) => e.kind === 'call' && e.method === 'cancelAllOrders').length;
    const cycles = record().filter((e) => e.kind === 'call' && e.method === 'getSnapshot').length;
    expect(starts.length).toBeGreaterThan(20);
    expect(cancelAlls).toBe(cycles + starts.length); // one a requote, one a widening
  });
});
