import { csvField, numberText } from '../core/csv.ts';
import { isoMicros } from '../core/units.ts';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { equityOf } from '../analytics/risk.ts';
import type { RunAnalysis } from '../analytics/summary.ts';
import type { TimelineSample } from '../analytics/timeline.ts';
import type { MarketUnits } from '../core/market.ts';
import { packageVersion } from '../core/version.ts';
import { PiecewiseFile, writeFileAtomically, type FileContent } from '../core/output.ts';
import { MICRO } from '../ledger/ledger.ts';
import type { ScenarioRun } from '../sim/run-scenario.ts';
import { finalStatus, type OrderRecord } from '../sim/order-log.ts';
import { FUNDING_HEADER, fundingRow, PORTFOLIO_FILE } from './portfolio-files.ts';
import { loadRunFrom, type NumberedRow, type RunFileSource } from './load-run.ts';
import { reportBytes } from './run-report.ts';
import {
  fillsRow,
  ordersRow,
  RUN_FILE,
  STRATEGY_SERIES_HEADER,
  strategySeriesRow,
  timeseriesRow,
  type Cell,
  type RunRecord,
} from './run-files.ts';

/**
 * The content of a run folder's files, written by run-folder.ts (one market) and portfolio-folder.ts
 * (several): one market's rows of fills.csv, orders.csv and timeseries.csv (the run-files contract,
 * run-files.ts), strategy-series.csv, funding.csv, run.json, and how a file is put in place (whole or not at
 * all). Figures that do not exist (a markout past the end of the data, a missing quote) are written as NA,
 * which pandas reads as NaN.
 */
/**
 * Writes the files of a run folder, each whole or not at all (under a temporary name, renamed into place),
 * and serves what it writes — the JSON documents and the CSV rows — as the run's RunFileSource, so that
 * report.html is rendered from them (load-run.ts reads them exactly as it reads the files back) instead of
 * parsing the files just written. A table is written as it is read back: each row is formatted, written and
 * handed to the reader in turn, so a day's rows are never held as cells (only as the report reads them);
 * `finish` writes the tables nothing read.
 */
export class RunFileWriter {
  private readonly documents = new Map<string, unknown>();
  /** The tables given and not yet written. */
  private readonly tables = new Map<string, { header: string[]; rows: Iterable<Cell[]> }>();
  private readonly names = new Set<string>();

  constructor(readonly dir: string) {}

  document(name: string, value: unknown): void {
    const text = json(value);
    this.put(name, text);
    this.documents.set(name, JSON.parse(text));
  }

  /** A CSV file of these rows (produced as they are read: a generator), written when read back or by `finish`. */
  table(name: string, header: string[], rows: Iterable<Cell[]>): void {
    this.tables.set(name, { header, rows });
    this.names.add(name);
  }

  put(name: string, content: FileContent): void {
    writeFileAtomically(join(this.dir, name), content);
    this.names.add(name);
  }

  /** The files given to this writer, in the order given (the order a run's files are listed in). */
  get written(): string[] {
    return [...this.names];
  }

  /** Writes the tables not read back. */
  finish(): void {
    for (const name of [...this.tables.keys()]) {
      const rows = this.writtenRows(name);
      while (!rows.next().done);
    }
  }

  /** What was written, as a run read back. */
  get source(): RunFileSource {
    return {
      dir: this.dir,
      has: (name) => this.names.has(name),
      json: (name) => this.documents.get(name),
      rows: (name, header) => {
        if (this.tables.get(name)?.header.join(',') !== header.join(','))
          throw new Error(`${name}: read with a header other than the one it was written with, or read twice`);
        return this.writtenRows(name);
      },
    };
  }

  /** A table's rows with their lines, each written to its file before it is passed on; the file is put in place after the last. */
  private *writtenRows(name: string): Generator<NumberedRow> {
    const { header, rows } = this.tables.get(name)!;
    this.tables.delete(name);
    const file = new PiecewiseFile(join(this.dir, name));
    let complete = false;
    try {
      file.write(`${header.join(',')}\n`);
      let line = 2;
      for (const row of rows) {
        const text = csvLine(row);
        file.write(text);
        yield { cells: row, line };
        line += text.indexOf('\n') === text.length - 1 ? 1 : text.split('\n').length - 1; // a quoted text may hold line breaks
      }
      file.commit();
      complete = true;
    } finally {
      if (!complete) file.abandon();
    }
  }
}

/** The files after the tables: strategy-series.csv and funding.csv when there is something in them, report.html last. */
export function writeCommonFiles(run: ScenarioRun, files: RunFileWriter): void {
  const recorded = run.result.strategySeries.points();
  if (recorded.length > 0) files.table(RUN_FILE.strategySeries, STRATEGY_SERIES_HEADER, strategySeriesRows(recorded));
  const funding = fundingRows(run);
  if (funding.length > 0) files.table(PORTFOLIO_FILE.funding, FUNDING_HEADER, funding);
  const report = reportBytes(loadRunFrom(files.source)); // read back as `spreadlab report` reads the folder
  files.finish();
  files.put(RUN_FILE.report, report);
}

/** funding.csv: every market's funding payments, in time order (market order at equal times). */
function fundingRows(run: ScenarioRun): Cell[][] {
  const payments = run.markets.flatMap(({ market, units, result }) =>
    result.funding.map((p) =>
      fundingRow({
        ts_us: p.ts,
        time: isoMicros(p.ts),
        market: market.id,
        rate: p.rate,
        mark_price: p.markPrice,
        position: units.formatSize(p.position),
        payment: units.money(p.amount),
      }),
    ),
  );
  return payments.sort((a, b) => Number(a[0]) - Number(b[0]));
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * A CSV line of these cells (core/csv.ts), with its line break. The texts are joined in one piece: adding them
 * to the line one by one makes a string object per cell (~90 MB of the garbage a day's tail makes).
 */
function csvLine(row: Cell[]): string {
  return `${row.map(cellText).join(',')}\n`;
}

function cellText(cell: Cell): string {
  return typeof cell === 'number' ? numberText(cell) : csvField(cell);
}

/**
 * A number, or NA when it does not exist; with `digits`, rounded to that many decimals and written as the
 * rounded number prints (String(Number(value.toFixed(digits))): no trailing zeros, −0 as 0), as text.
 */
export function na(value: number, digits?: number): Cell {
  if (!Number.isFinite(value)) return 'NA';
  return digits === undefined ? value : roundedText(value, digits);
}

/**
 * String(Number(value.toFixed(digits))), from toFixed's text alone when that is the same text less its
 * trailing zeros: at most 15 digits (a decimal that short is the shortest text of the double nearest to it)
 * and at most 6 decimals (smaller numbers print with an exponent).
 */
function roundedText(value: number, digits: number): string {
  const fixed = value.toFixed(digits);
  if (digits === 0 || digits > 6 || fixed.length > 15) return String(Number(fixed));
  let end = fixed.length;
  while (fixed.charCodeAt(end - 1) === 48) end--; // '0'
  if (fixed.charCodeAt(end - 1) === 46) end--; // '.'
  const text = fixed.slice(0, end);
  return text === '-0' ? '0' : text;
}

/** How far an order's limit price was from the mid it met, ticks, positive on its own side (a bid below the mid). */
function placedDistance(order: OrderRecord): number {
  const fromMid = order.price - order.placedMid2 / 2;
  return order.side === 'buy' ? -fromMid : fromMid;
}

/** fills.csv's rows of one market, made as they are read. */
export function* fillsRows(
  { result, units, orders }: Pick<ScenarioRun, 'result' | 'units' | 'orders'>,
  analysis: RunAnalysis,
): Generator<Cell[]> {
  const tick = units.spec.tickSize;
  const price = (ticks: number): Cell => na(ticks * tick, units.priceDecimals + 1);
  const byId = new Map(orders.map((o) => [o.id, o]));
  for (let i = 0; i < result.fills.length; i++) {
    const f = result.fills[i];
    const m = analysis.markouts[i];
    const order = byId.get(f.orderId);
    yield fillsRow(
      {
        exch_ts_us: f.exchTs,
        time: isoMicros(f.exchTs),
        order_id: f.orderId,
        side: f.side,
        price: units.formatPrice(f.price),
        size: units.formatSize(f.size),
        liquidity: f.liquidity,
        fee: units.money(f.fee),
        position_after: units.formatSize(f.positionAfter),
        mid: price(m.mid),
        effective_half_spread: price(m.effectiveTicks),
        effective_half_spread_bps: na(m.effectiveBps, 4),
        local_ts_us: f.noticeTs,
        order_age_us: na(f.exchTs - (order?.venueTs ?? NaN)),
        placed_distance_ticks: na(order ? placedDistance(order) : NaN),
        placed_queue_ahead: order ? sizeOrNa(units, order.placedQueueAhead) : 'NA',
      },
      m.midAfter.map((mid, h) => ({ midAfter: price(mid), markout: price(m.markoutTicks[h]), markoutBps: na(m.markoutBps[h], 4) })),
    );
  }
}

function sizeOrNa(units: ScenarioRun['units'], lots: number): Cell {
  return Number.isFinite(lots) ? units.formatSize(lots) : 'NA';
}

/** orders.csv's rows of one market, made as they are read. */
export function* ordersRows({ orders, units }: Pick<ScenarioRun, 'orders' | 'units'>): Generator<Cell[]> {
  for (const o of orders) {
    yield ordersRow({
      order_id: o.id,
      side: o.side,
      type: o.type,
      price: Number.isFinite(o.price) ? units.formatPrice(o.price) : 'NA',
      size: units.formatSize(o.size),
      post_only: String(o.postOnly),
      time_in_force: o.timeInForce,
      sent_ts_us: o.sentTs,
      venue_ts_us: na(o.venueTs),
      ack_ts_us: na(o.ackTs),
      status: finalStatus(o),
      reason: o.reason,
      filled: units.formatSize(o.filled),
      cancel_ts_us: na(o.cancelTs),
      placed_mid: na((o.placedMid2 / 2) * units.spec.tickSize, units.priceDecimals + 1),
      placed_distance_ticks: na(placedDistance(o)),
      placed_queue_ahead: sizeOrNa(units, o.placedQueueAhead),
    });
  }
}

/** timeseries.csv's rows of one market, made as they are read. */
export function* timeseriesRows(units: MarketUnits, timeseries: TimelineSample[]): Generator<Cell[]> {
  const money = (halfTickLots: number): number => units.money((BigInt(halfTickLots) * MICRO) / 2n);
  const price = (ticks: number): string => (Number.isFinite(ticks) ? units.formatPrice(ticks) : 'NA');
  for (const s of timeseries) {
    yield timeseriesRow({
      ts_us: s.time,
      time: isoMicros(s.time),
      mid: na((s.mid2 / 2) * units.spec.tickSize, units.priceDecimals + 1),
      bid: price(s.ownBid),
      ask: price(s.ownAsk),
      inventory: units.formatSize(s.position),
      pnl_total: equityOf(s, units),
      pnl_spread_capture: money(s.spreadCapture),
      pnl_inventory: money(s.inventory),
      pnl_fees: units.money(s.fees),
      pnl_rebates: units.money(s.rebates),
      pnl_funding: units.money(s.funding),
    });
  }
}

function strategySeriesRows(points: { time: number; name: string; value: number }[]): Cell[][] {
  return points.map((p) => strategySeriesRow({ ts_us: p.time, time: isoMicros(p.time), name: p.name, value: p.value }));
}

export function runRecord(run: ScenarioRun, overrides: string[]): RunRecord {
  return {
    spreadlab: packageVersion(),
    scenario: run.scenario,
    scenarioSha256: createHash('sha256').update(JSON.stringify(run.scenario)).digest('hex'),
    seed: run.scenario.seed,
    overrides,
    dataFiles: run.dataFiles,
    ...(run.strategyModule ? { strategyModule: run.strategyModule } : {}),
  };
}
