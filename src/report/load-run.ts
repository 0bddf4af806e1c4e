import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import type { Summary } from '../analytics/summary.ts';
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
  type Cell,
} from './run-files.ts';

/**
 * Reads a run folder back (summary.json, fills.csv, timeseries.csv, run.json, orders.csv, and
 * strategy-series.csv when there is one) through the run-files
 * contract (run-files.ts) for the report, reconcile and promote, so a report is always rendered from the
 * saved outputs and never needs the simulation again. Every column is read; `NA` in a CSV becomes null.
 * Anything missing, malformed or not as the contract says (a CSV header other than the contract's, a
 * summary key missing) raises a SpreadlabError naming the file (and line and column for a CSV cell, the
 * JSON path for a JSON value) and what was expected.
 * `runFromOutputs` reads the same outputs from memory, as they were just written (JSON texts, CSV rows of
 * cells), through the same checks and conversions: a cell as written reads as the file's text of it would
 * (a number as the number its text parses to), so the run it gives is the one loadRun gives from the files
 * and a report rendered from either is the same page. A backtest renders its report this way.
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
}

export function loadRun(dir: string): LoadedRun {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new SpreadlabError(
      `${dir}: not a run folder (expected a folder written by spreadlab backtest, holding ${RUN_DATA_FILES.join(', ')})`,
    );
  }
  return readRun(dir, FILES);
}

/** A run's outputs in memory, as written to its files: the JSON texts and the CSV data rows (cells as written, no header). */
export interface RunOutputs {
  summary: string;
  record: string;
  fills: Cell[][];
  timeseries: Cell[][];
  orders: Cell[][];
  /** Null when the run has no strategy-series.csv. */
  strategySeries: Cell[][] | null;
}

/** The run `loadRun(dir)` would read once `outputs` are written to `dir` (see the header). */
export function runFromOutputs(dir: string, outputs: RunOutputs): LoadedRun {
  const rows: Record<string, Cell[][] | null> = {
    [RUN_FILE.fills]: outputs.fills,
    [RUN_FILE.timeseries]: outputs.timeseries,
    [RUN_FILE.orders]: outputs.orders,
    [RUN_FILE.strategySeries]: outputs.strategySeries,
  };
  const texts: Record<string, string> = { [RUN_FILE.summary]: outputs.summary, [RUN_FILE.record]: outputs.record };
  return readRun(dir, {
    json: (file) => parseJson(file, texts[basename(file)]),
    csv: (file) => rows[basename(file)],
  });
}

/** Where a run's outputs are read from: its files, or memory (runFromOutputs). */
interface RunSource {
  /** A JSON file's value. */
  json(file: string): unknown;
  /** A CSV file's data rows, its header checked against `header`; null when an `optional` file does not exist. */
  csv(file: string, header: string[], optional?: boolean): Cell[][] | null;
}

const FILES: RunSource = {
  json: (file) => {
    requireFile(file);
    return readJsonFile(file, 'run file');
  },
  csv: (file, header, optional = false) => (optional && !existsSync(file) ? null : readCsv(file, header)),
};

function readRun(dir: string, source: RunSource): LoadedRun {
  const summary = checked(join(dir, RUN_FILE.summary), summarySchema, source);
  const record = checked(join(dir, RUN_FILE.record), runRecordSchema, source);
  const horizons = Object.keys(summary.realizedSpreadStats);
  const fills = readFills(join(dir, RUN_FILE.fills), horizons, source);
  const timeseries = readTimeseries(join(dir, RUN_FILE.timeseries), source);
  const orders = readRows(join(dir, RUN_FILE.orders), ORDERS_HEADER, ORDERS_COLUMNS, source);
  const strategySeries = readRows(join(dir, RUN_FILE.strategySeries), STRATEGY_SERIES_HEADER, STRATEGY_SERIES_COLUMNS, source, true);
  return { dir, label: basename(resolve(dir)), summary, record, fills, timeseries, orders, strategySeries, horizons };
}

/** A run's summary.json, checked against the contract. */
export function readSummary(file: string): Summary {
  return checked(file, summarySchema, FILES);
}

/** A run's run.json, checked against the contract. */
export function readRunRecord(file: string): RunRecord {
  return checked(file, runRecordSchema, FILES);
}

/** A missing file's message says what a run folder holds. */
function requireFile(file: string): void {
  if (!existsSync(file))
    throw new SpreadlabError(
      `${file}: missing (a run folder holds ${RUN_DATA_FILES.slice(0, -1).join(', ')} and ${RUN_DATA_FILES.at(-1)}; re-run spreadlab backtest to write it)`,
    );
}

function checked<T>(file: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, source: RunSource): T {
  const result = schema.safeParse(source.json(file));
  if (result.success) return result.data;
  throw new SpreadlabError(result.error.issues.map((issue) => `${file}: ${describeIssue(issue)}`).join('\n'));
}

/** JSON text held in memory (the text a run file was written with). */
function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SpreadlabError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
}

function describeIssue(issue: z.ZodIssue): string {
  const path = issue.path.length === 0 ? 'top level' : issue.path.join('.');
  if (issue.code !== 'invalid_type') return `${path}: ${issue.message}`;
  const article = /^[aeiou]/.test(issue.expected) ? 'an' : 'a';
  return `${path}: expected ${article} ${issue.expected}, got ${issue.received === 'undefined' ? 'nothing' : issue.received}`;
}

/** A CSV's data rows (strings), after checking its header is exactly `expected`; every row must have its width. */
function readCsv(file: string, expected: string[]): string[][] {
  let records: string[][];
  try {
    records = parse(readText(file), { relax_column_count: false, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new SpreadlabError(`${file}: not a valid CSV (${(error as Error).message})`);
  }
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
  return records.slice(1);
}

function readText(file: string): string {
  requireFile(file);
  return readFileSync(file, 'utf8');
}

/**
 * Reads one cell of a kind, from its text in a file or as written (a number reads as the number its text
 * parses to: itself, -0 as 0); `where` names it in errors ("fills.csv line 4, column price").
 */
function readCell<K extends CellKind>(kind: K, cell: Cell, where: () => string): CellValue<K> {
  if (typeof cell === 'number' && (kind === 'number' || kind === 'number|NA') && Number.isFinite(cell))
    return (cell === 0 ? 0 : cell) as CellValue<K>;
  const text = String(cell);
  const fail = (expected: string): never => {
    throw new SpreadlabError(`${where()}: expected ${expected}, got "${text}"`);
  };
  if (kind === 'text') return text as CellValue<K>;
  if (kind === 'side') return (text === 'buy' || text === 'sell' ? text : fail('buy or sell')) as CellValue<K>;
  if (kind === 'boolean') return (text === 'true' || (text === 'false' ? false : fail('true or false'))) as CellValue<K>;
  if (kind === 'number|NA' && text === 'NA') return null as CellValue<K>;
  const v = Number(text);
  if (text === '' || !Number.isFinite(v)) fail(kind === 'number' ? 'a number' : 'a number or NA');
  return v as CellValue<K>;
}

/** The cells of one row under `columns` (the first columns of its header, in order), by field. */
function readColumns<Columns extends Record<string, ColumnSpec>>(
  file: string,
  columns: Columns,
  row: Cell[],
  line: number,
): RowOf<Columns> {
  const out: Record<string, unknown> = {};
  Object.entries(columns).forEach(([name, { field, cell }], i) => {
    out[field] = readCell(cell, row[i], () => `${file} line ${line}, column ${name}`);
  });
  return out as RowOf<Columns>;
}

function readFills(file: string, horizons: string[], source: RunSource): FillRow[] {
  const header = fillsHeader(horizons);
  const rows = source.csv(file, header) ?? [];
  const horizonColumns = horizons.flatMap((h) =>
    (Object.entries(FILLS_HORIZON_COLUMNS) as [FillsHorizonFigure, (h: string) => string][]).map(([figure, name]) => ({
      figure,
      h,
      name: name(h),
      index: header.indexOf(name(h)),
    })),
  );
  return rows.map((row, i) => {
    const line = i + 2;
    const perHorizon: Record<FillsHorizonFigure, Record<string, number | null>> = { midAfter: {}, markout: {}, markoutBps: {} };
    for (const { figure, h, name, index } of horizonColumns)
      perHorizon[figure][h] = readCell('number|NA', row[index], () => `${file} line ${line}, column ${name}`);
    return { ...readColumns(file, FILLS_COLUMNS, row, line), ...perHorizon };
  });
}

/** A run's orders.csv (the order log), checked against the contract. */
export function readOrders(file: string): OrderRow[] {
  return readRows(file, ORDERS_HEADER, ORDERS_COLUMNS, FILES);
}

/** A CSV's rows under its contract's columns (none for an `optional` file the run does not have). */
function readRows<Columns extends Record<string, ColumnSpec>>(
  file: string,
  header: string[],
  columns: Columns,
  source: RunSource,
  optional = false,
): RowOf<Columns>[] {
  return (source.csv(file, header, optional) ?? []).map((row, i) => readColumns(file, columns, row, i + 2));
}

function readTimeseries(file: string, source: RunSource): TimeseriesRow[] {
  const rows = readRows(file, TIMESERIES_HEADER, TIMESERIES_COLUMNS, source);
  if (rows.length === 0) throw new SpreadlabError(`${file}: no rows (expected at least one sample)`);
  return rows;
}
