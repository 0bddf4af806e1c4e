import { z } from 'zod';
import type { Summary } from '../analytics/summary.ts';
import type { StrategyModule } from '../strategy/resolve.ts';

/**
 * The run-files contract: what a run folder holds, shared by its writers (run-folder.ts, for backtests and
 * live/paper runs) and its readers (load-run.ts, for report, reconcile, promote).
 * - File names: RUN_FILE; RUN_FILES lists them in the order they are written.
 * - strategy-series.csv, written only when the strategy recorded a series (context.record): one row per
 *   recorded point, long format (ts_us, time, name, value; pandas: pivot on name), series by series in the
 *   order first recorded, each in time order.
 * - fills.csv, timeseries.csv, orders.csv and strategy-series.csv: the columns, in header order, each with
 *   the row field it is read into and the kind of cell it holds. fills.csv has the fixed FILLS_COLUMNS, then
 *   per markout horizon ("30s", in summary order) the FILLS_HORIZON_COLUMNS. The row types a reader returns
 *   (FillRow, TimeseriesRow, OrderRow, StrategySeriesRow) are
 *   derived from these tables and the writer gives a cell for every column by name, so a column added here
 *   is read without more code and the writer does not compile until it writes it.
 * - summary.json: the Summary type (src/analytics/summary.ts) is the source of truth; summarySchema reads it
 *   back and fails to compile when a Summary key is missing from it. Its key order is the writer's, so a
 *   summary read back serializes to the same bytes.
 * - run.json: RunRecord and runRecordSchema.
 * - orders.csv (the order log, src/sim/order-log.ts): one row per order sent, in sending order; fills.csv
 *   rows link to it by order_id.
 * Cells: a number; a number or NA (a figure that does not exist; pandas reads it as NaN); text (quoted as
 * CSV quotes it when it holds a comma, a quote or a line break); a side; true or false.
 * A file that does not match (a missing or extra column, a header out of order, a missing summary key) is a
 * user error (SpreadlabError) raised by the reader, naming the file and what was expected.
 * A run over several markets extends this contract (portfolio-files.ts): a market column first in fills.csv,
 * orders.csv and timeseries.csv, the portfolio summary.json, portfolio.csv; funding.csv in any run with a
 * funding payment.
 */
export const RUN_FILE = {
  summary: 'summary.json',
  fills: 'fills.csv',
  timeseries: 'timeseries.csv',
  record: 'run.json',
  orders: 'orders.csv',
  /** Only when the strategy recorded a series. */
  strategySeries: 'strategy-series.csv',
  /** Rendered from the others, so it is written last. */
  report: 'report.html',
} as const;

/** The run files every run folder holds, in the order they are written. */
export const RUN_FILES = [RUN_FILE.summary, RUN_FILE.fills, RUN_FILE.timeseries, RUN_FILE.record, RUN_FILE.orders, RUN_FILE.report];

/** The files a run is read back from (report.html is rendered from them). */
export const RUN_DATA_FILES = [RUN_FILE.summary, RUN_FILE.fills, RUN_FILE.timeseries, RUN_FILE.record, RUN_FILE.orders] as const;

export type CellKind = 'number' | 'number|NA' | 'text' | 'side' | 'boolean';

/** What a cell of each kind is read as (NA becomes null). */
export type CellValue<K extends CellKind> = K extends 'number'
  ? number
  : K extends 'number|NA'
    ? number | null
    : K extends 'side'
      ? 'buy' | 'sell'
      : K extends 'boolean'
        ? boolean
        : string;

/** A cell as written: a number, or text (including NA and decimals formatted to the market's precision). */
export type Cell = string | number;

/** A CSV column: the row field it is read into and its kind. */
export interface ColumnSpec {
  field: string;
  cell: CellKind;
}

/** A row read from a CSV with these columns. */
export type RowOf<Columns extends Record<string, ColumnSpec>> = {
  [C in keyof Columns as Columns[C]['field']]: CellValue<Columns[C]['cell']>;
};

/** fills.csv, the columns before the per-horizon ones. Money in the quote currency, sizes in base units. */
export const FILLS_COLUMNS = {
  /** Exchange time, µs since the epoch. */
  exch_ts_us: { field: 'ts', cell: 'number' },
  /** The same time, ISO 8601 UTC with µs. */
  time: { field: 'time', cell: 'text' },
  /** The venue's order id, as written. */
  order_id: { field: 'orderId', cell: 'text' },
  side: { field: 'side', cell: 'side' },
  price: { field: 'price', cell: 'number' },
  size: { field: 'size', cell: 'number' },
  /** maker or taker. */
  liquidity: { field: 'liquidity', cell: 'text' },
  fee: { field: 'fee', cell: 'number' },
  position_after: { field: 'positionAfter', cell: 'number' },
  mid: { field: 'mid', cell: 'number|NA' },
  effective_half_spread: { field: 'effectiveHalfSpread', cell: 'number|NA' },
  effective_half_spread_bps: { field: 'effectiveBps', cell: 'number|NA' },
  /** When the strategy received the fill notice (its clock), µs since the epoch. */
  local_ts_us: { field: 'localTs', cell: 'number' },
  /** How long the order had been at the venue when it filled (exch_ts_us − the order's venue_ts_us), µs. */
  order_age_us: { field: 'orderAgeUs', cell: 'number|NA' },
  /** The order's placed_distance_ticks (orders.csv). */
  placed_distance_ticks: { field: 'placedDistanceTicks', cell: 'number|NA' },
  /** The order's placed_queue_ahead (orders.csv). */
  placed_queue_ahead: { field: 'placedQueueAhead', cell: 'number|NA' },
} as const satisfies Record<string, ColumnSpec>;

export type FillsColumn = keyof typeof FILLS_COLUMNS;

/**
 * fills.csv, per markout horizon h in summary order: the column name of each figure (all number|NA: NA when
 * the horizon runs past the end of the data), read into FillRow[field][h].
 */
export const FILLS_HORIZON_COLUMNS = {
  /** The mid h after the fill. */
  midAfter: (h: string) => `mid_${h}`,
  /** Markout in price units. */
  markout: (h: string) => `markout_${h}`,
  markoutBps: (h: string) => `markout_${h}_bps`,
} as const;

export type FillsHorizonFigure = keyof typeof FILLS_HORIZON_COLUMNS;

export type FillRow = RowOf<typeof FILLS_COLUMNS> & {
  [F in FillsHorizonFigure]: Record<string, number | null>;
};

/** fills.csv's header for these horizon labels ("1s", "5s", …). */
export function fillsHeader(horizons: string[]): string[] {
  const perHorizon = Object.values(FILLS_HORIZON_COLUMNS);
  return [...Object.keys(FILLS_COLUMNS), ...horizons.flatMap((h) => perHorizon.map((name) => name(h)))];
}

const FILLS_FIXED_COLUMNS = Object.keys(FILLS_COLUMNS) as FillsColumn[];
const FILLS_HORIZON_FIGURES = Object.keys(FILLS_HORIZON_COLUMNS) as FillsHorizonFigure[];

/** One fills.csv row in header order, from its cells by column and, per horizon (in header order), by figure. */
export function fillsRow(cells: Record<FillsColumn, Cell>, perHorizon: Record<FillsHorizonFigure, Cell>[]): Cell[] {
  const row = FILLS_FIXED_COLUMNS.map((c) => cells[c]);
  for (const figures of perHorizon) for (const f of FILLS_HORIZON_FIGURES) row.push(figures[f]);
  return row;
}

/** timeseries.csv, one row per sample (every analytics.sampleSeconds). */
/** The PnL and its parts, cumulative, quote currency: timeseries.csv's last columns and portfolio.csv's first figures. */
export const PNL_COLUMNS = {
  pnl_total: { field: 'pnlTotal', cell: 'number' },
  pnl_spread_capture: { field: 'spreadCapture', cell: 'number' },
  pnl_inventory: { field: 'inventoryPnl', cell: 'number' },
  pnl_fees: { field: 'fees', cell: 'number' },
  pnl_rebates: { field: 'rebates', cell: 'number' },
  pnl_funding: { field: 'funding', cell: 'number' },
} as const satisfies Record<string, ColumnSpec>;

export const TIMESERIES_COLUMNS = {
  /** Sample time, µs since the epoch. */
  ts_us: { field: 'ts', cell: 'number' },
  time: { field: 'time', cell: 'text' },
  mid: { field: 'mid', cell: 'number|NA' },
  /** Our best resting bid and ask, NA when none. */
  bid: { field: 'bid', cell: 'number|NA' },
  ask: { field: 'ask', cell: 'number|NA' },
  inventory: { field: 'inventory', cell: 'number' },
  ...PNL_COLUMNS,
} as const satisfies Record<string, ColumnSpec>;

export type TimeseriesColumn = keyof typeof TIMESERIES_COLUMNS;

export type TimeseriesRow = RowOf<typeof TIMESERIES_COLUMNS>;

/** A fixed-column CSV's header: its column table's names, in order. */
export function headerOf<Columns extends Record<string, ColumnSpec>>(columns: Columns): (keyof Columns & string)[] {
  return Object.keys(columns) as (keyof Columns & string)[];
}

/** One row of a fixed-column CSV in header order (headerOf its columns), from its cells by column. */
export function rowOf<Column extends string>(header: readonly Column[], cells: Record<Column, Cell>): Cell[] {
  return header.map((c) => cells[c]);
}

export const TIMESERIES_HEADER = headerOf(TIMESERIES_COLUMNS);

/** One timeseries.csv row in header order. */
export function timeseriesRow(cells: Record<TimeseriesColumn, Cell>): Cell[] {
  return rowOf(TIMESERIES_HEADER, cells);
}

/** strategy-series.csv: one row per point a strategy recorded. */
export const STRATEGY_SERIES_COLUMNS = {
  /** The strategy's clock when it recorded the value, µs since the epoch. */
  ts_us: { field: 'ts', cell: 'number' },
  time: { field: 'time', cell: 'text' },
  /** The series' name, as the strategy gave it. */
  name: { field: 'name', cell: 'text' },
  value: { field: 'value', cell: 'number' },
} as const satisfies Record<string, ColumnSpec>;

export type StrategySeriesRow = RowOf<typeof STRATEGY_SERIES_COLUMNS>;

export const STRATEGY_SERIES_HEADER = headerOf(STRATEGY_SERIES_COLUMNS);

/** One strategy-series.csv row in header order. */
export function strategySeriesRow(cells: Record<keyof typeof STRATEGY_SERIES_COLUMNS, Cell>): Cell[] {
  return rowOf(STRATEGY_SERIES_HEADER, cells);
}

/**
 * orders.csv, one row per order (rules in src/sim/order-log.ts). Times are µs since the epoch, NA when
 * unknown or when it did not happen.
 */
export const ORDERS_COLUMNS = {
  order_id: { field: 'orderId', cell: 'text' },
  side: { field: 'side', cell: 'side' },
  /** limit or market. */
  type: { field: 'type', cell: 'text' },
  /** Limit price; NA for a market order. */
  price: { field: 'price', cell: 'number|NA' },
  size: { field: 'size', cell: 'number' },
  post_only: { field: 'postOnly', cell: 'boolean' },
  /** GTC or IOC. */
  time_in_force: { field: 'timeInForce', cell: 'text' },
  /** When the strategy sent it. */
  sent_ts_us: { field: 'sentTs', cell: 'number' },
  /** When it reached the venue (live: the exchange's timestamp of the order, when it gives one). */
  venue_ts_us: { field: 'venueTs', cell: 'number|NA' },
  /** When the venue's answer reached the strategy. */
  ack_ts_us: { field: 'ackTs', cell: 'number|NA' },
  /** At the end of the run: open, filled, cancelled or rejected. */
  status: { field: 'status', cell: 'text' },
  /** Why the venue rejected it (empty otherwise). */
  reason: { field: 'reason', cell: 'text' },
  /** Size filled over the run. */
  filled: { field: 'filled', cell: 'number' },
  cancel_ts_us: { field: 'cancelTs', cell: 'number|NA' },
  /** The mid of the book the order met when placed (see order-log.ts). */
  placed_mid: { field: 'placedMid', cell: 'number|NA' },
  /** How far the limit price was from that mid, ticks, positive on the order's own side (a bid below the mid). */
  placed_distance_ticks: { field: 'placedDistanceTicks', cell: 'number|NA' },
  /** The size ahead of the order in the queue at its price when placed, base units; NA when it did not rest. */
  placed_queue_ahead: { field: 'placedQueueAhead', cell: 'number|NA' },
} as const satisfies Record<string, ColumnSpec>;

export type OrdersColumn = keyof typeof ORDERS_COLUMNS;

export type OrderRow = RowOf<typeof ORDERS_COLUMNS>;

export const ORDERS_HEADER = headerOf(ORDERS_COLUMNS);

/** One orders.csv row in header order. */
export function ordersRow(cells: Record<OrdersColumn, Cell>): Cell[] {
  return rowOf(ORDERS_HEADER, cells);
}

const nullableNumber = z.number().nullable();

export const weightedStatSchema = z.object({
  mean: nullableNumber,
  count: z.number(),
  sd: nullableNumber,
  ci95Low: nullableNumber,
  ci95High: nullableNumber,
});

/** summary.json, keys in the order analyzeRun writes them. */
export const summarySchema = z
  .object({
    scenario: z.string(),
    seed: z.number(),
    period: z.object({ start: z.string(), end: z.string(), seconds: z.number() }),
    events: z.number(),
    finalMid: nullableNumber,
    mainHorizon: z.string(),
    realizedSpreadBps: z.record(z.string(), nullableNumber),
    realizedSpreadStats: z.record(z.string(), weightedStatSchema.extend({ incomplete: z.number() })),
    netRealizedSpreadStats: z.record(z.string(), weightedStatSchema),
    effectiveSpreadBps: nullableNumber,
    adverseSelectionBps: z.record(z.string(), nullableNumber),
    pnl: z.object({
      total: z.number(),
      spreadCapture: z.number(),
      inventory: z.number(),
      fees: z.number(),
      rebates: z.number(),
      funding: z.number(),
    }),
    fills: z.object({
      count: z.number(),
      buys: z.number(),
      sells: z.number(),
      makerVolume: z.number(),
      takerVolume: z.number(),
      fillRatePerQuote: nullableNumber,
      cancelToFill: nullableNumber,
    }),
    orders: z.object({ sent: z.number(), rejected: z.number(), cancelled: z.number() }),
    quotes: z.object({ twoSidedUptime: z.number(), requotes: z.number() }),
    quotedSpread: z.object({ mean: nullableNumber, meanBps: nullableNumber }),
    inventory: z.object({ final: z.number(), max: z.number(), mean: z.number(), meanAbs: z.number(), timeAtLimit: nullableNumber }),
    risk: z.object({
      intervalSeconds: z.number(),
      pnlVolatility: nullableNumber,
      sharpe: nullableNumber,
      maxDrawdown: z.number(),
      worstInterval: nullableNumber,
    }),
    breakdown: z.object({
      bySide: z.record(z.string(), weightedStatSchema),
      bySize: z.record(z.string(), weightedStatSchema),
      byHour: z.record(z.string(), weightedStatSchema),
    }),
  })
  .refine((s) => s.mainHorizon in s.realizedSpreadStats, {
    message: 'expected a key for mainHorizon in realizedSpreadStats',
    path: ['realizedSpreadStats'],
  }) satisfies z.ZodType<Summary>;

/** run.json: what reproduces the run. */
export interface RunRecord {
  /** The spreadlab version that wrote it. */
  spreadlab: string;
  /** The scenario as run (parsed, defaults filled in). */
  scenario: { name: string; strategy?: Record<string, unknown>; [key: string]: unknown };
  scenarioSha256: string;
  seed: number;
  overrides: string[];
  dataFiles: { path: string; sha256: string }[];
  /** The user's strategy module (path, SHA-256 of it and its local imports), when the scenario names one. */
  strategyModule?: StrategyModule;
}

const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

/** run.json; the scenario is read as written (key order kept), and checked in full where it is run again. */
export const runRecordSchema = z.object({
  spreadlab: z.string(),
  scenario: z
    .record(z.string(), z.unknown())
    .refine((s) => typeof s.name === 'string', { message: 'expected a string', path: ['name'] })
    .refine((s) => s.strategy === undefined || isObject(s.strategy), { message: 'expected an object', path: ['strategy'] })
    .transform((s) => s as RunRecord['scenario']),
  scenarioSha256: z.string(),
  seed: z.number(),
  overrides: z.array(z.string()),
  dataFiles: z.array(z.object({ path: z.string(), sha256: z.string() })),
  strategyModule: z.object({ path: z.string(), sha256: z.string(), files: z.array(z.string()) }).optional(),
}) satisfies z.ZodType<RunRecord, z.ZodTypeDef, unknown>;
