import { analyzePortfolio, type PortfolioSummary } from '../analytics/portfolio.ts';
import { analyzeRun, horizonLabel, type Summary } from '../analytics/summary.ts';
import { SpreadlabError } from '../core/errors.ts';
import { runScenario, type ScenarioRun } from '../sim/run-scenario.ts';
import { applyOverride, isMultiMarket, parseScenario, scenarioMarkets, type Scenario } from '../sim/scenario.ts';
import { flatten } from './flatten.ts';
import type { PlannedRun } from './grid.ts';

/** What a sweep needs to rebuild any of its runs, in any process. */
export interface SweepBase {
  /** The scenario file's JSON, before overrides. */
  raw: unknown;
  /** Where the scenario file lives (its name for messages, its folder for relative data paths). */
  file: string;
  baseDir: string;
  /** `--set` overrides, applied before the run's own parameters. */
  overrides: string[];
  /**
   * Several markets: the market (its id) whose figures a row holds under the one-market column names
   * (`--market`); undefined: the quoted (first) market.
   */
  market?: string;
}

/** The scenario of one run: the base, its overrides, then the run's parameters and seed. */
export function scenarioForRun(base: SweepBase, params: Record<string, unknown>, seed: number): Scenario {
  const raw = structuredClone(base.raw);
  for (const override of base.overrides) applyOverride(raw, override);
  for (const [path, value] of Object.entries(params)) applyOverride(raw, `${path}=${JSON.stringify(value)}`);
  applyOverride(raw, `seed=${seed}`);
  return parseScenario(raw, base.file);
}

/** The main markout horizon's label ("30s") of the base scenario with its overrides, as its summaries name it. */
export function mainHorizonOf(base: SweepBase): string {
  return horizonLabel(scenarioForRun(base, {}, 1).analytics.mainHorizonSeconds);
}

/** Refuses a `--market` that is not one of the scenario's market ids. */
export function checkFiguresMarket(scenario: Scenario, market: string | undefined): void {
  const ids = scenarioMarkets(scenario).map((m) => m.id);
  if (market !== undefined && !ids.includes(market))
    throw new SpreadlabError(`--market ${market}: not a market of ${scenario.name} (its markets: ${ids.join(', ')})`);
}

/**
 * Runs one planned run and returns its row: run, config, seed, the parameters under their dotted paths,
 * then every summary figure flattened (runFigures).
 */
export async function runOne(base: SweepBase, run: PlannedRun): Promise<[string, unknown][]> {
  const scenario = scenarioForRun(base, run.params, run.seed);
  const figures = runFigures(await runScenario(scenario, base.baseDir), base.market);
  const row: [string, unknown][] = [['run', run.index], ['config', run.config], ['seed', run.seed], ...Object.entries(run.params)];
  const taken = new Set(row.map(([k]) => k));
  for (const [key, value] of figures) if (!taken.has(key)) row.push([key, value]);
  return row;
}

/**
 * A run's figures as result columns. One market: its summary (summaryFigures). Several markets: the chosen
 * market's summary under the same names (portfolioFigures), then the portfolio's figures under `portfolio.`.
 */
export function runFigures(run: ScenarioRun, market?: string): [string, unknown][] {
  return isMultiMarket(run.scenario) ? portfolioFigures(analyzePortfolio(run).summary, market) : summaryFigures(analyzeRun(run).summary);
}

/**
 * A several-market run's figures: the market `market`'s (default the quoted one's) one-market summary
 * flattened as summaryFigures flattens it (`pnl.total`, `realizedSpreadBps.30s`, `fills.count`, …: that
 * market's alone), then the portfolio summary's own figures under `portfolio.` (not its per-market part, nor
 * the scenario, seed, period and horizon the market's columns already give)
 * (`portfolio.pnl.total`, `portfolio.attribution.hedgeCost`, `portfolio.pnlByMarket.perp`,
 * `portfolio.netDelta.meanAbs`, `portfolio.hedge.slippageBps.mean`, …).
 */
export function portfolioFigures(summary: PortfolioSummary, market: string = summary.quotedMarket): [string, unknown][] {
  const chosen = summary.markets[market];
  if (!chosen)
    throw new SpreadlabError(
      `--market ${market}: not a market of ${summary.scenario} (its markets: ${Object.keys(summary.markets).join(', ')})`,
    );
  const { markets: _markets, scenario: _scenario, seed: _seed, period: _period, mainHorizon: _horizon, ...portfolio } = summary;
  return [...summaryFigures(chosen), ...flatten({ portfolio })];
}

/** A summary's figures as result columns: flattened, without the per-fill breakdown. */
export function summaryFigures(summary: Summary): [string, unknown][] {
  const { breakdown: _breakdown, ...figures } = summary;
  return flatten(figures);
}
