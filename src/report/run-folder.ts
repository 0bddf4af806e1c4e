import type { PortfolioAnalysis } from '../analytics/portfolio.ts';
import { analyzeRun, type RunAnalysis } from '../analytics/summary.ts';
import { isTemporaryName, replaceFolder } from '../core/output.ts';
import type { ScenarioRun } from '../sim/run-scenario.ts';
import { isMultiMarket } from '../sim/scenario.ts';
import { PORTFOLIO_FILE } from './portfolio-files.ts';
import { writePortfolioFiles } from './portfolio-folder.ts';
import { fillsRows, ordersRows, RunFileWriter, runRecord, timeseriesRows, writeCommonFiles } from './run-tables.ts';
import { fillsHeader, ORDERS_HEADER, RUN_FILE, RUN_FILES, TIMESERIES_HEADER } from './run-files.ts';

/**
 * Writes a run's files (the run-files contract, run-files.ts): summary.json, fills.csv, timeseries.csv,
 * run.json, orders.csv, strategy-series.csv (when the strategy recorded a series), funding.csv (when a
 * funding payment was booked), report.html. A run over several markets (`markets`) writes the same files
 * with a market column, plus portfolio.csv (portfolio-folder.ts, portfolio-files.ts).
 * - writeRunFiles writes them into an existing folder (which may hold other files, e.g. a live run's),
 *   each under a temporary name renamed into place, so a file is there whole or not at all: the JSON
 *   files first, each CSV file as the report reads its rows (RunFileWriter), report.html last.
 * - writeRunFolder makes a folder of them (kind "run" of core/output.ts): assembled under a temporary name
 *   beside the target and renamed into place only when every file is written, so a crash never leaves a
 *   half-written run folder under the final name. An existing folder is replaced only when it is a run
 *   folder spreadlab wrote (its marker) holding nothing but run files; anything else is refused.
 * Outputs contain no wall-clock time: the same scenario and seed give byte-identical files.
 */
/**
 * What writing a run folder returns: the analysis of the run's (first) market — a one-market run's — and,
 * for a run over several markets, the portfolio's analysis (its summary is summary.json).
 */
export type RunOutputs = RunAnalysis & {
  portfolio?: PortfolioAnalysis;
  /** The names of the files written, in the order written (strategy-series.csv, portfolio.csv and funding.csv only when written). */
  files: string[];
};

export function writeRunFolder(dir: string, run: ScenarioRun, overrides: string[]): RunOutputs {
  return replaceFolder(dir, 'run', isRunFolderEntry, (staging) => writeRunFiles(staging, run, overrides));
}

/** What a run folder may hold: its files (those written only when they have content too), and the temporary names they are written under. */
export function isRunFolderEntry(name: string): boolean {
  const optional: string[] = [RUN_FILE.strategySeries, PORTFOLIO_FILE.portfolio, PORTFOLIO_FILE.funding];
  return (RUN_FILES as readonly string[]).includes(name) || optional.includes(name) || isTemporaryName(name);
}

export function writeRunFiles(dir: string, run: ScenarioRun, overrides: string[]): RunOutputs {
  const files = new RunFileWriter(dir);
  if (isMultiMarket(run.scenario)) {
    const portfolio = writePortfolioFiles(files, run, overrides);
    return { ...portfolio.markets[0], portfolio, files: files.written };
  }
  const analysis = analyzeRun(run);
  files.document(RUN_FILE.summary, analysis.summary);
  files.table(RUN_FILE.fills, fillsHeader(analysis.horizonLabels), fillsRows(run, analysis));
  files.table(RUN_FILE.timeseries, TIMESERIES_HEADER, timeseriesRows(run.units, analysis.timeseries));
  files.document(RUN_FILE.record, runRecord(run, overrides));
  files.table(RUN_FILE.orders, ORDERS_HEADER, ordersRows(run));
  writeCommonFiles(run, files);
  return { ...analysis, files: files.written };
}
