import { isoMicros } from '../core/units.ts';
import { createHash } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { equityOf } from '../analytics/risk.ts';
import { analyzeRun, type RunAnalysis } from '../analytics/summary.ts';
import { asOutputError, isTemporaryName, replaceFolder } from '../core/output.ts';
import { packageVersion } from '../core/version.ts';
import { MICRO } from '../ledger/ledger.ts';
import type { ScenarioRun } from '../sim/run-scenario.ts';
import { writeRunReport } from './html.ts';
import { finalStatus, type OrderRecord } from '../sim/order-log.ts';
import {
  fillsHeader,
  fillsRow,
  ORDERS_HEADER,
  ordersRow,
  RUN_FILE,
  RUN_FILES,
  STRATEGY_SERIES_HEADER,
  strategySeriesRow,
  TIMESERIES_HEADER,
  timeseriesRow,
  type Cell,
  type RunRecord,
} from './run-files.ts';

/**
 * Writes a run's files (the run-files contract, run-files.ts): summary.json, fills.csv, timeseries.csv,
 * run.json, orders.csv, strategy-series.csv (when the strategy recorded a series), report.html.
 * - writeRunFiles writes them into an existing folder (which may hold other files, e.g. a live run's),
 *   in that order, each under a temporary name renamed into place, so a file is there whole or not at
 *   all (report.html, rendered from the others, comes last).
 * - writeRunFolder makes a folder of them (kind "run" of core/output.ts): assembled under a temporary name
 *   beside the target and renamed into place only when every file is written, so a crash never leaves a
 *   half-written run folder under the final name. An existing folder is replaced only when it is a run
 *   folder spreadlab wrote (its marker) holding nothing but run files; anything else is refused.
 * Outputs contain no wall-clock time: the same scenario and seed give byte-identical files. Figures that
 * do not exist (a markout past the end of the data, a missing quote) are written as NA, which pandas reads
 * as NaN.
 */
export function writeRunFolder(dir: string, run: ScenarioRun, overrides: string[]): RunAnalysis {
  return replaceFolder(dir, 'run', isRunFolderEntry, (staging) => writeRunFiles(staging, run, overrides));
}

/** What a run folder may hold: its files, and the temporary names they are written under. */
export function isRunFolderEntry(name: string): boolean {
  return (RUN_FILES as readonly string[]).includes(name) || name === RUN_FILE.strategySeries || isTemporaryName(name);
}

export function writeRunFiles(dir: string, run: ScenarioRun, overrides: string[]): RunAnalysis {
  const analysis = analyzeRun(run);
  const put = (name: string, write: (path: string) => void): void => {
    const partial = join(dir, `.${name}.partial`);
    try {
      write(partial);
      renameSync(partial, join(dir, name));
    } catch (error) {
      rmSync(partial, { force: true });
      throw asOutputError(join(dir, name), error);
    }
  };
  const text = (value: string) => (path: string) => writeFileSync(path, value);
  put(RUN_FILE.summary, text(json(analysis.summary)));
  put(RUN_FILE.fills, text(fillsCsv(run, analysis)));
  put(RUN_FILE.timeseries, text(timeseriesCsv(run, analysis)));
  put(RUN_FILE.record, text(json(runRecord(run, overrides))));
  put(RUN_FILE.orders, text(ordersCsv(run)));
  const recorded = run.result.strategySeries.points();
  if (recorded.length > 0) put(RUN_FILE.strategySeries, text(strategySeriesCsv(recorded)));
  put(RUN_FILE.report, (path) => writeRunReport(dir, path)); // rendered from the files just written (as `spreadlab report` does)
  return analysis;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function csv(header: string[], rows: Cell[][]): string {
  return `${[header.join(','), ...rows.map((r) => r.map(quoted).join(','))].join('\n')}\n`;
}

/** A cell as CSV writes it: text holding a comma, a quote or a line break goes in quotes (inner quotes doubled). */
function quoted(cell: Cell): Cell {
  return typeof cell === 'string' && /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** A number, or NA when it does not exist. */
function na(value: number, digits?: number): Cell {
  if (!Number.isFinite(value)) return 'NA';
  return digits === undefined ? value : Number(value.toFixed(digits));
}

/** How far an order's limit price was from the mid it met, ticks, positive on its own side (a bid below the mid). */
function placedDistance(order: OrderRecord): number {
  const fromMid = order.price - order.placedMid2 / 2;
  return order.side === 'buy' ? -fromMid : fromMid;
}

function fillsCsv({ result, units, orders }: ScenarioRun, analysis: RunAnalysis): string {
  const tick = units.spec.tickSize;
  const price = (ticks: number): Cell => na(ticks * tick, units.priceDecimals + 1);
  const byId = new Map(orders.map((o) => [o.id, o]));
  const rows = result.fills.map((f, i) => {
    const m = analysis.markouts[i];
    const order = byId.get(f.orderId);
    return fillsRow(
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
  });
  return csv(fillsHeader(analysis.horizonLabels), rows);
}

function sizeOrNa(units: ScenarioRun['units'], lots: number): Cell {
  return Number.isFinite(lots) ? units.formatSize(lots) : 'NA';
}

function ordersCsv({ orders, units }: ScenarioRun): string {
  const rows = orders.map((o) =>
    ordersRow({
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
    }),
  );
  return csv(ORDERS_HEADER, rows);
}

function timeseriesCsv({ units }: ScenarioRun, analysis: RunAnalysis): string {
  const money = (halfTickLots: number): number => units.money((BigInt(halfTickLots) * MICRO) / 2n);
  const price = (ticks: number): string => (Number.isFinite(ticks) ? units.formatPrice(ticks) : 'NA');
  const rows = analysis.timeseries.map((s) =>
    timeseriesRow({
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
      pnl_funding: 0,
    }),
  );
  return csv(TIMESERIES_HEADER, rows);
}

function strategySeriesCsv(points: { time: number; name: string; value: number }[]): string {
  const rows = points.map((p) => strategySeriesRow({ ts_us: p.time, time: isoMicros(p.time), name: p.name, value: p.value }));
  return csv(STRATEGY_SERIES_HEADER, rows);
}

function runRecord(run: ScenarioRun, overrides: string[]): RunRecord {
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
