import { isoMicros } from '../core/units.ts';
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { equityOf } from '../analytics/risk.ts';
import { analyzeRun, type RunAnalysis } from '../analytics/summary.ts';
import { packageVersion } from '../core/version.ts';
import { MICRO } from '../ledger/ledger.ts';
import type { ScenarioRun } from '../sim/run-scenario.ts';
import { writeRunReport } from './html.ts';

/**
 * Writes a run's files: summary.json, fills.csv, timeseries.csv, run.json, report.html.
 * - writeRunFiles writes them into an existing folder (which may hold other files, e.g. a live run's),
 *   in that order, each under a temporary name renamed into place, so a file is there whole or not at
 *   all (report.html, rendered from the others, comes last).
 * - writeRunFolder makes a folder of them: assembled under a temporary name beside the target and renamed
 *   into place only when every file is written, so a crash never leaves a half-written run folder under
 *   the final name.
 * Outputs contain no wall-clock time: the same scenario and seed give byte-identical files. Figures that
 * do not exist (a markout past the end of the data, a missing quote) are written as NA, which pandas reads
 * as NaN.
 */
export const RUN_FILES = ['summary.json', 'fills.csv', 'timeseries.csv', 'run.json', 'report.html'] as const;

export function writeRunFolder(dir: string, run: ScenarioRun, overrides: string[]): RunAnalysis {
  const staging = join(dirname(dir), `.${basename(dir)}.partial`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const analysis = writeRunFiles(staging, run, overrides);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return analysis;
}

export function writeRunFiles(dir: string, run: ScenarioRun, overrides: string[]): RunAnalysis {
  const analysis = analyzeRun(run);
  const put = (name: string, write: (path: string) => void): void => {
    const partial = join(dir, `.${name}.partial`);
    write(partial);
    renameSync(partial, join(dir, name));
  };
  const text = (value: string) => (path: string) => writeFileSync(path, value);
  put('summary.json', text(json(analysis.summary)));
  put('fills.csv', text(fillsCsv(run, analysis)));
  put('timeseries.csv', text(timeseriesCsv(run, analysis)));
  put('run.json', text(json(runRecord(run, overrides))));
  put('report.html', (path) => writeRunReport(dir, path)); // rendered from the files just written (as `spreadlab report` does)
  return analysis;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function csv(header: string[], rows: (string | number)[][]): string {
  return `${[header.join(','), ...rows.map((r) => r.join(','))].join('\n')}\n`;
}

/** A number, or NA when it does not exist. */
function na(value: number, digits?: number): string | number {
  if (!Number.isFinite(value)) return 'NA';
  return digits === undefined ? value : Number(value.toFixed(digits));
}

function fillsCsv({ result, units }: ScenarioRun, analysis: RunAnalysis): string {
  const header = [
    'exch_ts_us',
    'time',
    'order_id',
    'side',
    'price',
    'size',
    'liquidity',
    'fee',
    'position_after',
    'mid',
    'effective_half_spread',
    'effective_half_spread_bps',
  ];
  for (const h of analysis.horizonLabels) header.push(`mid_${h}`, `markout_${h}`, `markout_${h}_bps`);
  const tick = units.spec.tickSize;
  const rows = result.fills.map((f, i) => {
    const m = analysis.markouts[i];
    const row: (string | number)[] = [
      f.exchTs,
      isoMicros(f.exchTs),
      f.orderId,
      f.side,
      units.formatPrice(f.price),
      units.formatSize(f.size),
      f.liquidity,
      units.money(f.fee),
      units.formatSize(f.positionAfter),
      na(m.mid * tick, units.priceDecimals + 1),
      na(m.effectiveTicks * tick, units.priceDecimals + 1),
      na(m.effectiveBps, 4),
    ];
    m.midAfter.forEach((mid, h) =>
      row.push(na(mid * tick, units.priceDecimals + 1), na(m.markoutTicks[h] * tick, units.priceDecimals + 1), na(m.markoutBps[h], 4)),
    );
    return row;
  });
  return csv(header, rows);
}

function timeseriesCsv({ units }: ScenarioRun, analysis: RunAnalysis): string {
  const header = [
    'ts_us',
    'time',
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
  const money = (halfTickLots: number): number => units.money((BigInt(halfTickLots) * MICRO) / 2n);
  const price = (ticks: number): string => (Number.isFinite(ticks) ? units.formatPrice(ticks) : 'NA');
  const rows = analysis.timeseries.map((s) => [
    s.time,
    isoMicros(s.time),
    na((s.mid2 / 2) * units.spec.tickSize, units.priceDecimals + 1),
    price(s.ownBid),
    price(s.ownAsk),
    units.formatSize(s.position),
    equityOf(s, units),
    money(s.spreadCapture),
    money(s.inventory),
    units.money(s.fees),
    units.money(s.rebates),
    0,
  ]);
  return csv(header, rows);
}

function runRecord(run: ScenarioRun, overrides: string[]): unknown {
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
