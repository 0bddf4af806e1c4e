import type { MarketUnits } from '../core/market.ts';
import { Rng } from '../core/rng.ts';
import { warn } from '../core/warnings.ts';
import { CorruptCacheError } from '../data/corrupt-cache.ts';
import { resolveStrategy, type ResolvedStrategy, type StrategyModule } from '../strategy/resolve.ts';
import { checkSampleCount, commonSpan, marketSetups, openMarketData, tradingWindow, type MarketData } from './assemble.ts';
import { runPortfolio, type BacktestResult } from './backtest.ts';
import { OrderLog, type OrderRecord } from './order-log.ts';
import { marketInfo, type MarketConfig, type Scenario } from './scenario.ts';

/** One market of a finished run: its scenario entry, units, record and order log. */
export interface MarketRun {
  market: MarketConfig;
  units: MarketUnits;
  result: BacktestResult;
  /** Every order the strategy sent to this market, in sending order. */
  orders: readonly OrderRecord[];
  /** This market's data files, with their SHA-256 (empty for synthetic data). */
  dataFiles: { path: string; sha256: string }[];
}

/**
 * Everything a finished scenario run produced, with the units needed to print it. `units`, `result` and
 * `orders` are the first (quoted) market's — the one market of a one-market scenario; `markets` has every
 * market.
 */
export interface ScenarioRun {
  scenario: Scenario;
  units: MarketUnits;
  result: BacktestResult;
  /** Every order the strategy sent to the first market, in sending order (the order log). */
  orders: readonly OrderRecord[];
  /** Data files read (every market's), with their SHA-256 (empty for synthetic data). */
  dataFiles: { path: string; sha256: string }[];
  /** The user's strategy module, when the scenario names one. */
  strategyModule: StrategyModule | null;
  /** Every market, in scenario order. */
  markets: MarketRun[];
  /** The market index of every fill, in the order the venues booked them (across markets). */
  fillOrder: number[];
}

/**
 * Builds the markets, data, venue models and strategy a scenario describes, and runs it. A run whose data
 * turns out corrupt as it is read (a streamed replay's cache entry, checked as read: data/cache.ts) is
 * thrown away and made once more from scratch, after a warning, with the entry made again; the run's data
 * check completes (OpenedData.verify) before the run is returned, so nothing is written from a run over
 * data that fails it.
 */
export async function runScenario(given: Scenario, baseDir: string, onProgress?: (fraction: number) => void): Promise<ScenarioRun> {
  const strategy = await resolveStrategy(given.strategy, baseDir, given.name);
  try {
    return await runResolved(given, strategy, baseDir, onProgress);
  } catch (error) {
    if (!(error instanceof CorruptCacheError)) throw error;
    warn(
      `the data cache entry ${error.path} is corrupt (it fails its checksum): decoding the data again and rewriting it, and running again`,
    );
    return runResolved(given, strategy, baseDir, onProgress);
  }
}

async function runResolved(
  given: Scenario,
  strategy: ResolvedStrategy,
  baseDir: string,
  onProgress?: (fraction: number) => void,
): Promise<ScenarioRun> {
  const scenario: Scenario = { ...given, strategy: strategy.config };
  const setups = marketSetups(scenario, new Rng(String(scenario.seed)), baseDir);
  const data: MarketData[] = [];
  for (const [i, setup] of setups.entries()) data.push(await openMarketData(scenario, i, setup.units, baseDir));
  const { startTs, endTs } = tradingWindow(scenario, commonSpan(scenario, data));
  checkSampleCount(scenario, endTs - startTs);
  const orderLogs = setups.map(() => new OrderLog());
  const { markets, fillOrder } = await runPortfolio({
    markets: setups.map(({ market, ...venue }, i) => ({
      ...venue,
      info: marketInfo(market),
      openEvents: data[i].open,
      openVenueEvents: data[i].openVenue,
      orderLog: orderLogs[i],
      funding: data[i].funding,
    })),
    startTs,
    endTs,
    strategy: strategy.create(),
    onProgress,
  });
  for (const opened of data) opened.verify?.();
  const runs: MarketRun[] = setups.map(({ market, units }, i) => ({
    market,
    units,
    result: markets[i],
    orders: orderLogs[i].records(),
    dataFiles: data[i].files,
  }));
  return {
    scenario,
    units: runs[0].units,
    result: runs[0].result,
    orders: runs[0].orders,
    dataFiles: runs.flatMap((m) => m.dataFiles),
    strategyModule: strategy.module,
    markets: runs,
    fillOrder,
  };
}
