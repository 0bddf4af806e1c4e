import { checkOutputFile, writeOutputFile } from '../core/output.ts';
import { join } from 'node:path';
import { isSpreadlabPage, pageBytes, renderComparison, renderPage, runReportParts, type PageParts } from './html.ts';
import { loadRun, type LoadedRun } from './load-run.ts';
import { portfolioReportParts } from './portfolio-page.ts';
import { RUN_FILE } from './run-files.ts';

/**
 * The pages of run folders: a run's report (html.ts for one market, portfolio-page.ts for several) and the
 * comparison of runs (html.ts). A run over several markets is compared by its portfolio's PnL (total, parts,
 * risk and the PnL curve) and its quoted market's fills, spreads and markouts.
 */
export function renderReport(run: LoadedRun): string {
  return renderPage(reportParts(run));
}

/** renderReport's page as its file's bytes, in pieces (html.ts pageBytes: the vega libraries are never decoded). */
export function reportBytes(run: LoadedRun): Buffer[] {
  return pageBytes(reportParts(run));
}

function reportParts(run: LoadedRun): PageParts {
  return run.portfolio ? portfolioReportParts(run, run.portfolio) : runReportParts(run);
}

/** The comparison page of several run folders (any mix of one-market and several-market runs). */
export function renderRunComparison(runs: LoadedRun[]): string {
  return renderComparison(runs.map(comparisonView));
}

/** A run as the comparison page reads it: a run over several markets as its quoted market with the portfolio's PnL. */
export function comparisonView(run: LoadedRun): LoadedRun {
  const { portfolio } = run;
  if (!portfolio) return run;
  const { pnl, risk } = portfolio.summary;
  return {
    ...run,
    summary: { ...run.summary, pnl, risk },
    timeseries: run.timeseries.map((row, i) => {
      const s = portfolio.series[i];
      return {
        ...row,
        pnlTotal: s.pnlTotal,
        spreadCapture: s.spreadCapture,
        inventoryPnl: s.inventoryPnl,
        fees: s.fees,
        rebates: s.rebates,
        funding: s.funding,
      };
    }),
  };
}

/** Renders a run folder's report.html from its saved files (the one code path for backtest and `spreadlab report`). */
export function writeRunReport(dir: string, out: string = join(dir, RUN_FILE.report)): string {
  checkOutputFile(out, 'the report', isSpreadlabPage);
  writeOutputFile(out, reportBytes(loadRun(dir)));
  return out;
}
