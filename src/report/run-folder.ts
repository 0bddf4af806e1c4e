import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { analyzeRun, type RunAnalysis } from '../analytics/summary.ts';
import type { PortfolioAnalysis } from '../analytics/portfolio.ts';
import type { ScenarioRun } from '../sim/run-scenario.ts';
import { isMultiMarket } from '../sim/scenario.ts';
import { writePortfolioFiles } from './portfolio-folder.ts';
import { csv, filePutter, fillsRows, json, ordersRows, runRecord, timeseriesRows, writeCommonFiles } from './run-tables.ts';
import { fillsHeader, ORDERS_HEADER, RUN_FILE, TIMESERIES_HEADER } from './run-files.ts';

/**
 * Writes a run's files (the run-files contract, run-files.ts): summary.json, fills.csv, timeseries.csv,
 * run.json, orders.csv, strategy-series.csv (when the strategy recorded a series), funding.csv (when a
 * funding payment was booked), report.html. A run over several markets (`markets`) writes the same files
 * with a market column, plus portfolio.csv (portfolio-folder.ts, portfolio-files.ts).
 * - writeRunFiles writes them into an existing folder (which may hold other files, e.g. a live run's),
 *   in that order, each under a temporary name renamed into place, so a file is there whole or not at
 *   all (report.html, rendered from the others, comes last).
 * - writeRunFolder makes a folder of them: assembled under a temporary name beside the target and renamed
 *   into place only when every file is written, so a crash never leaves a half-written run folder under
 *   the final name.
 * Outputs contain no wall-clock time: the same scenario and seed give byte-identical files.
 */
/**
 * What writing a run folder returns: the analysis of the run's (first) market — a one-market run's — and,
 * for a run over several markets, the portfolio's analysis (its summary is summary.json).
 */
export type RunOutputs = RunAnalysis & { portfolio?: PortfolioAnalysis };

export function writeRunFolder(dir: string, run: ScenarioRun, overrides: string[]): RunOutputs {
  const staging = join(dirname(dir), `.${basename(dir)}.partial`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const analysis = writeRunFiles(staging, run, overrides);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return analysis;
}

export function writeRunFiles(dir: string, run: ScenarioRun, overrides: string[]): RunOutputs {
  if (isMultiMarket(run.scenario)) {
    const portfolio = writePortfolioFiles(dir, run, overrides);
    return { ...portfolio.markets[0], portfolio };
  }
  const analysis = analyzeRun(run);
  const put = filePutter(dir);
  put(RUN_FILE.summary, json(analysis.summary));
  put(RUN_FILE.fills, csv(fillsHeader(analysis.horizonLabels), fillsRows(run, analysis)));
  put(RUN_FILE.timeseries, csv(TIMESERIES_HEADER, timeseriesRows(run.units, analysis.timeseries)));
  put(RUN_FILE.record, json(runRecord(run, overrides)));
  put(RUN_FILE.orders, csv(ORDERS_HEADER, ordersRows(run)));
  writeCommonFiles(dir, run, put);
  return analysis;
}
