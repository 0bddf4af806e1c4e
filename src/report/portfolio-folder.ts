import { isoMicros } from '../core/units.ts';
import { analyzePortfolio, equityOf, type PortfolioAnalysis } from '../analytics/portfolio.ts';
import type { ScenarioRun } from '../sim/run-scenario.ts';
import { PORTFOLIO_FILE, PORTFOLIO_HEADER, portfolioRow, withMarketColumn } from './portfolio-files.ts';
import { fillsRows, ordersRows, runRecord, timeseriesRows, writeCommonFiles, type RunFileWriter } from './run-tables.ts';
import { fillsHeader, ORDERS_HEADER, RUN_FILE, TIMESERIES_HEADER, type Cell } from './run-files.ts';

/**
 * Writes the files of a run over several markets (contract: portfolio-files.ts) through the run's writer,
 * each whole or not at all, as a one-market run's are (run-folder.ts): summary.json, fills.csv,
 * timeseries.csv, run.json, orders.csv, then portfolio.csv, strategy-series.csv and funding.csv when there
 * is something in them, report.html last.
 */
export function writePortfolioFiles(files: RunFileWriter, run: ScenarioRun, overrides: string[]): PortfolioAnalysis {
  const analysis = analyzePortfolio(run);
  const { markets } = run;
  const ids = markets.map((m) => m.market.id);
  files.document(RUN_FILE.summary, analysis.summary);

  const fills = markets.map((m, i) => [...fillsRows(m, analysis.markets[i])]);
  const next = markets.map(() => 0);
  const fillRows = run.fillOrder.map((i) => [ids[i], ...fills[i][next[i]++]]);
  files.table(RUN_FILE.fills, withMarketColumn(fillsHeader(analysis.markets[0].horizonLabels)), fillRows);

  const samples = markets.map((m, i) => [...timeseriesRows(m.units, analysis.markets[i].timeseries)]);
  const sampleRows = samples[0].flatMap((_, t) => samples.map((rows, i) => [ids[i], ...rows[t]]));
  files.table(RUN_FILE.timeseries, withMarketColumn(TIMESERIES_HEADER), sampleRows);

  files.document(RUN_FILE.record, runRecord(run, overrides));

  const orders = markets.flatMap((m, i) => [...ordersRows(m)].map((row, k) => ({ row: [ids[i], ...row], order: m.orders[k] })));
  orders.sort((a, b) => a.order.sentTs - b.order.sentTs || numericId(a.order.id) - numericId(b.order.id));
  files.table(
    RUN_FILE.orders,
    withMarketColumn(ORDERS_HEADER),
    orders.map((o) => o.row),
  );

  const { units } = analysis;
  const money = (x: bigint): number => units.moneyValue(x);
  const portfolioRows: Cell[][] = analysis.series.map((s) =>
    portfolioRow({
      ts_us: s.time,
      time: isoMicros(s.time),
      net_delta: units.deltaValue(s.netDelta),
      pnl_total: money(equityOf(s)),
      pnl_spread_capture: money(s.spreadCapture),
      pnl_inventory: money(s.inventory),
      pnl_fees: money(s.fees),
      pnl_rebates: money(s.rebates),
      pnl_funding: money(s.funding),
      pnl_quoting: money(s.quoting),
      pnl_hedge_cost: money(s.hedgeCost),
      pnl_residual_delta: money(s.residualDelta),
      pnl_basis: money(s.basis),
    }),
  );
  files.table(PORTFOLIO_FILE.portfolio, PORTFOLIO_HEADER, portfolioRows);
  writeCommonFiles(run, files);
  return analysis;
}

/** An order id as a number for ordering (the simulator's ids count up); 0 for an exchange's other ids. */
function numericId(id: string): number {
  const n = Number(id);
  return Number.isFinite(n) ? n : 0;
}
