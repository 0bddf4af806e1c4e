import { isoMicros } from '../core/units.ts';
import { MarketUnits } from '../core/market.ts';
import { Rng } from '../core/rng.ts';
import { US_PER_MS, US_PER_SECOND } from '../core/units.ts';
import { SpreadlabError } from '../core/errors.ts';
import { DATA_SOURCES } from '../data/sources.ts';
import { findDataSource, type OpenedData } from '../data/source.ts';
import { resolveStrategy, type StrategyModule } from '../strategy/resolve.ts';
import { feeSchedule } from '../venue/fees.ts';
import { createLatencyModel, createQueueModel } from '../venue/models.ts';
import { runBacktest, type BacktestResult } from './backtest.ts';
import type { Scenario } from './scenario.ts';

/** Everything a finished scenario run produced, with the units needed to print it. */
export interface ScenarioRun {
  scenario: Scenario;
  units: MarketUnits;
  result: BacktestResult;
  /** Data files read, with their SHA-256 (empty for synthetic data). */
  dataFiles: { path: string; sha256: string }[];
  /** The user's strategy module, when the scenario names one. */
  strategyModule: StrategyModule | null;
}

/** Builds the market, data, venue models and strategy a scenario describes, and runs it. */
export async function runScenario(given: Scenario, baseDir: string, onProgress?: (fraction: number) => void): Promise<ScenarioRun> {
  const strategy = await resolveStrategy(given.strategy, baseDir, given.name);
  const scenario: Scenario = { ...given, strategy: strategy.config };
  const units = new MarketUnits(scenario.market);
  const rng = new Rng(String(scenario.seed));
  const data = await openData(scenario, units, baseDir);
  const { startTs, endTs } = tradingWindow(scenario, data);
  checkSampleCount(scenario, endTs - startTs);
  const result = await runBacktest({
    units,
    fees: feeSchedule(scenario.market.makerFeeBps, scenario.market.takerFeeBps),
    openEvents: data.open,
    startTs,
    endTs,
    queue: createQueueModel(scenario.venue.queue),
    latency: createLatencyModel(scenario.venue.latency, rng.fork('latency')),
    strategy: strategy.create(),
    onProgress,
  });
  return { scenario, units, result, dataFiles: data.files, strategyModule: strategy.module };
}

/**
 * The period the strategy trades: the data's span, narrowed by `window.from` / `window.to` when given (an
 * ISO time, or an offset from the data's start such as "90s", "30m", "2h"). Market events before the
 * window still build the venue's book; the strategy starts at the window's start.
 */
export function tradingWindow(scenario: Scenario, data: { startTs: number; endTs: number }): { startTs: number; endTs: number } {
  const at = (spec: string | undefined, fallback: number): number => (spec === undefined ? fallback : parseWindowTime(spec, data.startTs));
  const startTs = Math.max(data.startTs, at(scenario.window?.from, data.startTs));
  const endTs = Math.min(data.endTs, at(scenario.window?.to, data.endTs));
  if (!(endTs > startTs)) {
    throw new SpreadlabError(
      `window: ${scenario.window?.from ?? 'start'}..${scenario.window?.to ?? 'end'} leaves no time inside the data (${isoMicros(data.startTs)} to ${isoMicros(data.endTs)})`,
    );
  }
  return { startTs, endTs };
}

/** The most samples timeseries.csv may hold (about 100 bytes each in memory, more on disk). */
export const MAX_SAMPLES = 10_000_000;

/** Refuses, before the run, a sampling interval that would give more than MAX_SAMPLES samples over the period. */
function checkSampleCount(scenario: Scenario, spanUs: number): void {
  for (const key of ['sampleSeconds', 'riskIntervalSeconds'] as const) {
    const seconds = scenario.analytics[key];
    const samples = spanUs / (seconds * US_PER_SECOND);
    if (samples > MAX_SAMPLES) {
      throw new SpreadlabError(
        `analytics.${key} ${seconds}: ${Math.ceil(samples)} samples over the run's ${(spanUs / US_PER_SECOND).toFixed(0)} s; at most ${MAX_SAMPLES} (sample less often)`,
      );
    }
  }
}

const OFFSET_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

function parseWindowTime(spec: string, dataStart: number): number {
  const offset = /^(\d+(?:\.\d+)?)([smhd])$/.exec(spec);
  if (offset) return dataStart + Math.round(Number(offset[1]) * OFFSET_UNITS[offset[2]] * US_PER_SECOND);
  const ms = Date.parse(spec);
  if (Number.isNaN(ms)) throw new SpreadlabError(`window: "${spec}" is neither an ISO time nor an offset such as "90s", "30m", "2h"`);
  return ms * US_PER_MS;
}

/** The time span of a scenario's data (opening it, as a run would). */
export async function dataSpan(scenario: Scenario, baseDir: string): Promise<{ startTs: number; endTs: number }> {
  const { startTs, endTs } = await openData(scenario, new MarketUnits(scenario.market), baseDir);
  return { startTs, endTs };
}

/** Opens the data source a scenario names (paths relative to `baseDir`). */
export function openData(scenario: Scenario, units: MarketUnits, baseDir: string): Promise<OpenedData> | OpenedData {
  const { data } = scenario;
  return findDataSource(DATA_SOURCES, data).open(data, {
    units,
    seed: scenario.seed,
    durationSeconds: scenario.durationSeconds,
    baseDir,
  });
}
