import type { MarketUnits } from '../core/market.ts';
import { Rng } from '../core/rng.ts';
import { resolveStrategy, type StrategyModule } from '../strategy/resolve.ts';
import { checkSampleCount, openData, tradingWindow, venueSetup } from './assemble.ts';
import { runBacktest, type BacktestResult } from './backtest.ts';
import { OrderLog, type OrderRecord } from './order-log.ts';
import type { Scenario } from './scenario.ts';

/** Everything a finished scenario run produced, with the units needed to print it. */
export interface ScenarioRun {
  scenario: Scenario;
  units: MarketUnits;
  result: BacktestResult;
  /** Every order the strategy sent, in sending order (the order log). */
  orders: readonly OrderRecord[];
  /** Data files read, with their SHA-256 (empty for synthetic data). */
  dataFiles: { path: string; sha256: string }[];
  /** The user's strategy module, when the scenario names one. */
  strategyModule: StrategyModule | null;
}

/** Builds the market, data, venue models and strategy a scenario describes, and runs it. */
export async function runScenario(given: Scenario, baseDir: string, onProgress?: (fraction: number) => void): Promise<ScenarioRun> {
  const strategy = await resolveStrategy(given.strategy, baseDir, given.name);
  const scenario: Scenario = { ...given, strategy: strategy.config };
  const venue = venueSetup(scenario, new Rng(String(scenario.seed)).fork('latency'), baseDir);
  const { units } = venue;
  const data = await openData(scenario, units, baseDir);
  const { startTs, endTs } = tradingWindow(scenario, data);
  checkSampleCount(scenario, endTs - startTs);
  const orderLog = new OrderLog();
  const result = await runBacktest({
    ...venue,
    openEvents: data.open,
    openVenueEvents: data.openVenue,
    startTs,
    endTs,
    strategy: strategy.create(),
    orderLog,
    onProgress,
  });
  return { scenario, units, result, orders: orderLog.records(), dataFiles: data.files, strategyModule: strategy.module };
}
