import { MarketUnits } from '../core/market.ts';
import { Rng } from '../core/rng.ts';
import { US_PER_MS } from '../core/units.ts';
import { DATA_SOURCES, dataSourceKey, type OpenedData } from '../data/sources.ts';
import type { Strategy } from '../strategy/api.ts';
import { STRATEGIES } from '../strategy/registry.ts';
import { feeSchedule } from '../venue/fees.ts';
import { createLatencyModel, type LatencyConfig } from '../venue/latency.ts';
import { createQueueModel } from '../venue/queue.ts';
import { runBacktest, type BacktestResult } from './backtest.ts';
import type { Scenario } from './scenario.ts';

/** Everything a finished scenario run produced, with the units needed to print it. */
export interface ScenarioRun {
  scenario: Scenario;
  units: MarketUnits;
  result: BacktestResult;
  /** Data files read, with their SHA-256 (empty for synthetic data). */
  dataFiles: { path: string; sha256: string }[];
}

/** Builds the market, data, venue models and strategy a scenario describes, and runs it. */
export async function runScenario(scenario: Scenario, baseDir: string, onProgress?: (fraction: number) => void): Promise<ScenarioRun> {
  const units = new MarketUnits(scenario.market);
  const rng = new Rng(String(scenario.seed));
  const data = await openData(scenario, units, baseDir);
  const { startTs, endTs } = data;
  const result = await runBacktest({
    units,
    fees: feeSchedule(scenario.market.makerFeeBps, scenario.market.takerFeeBps),
    openEvents: data.open,
    startTs,
    endTs,
    queue: createQueueModel(scenario.venue.queue),
    latency: createLatencyModel(latencyInMicros(scenario.venue.latency), rng.fork('latency')),
    strategy: createStrategy(scenario.strategy),
    onProgress,
  });
  return { scenario, units, result, dataFiles: data.files };
}

function openData(scenario: Scenario, units: MarketUnits, baseDir: string): Promise<OpenedData> | OpenedData {
  const { data } = scenario;
  return DATA_SOURCES[dataSourceKey(data)].open(data as never, {
    units,
    seed: scenario.seed,
    durationSeconds: scenario.durationSeconds,
    baseDir,
  });
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

export function createStrategy(config: Scenario['strategy']): Strategy {
  const { name, ...params } = config;
  return STRATEGIES[name].create(params as never);
}
