import { MarketUnits } from '../core/market.ts';
import { Rng } from '../core/rng.ts';
import { US_PER_MS, US_PER_SECOND } from '../core/units.ts';
import type { OpenMarketEvents } from '../data/events.ts';
import { openRandomWalk } from '../data/synthetic/random-walk.ts';
import type { Strategy } from '../strategy/api.ts';
import { fixedSpread, inventorySkew } from '../strategy/seed.ts';
import { feeSchedule } from '../venue/fees.ts';
import { createLatencyModel, type LatencyConfig } from '../venue/latency.ts';
import { createQueueModel } from '../venue/queue.ts';
import { runBacktest, type BacktestResult } from './backtest.ts';
import type { Scenario, StrategyConfig } from './scenario.ts';

/** Everything a finished scenario run produced, with the units needed to print it. */
export interface ScenarioRun {
  scenario: Scenario;
  units: MarketUnits;
  result: BacktestResult;
  /** Data files read, with their SHA-256 (empty for synthetic data). */
  dataFiles: { path: string; sha256: string }[];
}

/** Builds the market, data, venue models and strategy a scenario describes, and runs it. */
export async function runScenario(scenario: Scenario, onProgress?: (fraction: number) => void): Promise<ScenarioRun> {
  const units = new MarketUnits(scenario.market);
  const rng = new Rng(String(scenario.seed));
  const startTs = Date.parse(scenario.data.start) * US_PER_MS;
  const endTs = startTs + Math.round(scenario.durationSeconds * US_PER_SECOND);
  const result = await runBacktest({
    units,
    fees: feeSchedule(scenario.market.makerFeeBps, scenario.market.takerFeeBps),
    openEvents: openData(scenario, units, startTs, endTs),
    startTs,
    endTs,
    queue: createQueueModel(scenario.venue.queue),
    latency: createLatencyModel(latencyInMicros(scenario.venue.latency), rng.fork('latency')),
    strategy: createStrategy(scenario.strategy),
    onProgress,
  });
  return { scenario, units, result, dataFiles: [] };
}

function openData(scenario: Scenario, units: MarketUnits, startTs: number, endTs: number): OpenMarketEvents {
  const data = scenario.data;
  const seed = String(scenario.seed);
  return openRandomWalk(
    {
      startMid: units.roundToTick(data.startPrice),
      volatilityTicks: data.volatility / units.spec.tickSize,
      spreadTicks: data.spreadTicks,
      levels: data.levels,
      levelSize: data.levelSize / units.spec.lotSize,
      churn: data.churn,
      tradesPerSecond: data.tradesPerSecond,
      tradeSize: data.tradeSize / units.spec.lotSize,
      refreshMs: data.refreshMs,
      feedLatencyUs: Math.round(data.feedLatencyMs * US_PER_MS),
      startTs,
      endTs,
    },
    () => new Rng(seed).fork('market'),
  );
}

function latencyInMicros(config: Scenario['venue']['latency']): LatencyConfig {
  if (config.model === 'constant') {
    return { model: 'constant', entryUs: Math.round(config.entryMs * US_PER_MS), responseUs: Math.round(config.responseMs * US_PER_MS) };
  }
  return {
    model: 'lognormal',
    entryMedianUs: config.entryMedianMs * US_PER_MS,
    responseMedianUs: config.responseMedianMs * US_PER_MS,
    sigma: config.sigma,
  };
}

export function createStrategy(config: StrategyConfig): Strategy {
  switch (config.name) {
    case 'fixed-spread':
      return fixedSpread(config);
    case 'inventory-skew':
      return inventorySkew(config);
  }
}
