import { isoMicros } from '../core/units.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SpreadlabError } from '../core/errors.ts';
import { readJsonFile } from '../core/json-file.ts';
import { checkOutputFolder, writeFileAtomically } from '../core/output.ts';
import { withOutputLock } from '../core/output-lock.ts';
import type { Summary } from '../analytics/summary.ts';
import { loadRun, type LoadedRun } from '../report/load-run.ts';
import {
  priceDifference,
  renderReconcilePage,
  type ReconcileFigures,
  type ReconcileFill,
  type ReconcileRow,
  type ReconcileSummary,
} from '../report/reconcile-page.ts';
import { RUN_DATA_FILES, RUN_FILE } from '../report/run-files.ts';
import { writeRunFolder } from '../report/run-folder.ts';
import { runScenario, type ScenarioRun } from '../sim/run-scenario.ts';
import { parseScenario } from '../sim/scenario.ts';
import { csvText } from '../sweep/flatten.ts';

/**
 * `spreadlab reconcile LIVE_RUN_DIR`: replays the market a live (or paper) run recorded through the
 * simulator with the same config, from the moment the live strategy started to the moment it stopped, and
 * compares the two runs fill by fill.
 *
 * Rules:
 * - The simulated run is run.json's scenario (the config's strategy, market, venue models; data = the
 *   recorded market.raw.gz) with window = [strategy start, end] from live.json. It is written as an
 *   ordinary run folder in LIVE_RUN_DIR/sim/, so `spreadlab report DIR DIR/sim --out cmp.html` compares them.
 * - Matching: fills are taken in time order; each live fill is paired with the unmatched simulated fill of
 *   the same side closest in time within the tolerance (default 5 s), preferring one at the same price. A
 *   live fill without a partner is `missed` (reality filled, the simulation did not); a simulated fill
 *   without one is `extra` (the simulation filled, reality did not). Paired fills are `matched`, with their
 *   time difference (sim − live, ms), price difference (sim − live) and sizes.
 * - reconcile.csv has one row per live or simulated fill, in time order; reconcile.json the summary (counts,
 *   mean |Δt|, mean price difference, PnL, realized spread at the main horizon of both runs).
 * - Several markets: each market's fills are paired with its own (the same rule, market by market);
 *   reconcile.csv gains a `market` column after `status`; reconcile.json's figures are the whole run's
 *   (fills of every market, mean |Δt| and price difference over every pair, the portfolio's PnL, the net
 *   delta as `position`, realized spread null: it is per market) and `markets.<id>` holds each market's.
 * - reconcile.html shows both runs side by side and fill by fill (src/report/reconcile-page.ts; several
 *   markets: the quoted market's fills, the portfolio's figures).
 * Known limits: one-to-one pairing by side and time; order ids are not comparable (the simulator numbers
 * its orders), a partial fill in one run against a whole fill in the other shows as a size difference.
 */
export interface ReconcileOptions {
  dir: string;
  toleranceMs: number;
}

type Fill = ReconcileFill;

export type { ReconcileFigures, ReconcileRow, ReconcileSummary };

/** The files reconcile writes into the run folder (besides the simulated run in sim/). */
export const RECONCILE_FILE = { csv: 'reconcile.csv', summary: 'reconcile.json', page: 'reconcile.html' } as const;

/** A run's figures that reconcile compares. */
type RunFigures = ReconcileFigures['live'];

export async function reconcile(options: ReconcileOptions): Promise<{ rows: ReconcileRow[]; summary: ReconcileSummary }> {
  checkOutputFolder(options.dir, 'live-run', 'the live run folder');
  return withOutputLock(options.dir, 'reconciling the live run', () => reconcileLocked(options));
}

async function reconcileLocked(options: ReconcileOptions): Promise<{ rows: ReconcileRow[]; summary: ReconcileSummary }> {
  const { dir } = options;
  for (const f of [...RUN_DATA_FILES, 'live.json']) {
    if (!existsSync(join(dir, f))) throw new SpreadlabError(`${dir}: not a live run folder (no ${f})`);
  }
  const liveRun = loadRun(dir);
  const liveJson = readLiveJson(join(dir, 'live.json'));
  if (liveJson.strategyStartUs === null)
    throw new SpreadlabError(`${dir}/live.json: the strategy never started (no market data?): nothing to reconcile`);
  const window = { from: isoMicros(liveJson.strategyStartUs), to: isoMicros(liveJson.endUs) };
  const scenario = parseScenario({ ...liveRun.record.scenario, window }, join(dir, RUN_FILE.record));
  const simRun = await runScenario(scenario, dir);
  const simAnalysis = writeRunFolder(join(dir, 'sim'), simRun, [`window.from=${window.from}`, `window.to=${window.to}`]);
  const tolerance = options.toleranceMs * 1000;
  const live = liveRun.portfolio;
  const sim = simAnalysis.portfolio;
  let rows: ReconcileRow[];
  let summary: ReconcileSummary;
  if (!live || !sim) {
    rows = matchFills(liveFillsOf(liveRun), simFillsOf(simRun.markets[0]), tolerance);
    summary = {
      ...figuresOf(rows, runFigures(liveRun.summary), runFigures(simAnalysis.summary)),
      toleranceMs: options.toleranceMs,
      window,
    };
  } else {
    const perMarket = live.markets.map(({ id, run }, i) => {
      const own = matchFills(liveFillsOf(run), simFillsOf(simRun.markets[i]), tolerance).map((row) => ({ ...row, market: id }));
      return { id, rows: own, figures: figuresOf(own, runFigures(run.summary), runFigures(sim.markets[i].summary)) };
    });
    rows = perMarket.flatMap((m) => m.rows).sort((a, b) => rowTs(a) - rowTs(b));
    const whole = (p: typeof live.summary): RunFigures => ({ pnl: p.pnl.total, realizedSpreadBps: null, position: p.netDelta.final });
    summary = {
      ...figuresOf(rows, whole(live.summary), whole(sim.summary)),
      toleranceMs: options.toleranceMs,
      window,
      markets: Object.fromEntries(perMarket.map((m) => [m.id, m.figures])),
    };
  }
  writeFileAtomically(join(dir, RECONCILE_FILE.csv), reconcileCsv(rows, summary.markets !== undefined));
  writeFileAtomically(join(dir, RECONCILE_FILE.summary), `${JSON.stringify(summary, null, 2)}\n`);
  const page = renderReconcilePage({ summary, rows, live: liveRun, sim: loadRun(join(dir, 'sim')), mode: liveJson.mode ?? 'live' });
  writeFileAtomically(join(dir, RECONCILE_FILE.page), page);
  return { rows, summary };
}

/** A market's simulated fills, in decimal units. */
function simFillsOf({ result, units }: ScenarioRun['markets'][number]): Fill[] {
  return result.fills.map((f) => ({
    ts: f.exchTs,
    orderId: f.orderId,
    side: f.side,
    price: units.price(f.price),
    size: units.size(f.size),
    liquidity: f.liquidity,
  }));
}

/** A (one-market view of a) live run's fills. */
function liveFillsOf(run: LoadedRun): Fill[] {
  return run.fills.map((f) => ({ ts: f.ts, orderId: f.orderId, side: f.side, price: f.price, size: f.size, liquidity: f.liquidity }));
}

function runFigures(summary: Summary): RunFigures {
  return {
    pnl: summary.pnl.total,
    realizedSpreadBps: summary.realizedSpreadBps[summary.mainHorizon] ?? null,
    position: summary.inventory.final,
  };
}

/** The counts and means of paired rows, with both runs' figures. */
function figuresOf(rows: ReconcileRow[], live: RunFigures, sim: RunFigures): ReconcileFigures {
  const matched = rows.filter((r) => r.status === 'matched');
  const mean = (xs: number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    liveFills: rows.filter((r) => r.live).length,
    simFills: rows.filter((r) => r.sim).length,
    matched: matched.length,
    missed: rows.filter((r) => r.status === 'missed').length,
    extra: rows.filter((r) => r.status === 'extra').length,
    meanAbsDtMs: mean(matched.map((r) => Math.abs(r.sim!.ts - r.live!.ts) / 1000)),
    meanPriceDiff: mean(matched.map((r) => priceDifference(r.sim!.price, r.live!.price))),
    sameprice: matched.filter((r) => r.sim!.price === r.live!.price).length,
    live,
    sim,
  };
}

const rowTs = (row: ReconcileRow): number => (row.live ?? row.sim)!.ts;

function readLiveJson(file: string): { strategyStartUs: number | null; endUs: number; mode?: string } {
  return readJsonFile(file, 'live run record') as { strategyStartUs: number | null; endUs: number; mode?: string };
}

/** Pairs live and simulated fills (see the rules above); rows in time order. */
export function matchFills(live: Fill[], sim: Fill[], toleranceUs: number): ReconcileRow[] {
  const used = new Array<boolean>(sim.length).fill(false);
  const rows: ReconcileRow[] = [];
  const sortedLive = [...live].sort((a, b) => a.ts - b.ts);
  for (const l of sortedLive) {
    let best = -1;
    let bestKey = Infinity;
    sim.forEach((s, i) => {
      if (used[i] || s.side !== l.side) return;
      const dt = Math.abs(s.ts - l.ts);
      if (dt > toleranceUs) return;
      const key = dt + (s.price === l.price ? 0 : toleranceUs);
      if (key < bestKey) {
        bestKey = key;
        best = i;
      }
    });
    if (best >= 0) {
      used[best] = true;
      rows.push({ status: 'matched', side: l.side, live: l, sim: sim[best] });
    } else rows.push({ status: 'missed', side: l.side, live: l, sim: null });
  }
  sim.forEach((s, i) => {
    if (!used[i]) rows.push({ status: 'extra', side: s.side, live: null, sim: s });
  });
  return rows.sort((a, b) => rowTs(a) - rowTs(b));
}

function reconcileCsv(rows: ReconcileRow[], several: boolean): string {
  const header = [
    'status',
    ...(several ? ['market'] : []),
    'side',
    'live_ts_us',
    'live_time',
    'sim_ts_us',
    'sim_time',
    'dt_ms',
    'live_price',
    'sim_price',
    'price_diff',
    'live_size',
    'sim_size',
    'live_liquidity',
    'sim_liquidity',
    'live_order_id',
    'sim_order_id',
  ];
  const cells = rows.map((r) => {
    const { live: l, sim: s } = r;
    return [
      r.status,
      ...(several ? [r.market] : []),
      r.side,
      l?.ts,
      l ? isoMicros(l.ts) : null,
      s?.ts,
      s ? isoMicros(s.ts) : null,
      l && s ? (s.ts - l.ts) / 1000 : null,
      l?.price,
      s?.price,
      l && s ? priceDifference(s.price, l.price) : null,
      l?.size,
      s?.size,
      l?.liquidity,
      s?.liquidity,
      l?.orderId,
      s?.orderId,
    ];
  });
  return csvText([header, ...cells]);
}

export function formatReconcile(s: ReconcileSummary): string {
  const f = (x: number | null, d = 2): string => (x === null ? 'NA' : x.toFixed(d));
  return [
    `window              ${s.window.from} → ${s.window.to}`,
    `fills live / sim    ${s.liveFills} / ${s.simFills}`,
    `matched             ${s.matched} (${s.sameprice} at the same price), tolerance ${s.toleranceMs} ms`,
    `missed by the sim   ${s.missed} (reality filled, simulation did not)`,
    `extra in the sim    ${s.extra} (simulation filled, reality did not)`,
    `mean |Δt| matched   ${f(s.meanAbsDtMs, 1)} ms; mean price diff (sim − live) ${f(s.meanPriceDiff, 6)}`,
    `PnL live / sim      ${s.live.pnl} / ${s.sim.pnl}`,
    `realized spread     live ${f(s.live.realizedSpreadBps)} bps / sim ${f(s.sim.realizedSpreadBps)} bps`,
    `${(s.markets ? 'final net delta' : 'final position').padEnd(20)}live ${s.live.position} / sim ${s.sim.position}`,
    ...Object.entries(s.markets ?? {}).map(
      ([id, m]) =>
        `market ${id}: fills live / sim ${m.liveFills} / ${m.simFills}, matched ${m.matched}, missed ${m.missed}, extra ${m.extra}; PnL live / sim ${m.live.pnl} / ${m.sim.pnl}; position live ${m.live.position} / sim ${m.sim.position}`,
    ),
    '',
  ].join('\n');
}
