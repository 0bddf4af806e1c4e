import { z } from 'zod';
import type { PortfolioSummary } from '../analytics/portfolio.ts';
import { headerOf, PNL_COLUMNS, rowOf, summarySchema, weightedStatSchema, type Cell, type ColumnSpec, type RowOf } from './run-files.ts';

/**
 * The run-files contract (run-files.ts) of a run over several markets, and the funding file of any run.
 * - fills.csv, orders.csv and timeseries.csv have a `market` column first (the market's id), then the
 *   one-market columns: fills and orders in the order they happened across markets (orders: by id, i.e.
 *   sending order), timeseries one row per sample and market (time, then scenario order); each market's
 *   figures in its own units (price ticks, sizes in its lots' decimals, its mid and markouts).
 * - summary.json is the PortfolioSummary (src/analytics/portfolio.ts): the portfolio's figures, and under
 *   `markets.<id>` each market's one-market summary.
 * - portfolio.csv: one row per sample (every analytics.sampleSeconds): net delta (base units) and the
 *   cumulative PnL parts of the whole portfolio (quote currency), both decompositions.
 * - funding.csv (any run with a funding payment, one market or several): one row per payment, in time order.
 * - run.json and strategy-series.csv as in a one-market run.
 */
export const PORTFOLIO_FILE = {
  /** Only in runs over several markets. */
  portfolio: 'portfolio.csv',
  /** Only when a funding payment was booked. */
  funding: 'funding.csv',
} as const;

/** The column a run over several markets puts first in fills.csv, orders.csv and timeseries.csv. */
export const MARKET_COLUMN = 'market';

/** A one-market header with the market column first. */
export function withMarketColumn(header: readonly string[]): string[] {
  return [MARKET_COLUMN, ...header];
}

/** portfolio.csv: one row per sample. */
export const PORTFOLIO_COLUMNS = {
  ts_us: { field: 'ts', cell: 'number' },
  time: { field: 'time', cell: 'text' },
  /** Σ position × lot size × contract size, base units. */
  net_delta: { field: 'netDelta', cell: 'number' },
  ...PNL_COLUMNS,
  /** The second decomposition (analytics/portfolio.ts): quoting + hedge cost + residual delta + basis + funding. */
  pnl_quoting: { field: 'quoting', cell: 'number' },
  pnl_hedge_cost: { field: 'hedgeCost', cell: 'number' },
  pnl_residual_delta: { field: 'residualDelta', cell: 'number' },
  pnl_basis: { field: 'basis', cell: 'number' },
} as const satisfies Record<string, ColumnSpec>;

export type PortfolioRow = RowOf<typeof PORTFOLIO_COLUMNS>;
export const PORTFOLIO_HEADER = headerOf(PORTFOLIO_COLUMNS);

export function portfolioRow(cells: Record<keyof typeof PORTFOLIO_COLUMNS, Cell>): Cell[] {
  return rowOf(PORTFOLIO_HEADER, cells);
}

/** funding.csv: one row per funding payment booked (src/data/funding.ts). */
export const FUNDING_COLUMNS = {
  ts_us: { field: 'ts', cell: 'number' },
  time: { field: 'time', cell: 'text' },
  market: { field: 'market', cell: 'text' },
  /** The rate paid (0.0001 = 0.01 %); positive: longs pay. */
  rate: { field: 'rate', cell: 'number' },
  mark_price: { field: 'markPrice', cell: 'number' },
  /** The position it settled, in the market's size units. */
  position: { field: 'position', cell: 'number' },
  /** Credited to the account, quote currency (negative: paid). */
  payment: { field: 'payment', cell: 'number' },
} as const satisfies Record<string, ColumnSpec>;

export type FundingRow = RowOf<typeof FUNDING_COLUMNS>;
export const FUNDING_HEADER = headerOf(FUNDING_COLUMNS);

export function fundingRow(cells: Record<keyof typeof FUNDING_COLUMNS, Cell>): Cell[] {
  return rowOf(FUNDING_HEADER, cells);
}

const money = z.number();
const oneMarket = summarySchema.innerType().shape;

/** summary.json of a run over several markets, keys in the order analyzePortfolio writes them. */
export const portfolioSummarySchema = z.object({
  scenario: z.string(),
  seed: z.number(),
  period: oneMarket.period,
  events: z.number(),
  mainHorizon: z.string(),
  quotedMarket: z.string(),
  pnl: oneMarket.pnl,
  attribution: z.object({ quoting: money, hedgeCost: money, residualDelta: money, basis: money, funding: money }),
  pnlByMarket: z.record(z.string(), money),
  netDelta: z.object({ final: z.number(), max: z.number(), mean: z.number(), meanAbs: z.number() }),
  hedge: z.object({ fills: z.number(), volume: z.number(), slippageBps: weightedStatSchema }),
  risk: oneMarket.risk,
  markets: z.record(z.string(), summarySchema),
}) satisfies z.ZodType<PortfolioSummary>;
