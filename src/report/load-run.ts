import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { z } from 'zod';
import type { Summary } from '../analytics/summary.ts';
import type { PortfolioSummary } from '../analytics/portfolio.ts';
import {
  FUNDING_COLUMNS,
  FUNDING_HEADER,
  MARKET_COLUMN,
  PORTFOLIO_COLUMNS,
  PORTFOLIO_FILE,
  PORTFOLIO_HEADER,
  portfolioSummarySchema,
  withMarketColumn,
  type FundingRow,
  type PortfolioRow,
} from './portfolio-files.ts';
import { parseCsvFile } from '../core/csv.ts';
import { SpreadlabError } from '../core/errors.ts';
import { readJsonFile } from '../core/json-file.ts';
import {
  FILLS_COLUMNS,
  FILLS_HORIZON_COLUMNS,
  fillsHeader,
  ORDERS_COLUMNS,
  ORDERS_HEADER,
  RUN_DATA_FILES,
  RUN_FILE,
  runRecordSchema,
  STRATEGY_SERIES_COLUMNS,
  STRATEGY_SERIES_HEADER,
  summarySchema,
  TIMESERIES_COLUMNS,
  TIMESERIES_HEADER,
  type Cell,
  type CellKind,
  type CellValue,
  type ColumnSpec,
  type FillRow,
  type FillsHorizonFigure,
  type OrderRow,
  type RowOf,
  type RunRecord,
  type StrategySeriesRow,
  type TimeseriesRow,
} from './run-files.ts';

/**
 * Reads a run folder back (summary.json, fills.csv, timeseries.csv, run.json, orders.csv, and
 * strategy-series.csv and funding.csv when there are; portfolio.csv for a run over several markets, whose
 * tables are split by market: portfolio-files.ts) through the run-files
 * contract (run-files.ts) for the report, reconcile and promote, so a report is always rendered from the
 * saved outputs and never needs the simulation again. Every column is read; `NA` in a CSV becomes null.
 * Anything missing, malformed or not as the contract says (a CSV header other than the contract's, a
 * summary key missing) raises a SpreadlabError naming the file (and line and column for a CSV cell, the
 * JSON path for a JSON value) and what was expected.
 */
export interface LoadedRun {
  /** The folder as given. */
  dir: string;
  /** A short label: the folder's name. */
  label: string;
  summary: Summary;
  record: RunRecord;
  fills: FillRow[];
  timeseries: TimeseriesRow[];
  /** The order log, one row per order in sending order. */
  orders: OrderRow[];
  /** The series the strategy recorded (strategy-series.csv; empty when the folder has none). */
  strategySeries: StrategySeriesRow[];
  /** Horizon labels in summary order ("1s", "5s", …). */
  horizons: string[];
  /** The funding payments (funding.csv; empty when the folder has none), every market's. */
  funding: FundingRow[];
  /**
   * A run over several markets (portfolio-files.ts): its portfolio figures and each market as a one-market
   * run; the fields above are then the quoted market's (its summary and rows), run.json and the strategy's
   * series the run's.
   */
  portfolio?: LoadedPortfolio;
}

export interface LoadedPortfolio {
  summary: PortfolioSummary;
  /** portfolio.csv. */
  series: PortfolioRow[];
  /** Each market as a one-market run (its summary, fills, timeseries and orders), in scenario order. */
  markets: { id: string; run: LoadedRun }[];
}

/**
 * Where a run's files are read from: the folder on disk (loadRun), or the content a writer has just put in
 * it (run-tables.ts: the report of a new run is rendered from the rows and documents in memory rather than
 * by parsing the files again). Either way the run is read by the code below, so both give the same LoadedRun.
 */
export interface RunFileSource {
  dir: string;
  has(name: string): boolean;
  /** A JSON file's value. */
  json(name: string): unknown;
  /**
   * A CSV file's data rows with the line each starts on, after checking its header is exactly `header`; read
   * once, front to back (a table being written passes each row on as it writes it, so that a day's table is
   * never held as cells).
   */
  rows(name: string, header: string[]): Iterable<NumberedRow>;
}

/** A run folder on disk. */
export function runFolderSource(dir: string): RunFileSource {
  return {
    dir,
    has: (name) => existsSync(join(dir, name)),
    json: (name) => {
      const file = join(dir, name);
      requireFile(file);
      return readJsonFile(file, 'run file');
    },
    rows: (name, header) => readCsv(join(dir, name), header),
  };
}

export function loadRun(dir: string): LoadedRun {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new SpreadlabError(
      `${dir}: not a run folder (expected a folder written by spreadlab backtest, holding ${RUN_DATA_FILES.join(', ')})`,
    );
  }
  return loadRunFrom(runFolderSource(dir));
}

/** A run read from its files (on disk or just written: RunFileSource). */
export function loadRunFrom(source: RunFileSource): LoadedRun {
  const { dir } = source;
  const record = readDocument(source, RUN_FILE.record, runRecordSchema);
  const strategySeries = source.has(RUN_FILE.strategySeries)
    ? readTable(source, RUN_FILE.strategySeries, STRATEGY_SERIES_HEADER, STRATEGY_SERIES_COLUMNS)
    : [];
  const funding = source.has(PORTFOLIO_FILE.funding) ? readTable(source, PORTFOLIO_FILE.funding, FUNDING_HEADER, FUNDING_COLUMNS) : [];
  const shared = { dir, label: basename(resolve(dir)), record, strategySeries, funding };
  if (Array.isArray(record.scenario.markets)) return loadPortfolio(source, shared);
  const summary = readDocument(source, RUN_FILE.summary, summarySchema);
  const horizons = Object.keys(summary.realizedSpreadStats);
  const fills = fillsFrom(join(dir, RUN_FILE.fills), horizons, source.rows(RUN_FILE.fills, fillsHeader(horizons)));
  const timeseries = timeseriesFrom(join(dir, RUN_FILE.timeseries), source.rows(RUN_FILE.timeseries, TIMESERIES_HEADER));
  const orders = readTable(source, RUN_FILE.orders, ORDERS_HEADER, ORDERS_COLUMNS);
  return { ...shared, summary, fills, timeseries, orders, horizons };
}

/** Every row of a CSV file under `columns`. */
function readTable<Columns extends Record<string, ColumnSpec>>(
  source: RunFileSource,
  name: string,
  header: string[],
  columns: Columns,
): RowOf<Columns>[] {
  const read = rowReader(join(source.dir, name), columns);
  const rows: RowOf<Columns>[] = [];
  for (const { cells, line } of source.rows(name, header)) rows.push(read(cells, line));
  return rows;
}

/**
 * A run folder over several markets: the portfolio's summary.json and portfolio.csv, and fills.csv,
 * timeseries.csv and orders.csv split by their market column into one-market views.
 */
function loadPortfolio(
  source: RunFileSource,
  shared: Pick<LoadedRun, 'dir' | 'label' | 'record' | 'strategySeries' | 'funding'>,
): LoadedRun {
  const { dir, record } = shared;
  const summaryFile = join(dir, RUN_FILE.summary);
  const summary = readDocument(source, RUN_FILE.summary, portfolioSummarySchema);
  const ids = (record.scenario.markets as { id?: unknown; symbol?: unknown }[]).map((m) => String(m.id ?? m.symbol));
  for (const id of ids) {
    if (!(id in summary.markets))
      throw new SpreadlabError(`${summaryFile}: markets: expected a summary of market "${id}" (run.json lists it)`);
  }
  const horizons = Object.keys(summary.markets[summary.quotedMarket]?.realizedSpreadStats ?? {});
  const byMarket = (name: string, header: string[]): Map<string, NumberedRow[]> => {
    const file = join(dir, name);
    const groups = new Map(ids.map((id): [string, NumberedRow[]] => [id, []]));
    for (const { cells, line } of source.rows(name, withMarketColumn(header))) {
      const group = groups.get(String(cells[0]));
      if (!group)
        throw new SpreadlabError(`${file} line ${line}, column ${MARKET_COLUMN}: expected one of ${ids.join(', ')}, got "${cells[0]}"`);
      group.push({ cells: cells.slice(1), line });
    }
    return groups;
  };
  const fillsFile = join(dir, RUN_FILE.fills);
  const timeseriesFile = join(dir, RUN_FILE.timeseries);
  const readOrder = rowReader(join(dir, RUN_FILE.orders), ORDERS_COLUMNS);
  const fills = byMarket(RUN_FILE.fills, fillsHeader(horizons));
  const timeseries = byMarket(RUN_FILE.timeseries, TIMESERIES_HEADER);
  const orders = byMarket(RUN_FILE.orders, ORDERS_HEADER);
  const markets = ids.map((id) => ({
    id,
    run: {
      ...shared,
      label: `${shared.label} · ${id}`,
      summary: summary.markets[id],
      fills: fillsFrom(fillsFile, horizons, fills.get(id)!),
      timeseries: timeseriesFrom(timeseriesFile, timeseries.get(id)!),
      orders: orders.get(id)!.map(({ cells, line }) => readOrder(cells, line)),
      horizons,
    },
  }));
  const series = readTable(source, PORTFOLIO_FILE.portfolio, PORTFOLIO_HEADER, PORTFOLIO_COLUMNS);
  const quoted = markets.find((m) => m.id === summary.quotedMarket) ?? markets[0];
  return { ...quoted.run, label: shared.label, portfolio: { summary, series, markets } };
}

/** A run's summary.json, checked against the contract. */
export function readSummary(file: string): Summary {
  return readJson(file, summarySchema);
}

/** A several-market run's summary.json (the portfolio's), checked against the contract. */
export function readPortfolioSummary(file: string): PortfolioSummary {
  return readJson(file, portfolioSummarySchema);
}

/** A run's run.json, checked against the contract. */
export function readRunRecord(file: string): RunRecord {
  return readJson(file, runRecordSchema);
}

/** A missing file's message says what a run folder holds. */
function requireFile(file: string): void {
  if (!existsSync(file))
    throw new SpreadlabError(
      `${file}: missing (a run folder holds ${RUN_DATA_FILES.slice(0, -1).join(', ')} and ${RUN_DATA_FILES.at(-1)}; re-run spreadlab backtest to write it)`,
    );
}

function readJson<T>(file: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): T {
  requireFile(file);
  return checked(file, schema, readJsonFile(file, 'run file'));
}

/** A JSON file of a run, checked against the contract. */
function readDocument<T>(source: RunFileSource, name: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): T {
  return checked(join(source.dir, name), schema, source.json(name));
}

function checked<T>(file: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new SpreadlabError(result.error.issues.map((issue) => `${file}: ${describeIssue(issue)}`).join('\n'));
}

function describeIssue(issue: z.ZodIssue): string {
  const path = issue.path.length === 0 ? 'top level' : issue.path.join('.');
  if (issue.code !== 'invalid_type') return `${path}: ${issue.message}`;
  const article = /^[aeiou]/.test(issue.expected) ? 'an' : 'a';
  return `${path}: expected ${article} ${issue.expected}, got ${issue.received === 'undefined' ? 'nothing' : issue.received}`;
}

/** A CSV's data rows (strings) and their lines, after checking its header is exactly `expected`; every row must have its width. */
function readCsv(file: string, expected: string[]): NumberedRow[] {
  const lines: number[] = [];
  const records = parseCsvFile(file, readText(file), lines);
  if (records.length === 0) throw new SpreadlabError(`${file}: empty (expected a header line)`);
  const header = records[0];
  if (header.join(',') !== expected.join(',')) {
    const missing = expected.filter((c) => !header.includes(c));
    const extra = header.filter((c) => !expected.includes(c));
    const problems = [
      ...(missing.length > 0 ? [`missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`] : []),
      ...(extra.length > 0 ? [`unexpected column${extra.length > 1 ? 's' : ''} ${extra.join(', ')}`] : []),
    ];
    throw new SpreadlabError(
      `${file}: unexpected header: ${problems.length > 0 ? problems.join('; ') : 'columns out of order'} (expected the header spreadlab writes: ${expected.join(',')}; got: ${header.join(',')})`,
    );
  }
  return records.slice(1).map((cells, i) => ({ cells, line: lines[i + 1] }));
}

function readText(file: string): string {
  requireFile(file);
  return readFileSync(file, 'utf8');
}

/**
 * Reads one cell of a kind; the file, line and column name it in errors. A cell still in memory
 * (RunFileSource) may be a number: it is read as the text written for it would be (−0 is written 0).
 */
function readCell<K extends CellKind>(kind: K, cell: Cell, file: string, line: number, column: string): CellValue<K> {
  const text = typeof cell === 'number' ? null : cell;
  if (kind === 'text') return String(cell) as CellValue<K>;
  if (kind === 'side') return (text === 'buy' || text === 'sell' ? text : badCell(file, line, column, cell, 'buy or sell')) as CellValue<K>;
  if (kind === 'boolean')
    return (text === 'true' || (text === 'false' ? false : badCell(file, line, column, cell, 'true or false'))) as CellValue<K>;
  if (kind === 'number|NA' && text === 'NA') return null as CellValue<K>;
  const v = text === null ? (Object.is(cell, -0) ? 0 : (cell as number)) : Number(text);
  if (text === '' || !Number.isFinite(v)) badCell(file, line, column, cell, kind === 'number' ? 'a number' : 'a number or NA');
  return v as CellValue<K>;
}

function badCell(file: string, line: number, column: string, cell: Cell, expected: string): never {
  throw new SpreadlabError(`${file} line ${line}, column ${column}: expected ${expected}, got "${cell}"`);
}

/**
 * Reads rows under `columns` (the first columns of their header, in order), by field. One reader serves a
 * whole table: its columns are listed once, not per row. `laterFields` are fields the caller sets on each
 * row afterwards (null until then), so that they too are part of the row's shape from the start.
 */
function rowReader<Columns extends Record<string, ColumnSpec>>(
  file: string,
  columns: Columns,
  laterFields: string[] = [],
): (row: Cell[], line: number) => RowOf<Columns> {
  const list = Object.entries(columns).map(([column, { field, cell }]) => ({ column, field, kind: cell }));
  const blank = blankRecord([...list.map(({ field }) => field), ...laterFields]);
  return (row, line) => {
    const out: Record<string, unknown> = { ...blank };
    for (let i = 0; i < list.length; i++) {
      const { column, field, kind } = list[i];
      out[field] = readCell(kind, row[i], file, line, column);
    }
    return out as RowOf<Columns>;
  };
}

/**
 * An object with these keys, every one null. Rows are copies of it with their values set, so that every row
 * of a table has one shape (V8 hidden class). Rows built by adding keys to a copy (a spread, then more keys)
 * get a shape of their own each, and every later read of a day's rows (the report's charts) is many times
 * slower.
 */
function blankRecord(keys: string[]): Record<string, null> {
  return Object.fromEntries(keys.map((key) => [key, null]));
}

/** A CSV's data row with the line it starts on in the file. */
export interface NumberedRow {
  cells: Cell[];
  line: number;
}

/** fills.csv rows (without a market column) as read. */
function fillsFrom(file: string, horizons: string[], rows: Iterable<NumberedRow>): FillRow[] {
  const header = fillsHeader(horizons);
  const horizonColumns = horizons.flatMap((h) =>
    (Object.entries(FILLS_HORIZON_COLUMNS) as [FillsHorizonFigure, (h: string) => string][]).map(([figure, name]) => ({
      figure,
      h,
      name: name(h),
      index: header.indexOf(name(h)),
    })),
  );
  const read = rowReader(file, FILLS_COLUMNS, Object.keys(FILLS_HORIZON_COLUMNS));
  const byHorizon = blankRecord(horizons);
  const fills: FillRow[] = [];
  for (const { cells: row, line } of rows) {
    const perHorizon: Record<FillsHorizonFigure, Record<string, number | null>> = {
      midAfter: { ...byHorizon },
      markout: { ...byHorizon },
      markoutBps: { ...byHorizon },
    };
    for (const { figure, h, name, index } of horizonColumns) perHorizon[figure][h] = readCell('number|NA', row[index], file, line, name);
    fills.push(Object.assign(read(row, line), perHorizon));
  }
  return fills;
}

function timeseriesFrom(file: string, rows: Iterable<NumberedRow>): TimeseriesRow[] {
  const read = rowReader(file, TIMESERIES_COLUMNS);
  const samples: TimeseriesRow[] = [];
  for (const { cells, line } of rows) samples.push(read(cells, line));
  if (samples.length === 0) throw new SpreadlabError(`${file}: no rows (expected at least one sample)`);
  return samples;
}
