import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Summary } from '../analytics/summary.ts';
import { SpreadlabError } from '../core/errors.ts';
import { readJsonFile } from '../core/json-file.ts';

/**
 * Reads a run folder back (summary.json, fills.csv, timeseries.csv, run.json) for the report and for
 * reconcile, so a report is always rendered from the saved outputs and never needs the simulation again.
 * `NA` in a CSV becomes null. Anything missing or malformed raises a SpreadlabError naming the file (and line and column for a
 * CSV cell) and what was expected.
 */
export interface RunRecord {
  spreadlab: string;
  scenario: { name: string; strategy?: Record<string, unknown>; [key: string]: unknown };
  scenarioSha256: string;
  seed: number;
  overrides: string[];
  dataFiles: { path: string; sha256: string }[];
}

export interface FillRow {
  /** Exchange time, µs since the epoch. */
  ts: number;
  /** The venue's order id, as written. */
  orderId: string;
  side: 'buy' | 'sell';
  price: number;
  size: number;
  liquidity: string;
  fee: number;
  positionAfter: number;
  mid: number | null;
  effectiveBps: number | null;
  /** Markout in bps by horizon label ("30s"); null when the horizon ran past the end. */
  markoutBps: Record<string, number | null>;
}

export interface TimeseriesRow {
  /** Sample time, µs since the epoch. */
  ts: number;
  mid: number | null;
  bid: number | null;
  ask: number | null;
  inventory: number;
  pnlTotal: number;
  spreadCapture: number;
  inventoryPnl: number;
  fees: number;
  rebates: number;
  funding: number;
}

export interface LoadedRun {
  /** The folder as given. */
  dir: string;
  /** A short label: the folder's name. */
  label: string;
  summary: Summary;
  record: RunRecord;
  fills: FillRow[];
  timeseries: TimeseriesRow[];
  /** Horizon labels in summary order ("1s", "5s", …). */
  horizons: string[];
}

export function loadRun(dir: string): LoadedRun {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new SpreadlabError(
      `${dir}: not a run folder (expected a folder written by spreadlab backtest, holding summary.json, fills.csv, timeseries.csv, run.json)`,
    );
  }
  const summary = readJson(join(dir, 'summary.json')) as Summary;
  checkSummary(join(dir, 'summary.json'), summary);
  const record = readJson(join(dir, 'run.json')) as RunRecord;
  checkRecord(join(dir, 'run.json'), record);
  const horizons = Object.keys(summary.realizedSpreadStats);
  const fills = readFills(join(dir, 'fills.csv'), horizons);
  const timeseries = readTimeseries(join(dir, 'timeseries.csv'));
  return { dir, label: basename(resolve(dir)), summary, record, fills, timeseries, horizons };
}

/** A missing file's message says what a run folder holds. */
function requireFile(file: string): void {
  if (!existsSync(file))
    throw new SpreadlabError(
      `${file}: missing (a run folder holds summary.json, fills.csv, timeseries.csv and run.json; re-run spreadlab backtest to write it)`,
    );
}

function readText(file: string): string {
  requireFile(file);
  return readFileSync(file, 'utf8');
}

function readJson(file: string): unknown {
  requireFile(file);
  return readJsonFile(file, 'run file');
}

function valueAt(object: unknown, path: string): unknown {
  if (path === '') return object;
  return path
    .split('.')
    .reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), object);
}

function expectType(file: string, object: unknown, path: string, what: 'number' | 'string' | 'object' | 'number|null' | 'array'): void {
  const v = valueAt(object, path);
  const ok =
    what === 'number|null'
      ? v === null || typeof v === 'number'
      : what === 'array'
        ? Array.isArray(v)
        : what === 'object'
          ? v !== null && typeof v === 'object' && !Array.isArray(v)
          : typeof v === what;
  const expected = what === 'number|null' ? 'a number or null' : what === 'object' || what === 'array' ? `an ${what}` : `a ${what}`;
  if (!ok)
    throw new SpreadlabError(
      `${file}: ${path === '' ? 'top level' : path}: expected ${expected}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`,
    );
}

function checkSummary(file: string, s: unknown): void {
  expectType(file, s, '', 'object');
  for (const path of ['scenario', 'mainHorizon', 'period.start', 'period.end']) expectType(file, s, path, 'string');
  for (const path of [
    'seed',
    'period.seconds',
    'pnl.total',
    'pnl.spreadCapture',
    'pnl.inventory',
    'pnl.fees',
    'pnl.rebates',
    'fills.count',
    'quotes.twoSidedUptime',
    'risk.maxDrawdown',
    'risk.intervalSeconds',
  ]) {
    expectType(file, s, path, 'number');
  }
  for (const path of ['realizedSpreadStats', 'realizedSpreadBps', 'breakdown.bySide', 'breakdown.bySize', 'breakdown.byHour'])
    expectType(file, s, path, 'object');
  expectType(file, s, 'risk.sharpe', 'number|null');
  const main = (s as Summary).mainHorizon;
  expectType(file, s, `realizedSpreadStats.${main}`, 'object');
}

function checkRecord(file: string, r: unknown): void {
  expectType(file, r, '', 'object');
  expectType(file, r, 'scenario', 'object');
  expectType(file, r, 'scenario.name', 'string');
  expectType(file, r, 'scenarioSha256', 'string');
  expectType(file, r, 'seed', 'number');
  expectType(file, r, 'overrides', 'array');
  expectType(file, r, 'dataFiles', 'array');
}

/** A CSV as header + rows of strings; every row must have the header's width. */
function readCsv(file: string, required: string[]): { column: (name: string) => number; rows: string[][] } {
  let records: string[][];
  try {
    records = parse(readText(file), { relax_column_count: false, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new SpreadlabError(`${file}: not a valid CSV (${(error as Error).message})`);
  }
  if (records.length === 0) throw new SpreadlabError(`${file}: empty (expected a header line)`);
  const header = records[0];
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length > 0)
    throw new SpreadlabError(`${file}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header: ${header.join(',')})`);
  return { column: (name) => header.indexOf(name), rows: records.slice(1) };
}

function cellReader(file: string) {
  return {
    num(row: string[], line: number, index: number, name: string): number {
      const v = Number(row[index]);
      if (row[index] === '' || !Number.isFinite(v))
        throw new SpreadlabError(`${file} line ${line}, column ${name}: expected a number, got "${row[index]}"`);
      return v;
    },
    numOrNa(row: string[], line: number, index: number, name: string): number | null {
      if (row[index] === 'NA') return null;
      const v = Number(row[index]);
      if (row[index] === '' || !Number.isFinite(v))
        throw new SpreadlabError(`${file} line ${line}, column ${name}: expected a number or NA, got "${row[index]}"`);
      return v;
    },
  };
}

function readFills(file: string, horizons: string[]): FillRow[] {
  const markoutColumns = horizons.map((h) => `markout_${h}_bps`);
  const columns = [
    'exch_ts_us',
    'order_id',
    'side',
    'price',
    'size',
    'liquidity',
    'fee',
    'position_after',
    'mid',
    'effective_half_spread_bps',
  ];
  const { column, rows } = readCsv(file, [...columns, ...markoutColumns]);
  const c = cellReader(file);
  const at = Object.fromEntries(columns.map((n) => [n, column(n)]));
  const markoutAt = markoutColumns.map(column);
  return rows.map((row, i) => {
    const line = i + 2;
    const side = row[at.side];
    if (side !== 'buy' && side !== 'sell')
      throw new SpreadlabError(`${file} line ${line}, column side: expected buy or sell, got "${side}"`);
    const markoutBps: Record<string, number | null> = {};
    horizons.forEach((h, k) => {
      markoutBps[h] = c.numOrNa(row, line, markoutAt[k], markoutColumns[k]);
    });
    return {
      ts: c.num(row, line, at.exch_ts_us, 'exch_ts_us'),
      orderId: row[at.order_id],
      side,
      price: c.num(row, line, at.price, 'price'),
      size: c.num(row, line, at.size, 'size'),
      liquidity: row[at.liquidity],
      fee: c.num(row, line, at.fee, 'fee'),
      positionAfter: c.num(row, line, at.position_after, 'position_after'),
      mid: c.numOrNa(row, line, at.mid, 'mid'),
      effectiveBps: c.numOrNa(row, line, at.effective_half_spread_bps, 'effective_half_spread_bps'),
      markoutBps,
    };
  });
}

const TIMESERIES_COLUMNS = [
  'ts_us',
  'mid',
  'bid',
  'ask',
  'inventory',
  'pnl_total',
  'pnl_spread_capture',
  'pnl_inventory',
  'pnl_fees',
  'pnl_rebates',
  'pnl_funding',
];

function readTimeseries(file: string): TimeseriesRow[] {
  const { column, rows } = readCsv(file, TIMESERIES_COLUMNS);
  const c = cellReader(file);
  const at = Object.fromEntries(TIMESERIES_COLUMNS.map((n) => [n, column(n)]));
  const parsed = rows.map((row, i) => {
    const line = i + 2;
    return {
      ts: c.num(row, line, at.ts_us, 'ts_us'),
      mid: c.numOrNa(row, line, at.mid, 'mid'),
      bid: c.numOrNa(row, line, at.bid, 'bid'),
      ask: c.numOrNa(row, line, at.ask, 'ask'),
      inventory: c.num(row, line, at.inventory, 'inventory'),
      pnlTotal: c.num(row, line, at.pnl_total, 'pnl_total'),
      spreadCapture: c.num(row, line, at.pnl_spread_capture, 'pnl_spread_capture'),
      inventoryPnl: c.num(row, line, at.pnl_inventory, 'pnl_inventory'),
      fees: c.num(row, line, at.pnl_fees, 'pnl_fees'),
      rebates: c.num(row, line, at.pnl_rebates, 'pnl_rebates'),
      funding: c.num(row, line, at.pnl_funding, 'pnl_funding'),
    };
  });
  if (parsed.length === 0) throw new SpreadlabError(`${file}: no rows (expected at least one sample)`);
  return parsed;
}
