import { MarketUnits } from '../../../src/core/market.ts';
import { Rng } from '../../../src/core/rng.ts';
import type { MarketEvent, OpenMarketEvents } from '../../../src/core/events.ts';
import type { OpenedData } from '../../../src/data/source.ts';
import type { BacktestResult } from '../../../src/sim/backtest.ts';
import { runBacktest } from '../../sim/run-backtest.ts';
import { openMarketData } from '../../../src/sim/assemble.ts';
import { parseScenario, type Scenario } from '../../../src/sim/scenario.ts';
import type { Strategy } from '../../../src/strategy/api.ts';
import { feeSchedule } from '../../../src/venue/fees.ts';
import { createLatencyModel, createQueueModel } from '../../../src/venue/models.ts';



/** Every event of one open, copied (sources may reuse their event objects). */
export function collect(open: OpenMarketEvents, limit = Infinity): MarketEvent[] {
  const source = open();
  const events: MarketEvent[] = [];
  for (let e = source.next(); e && events.length < limit; e = source.next()) events.push(structuredClone(e));
  return events;
}

export async function openScenarioData(scenario: Scenario): Promise<{ units: MarketUnits; data: OpenedData }> {
  const units = new MarketUnits(scenario.market!);
  const data = await openMarketData(scenario, 0, units, '.');
  return { units, data };
}

/** Runs a raw scenario's market with a strategy written in the test, zero latency, no fees. */
export async function backtestWith(raw: unknown, strategy: Strategy): Promise<{ units: MarketUnits; result: BacktestResult; scenario: Scenario }> {
  const scenario = parseScenario(raw, 'test');
  const { units, data } = await openScenarioData(scenario);
  const result = await runBacktest({
    units,
    fees: feeSchedule(0, 0),
    openEvents: data.open,
    openVenueEvents: data.openVenue,
    startTs: data.startTs,
    endTs: data.endTs,
    queue: createQueueModel(scenario.venue.queue),
    latency: createLatencyModel({ model: 'constant', entryMs: 0, responseMs: 0 }, new Rng('latency')),
    strategy,
  });
  return { units, result, scenario };
}

/** Mean markout of fills at `horizonUs`, in ticks: (price − mid later) for our sells, (mid later − price) for buys. */
export function realizedSpreadTicks(result: BacktestResult, horizonUs: number): { mean: number; count: number } {
  const { midPath, fills, endTs } = result;
  let sum = 0;
  let lots = 0;
  for (const fill of fills) {
    const at = fill.exchTs + horizonUs;
    if (at > endTs) continue;
    const index = midPath.indexAt(at);
    if (index < 0) continue;
    const mid = midPath.values[0][index] / 2;
    const sign = fill.side === 'sell' ? 1 : -1;
    sum += sign * (fill.price - mid) * fill.size;
    lots += fill.size;
  }
  return { mean: lots > 0 ? sum / lots : NaN, count: lots };
}

export function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function sd(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
}
