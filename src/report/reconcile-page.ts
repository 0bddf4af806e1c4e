import { isoMicros } from '../core/units.ts';
import { escapeHtml, figureSpan, formatFigure, renderPage, type FigureFormat } from './html.ts';
import type { LoadedRun } from './load-run.ts';
import { COLORS, downsample, MAX_POINTS, moneyUnit, WIDE, HALF, type ChartSpec, type Spec } from './specs.ts';

/**
 * The reconcile page (reconcile.html in a live or paper run folder, written by `spreadlab reconcile`): the
 * live run and its simulation side by side, then fill by fill.
 * - The figures table: each figure of the live run's summary.json beside the simulated run's (DIR/sim),
 *   and the pairing's counts from reconcile.json. Every figure carries data-key, data-value and data-run
 *   ("live", "sim" or "reconcile") so a test can compare the page with the files.
 * - Charts: the mid (the live run's) with every live fill (filled marks) and simulated fill (open marks),
 *   coloured by how it paired, a line joining each matched pair; cumulative PnL of both runs; the time
 *   differences of matched pairs.
 * - The fill-by-fill table: one row per row of reconcile.csv, in its order, each cell with its exact value.
 * Output is a pure function of the inputs (no wall-clock time).
 */
export interface ReconcileFill {
  ts: number;
  orderId: string;
  side: string;
  price: number;
  size: number;
  liquidity: string;
}

export interface ReconcileRow {
  status: 'matched' | 'missed' | 'extra';
  /** Several markets: the market of the pair (its id). */
  market?: string;
  side: string;
  live: ReconcileFill | null;
  sim: ReconcileFill | null;
}

/** A reconcile's figures (the run's; several markets: also each market's). */
export interface ReconcileFigures {
  liveFills: number;
  simFills: number;
  matched: number;
  missed: number;
  extra: number;
  meanAbsDtMs: number | null;
  meanPriceDiff: number | null;
  sameprice: number;
  live: { pnl: number; realizedSpreadBps: number | null; position: number };
  sim: { pnl: number; realizedSpreadBps: number | null; position: number };
}

export interface ReconcileSummary extends ReconcileFigures {
  toleranceMs: number;
  window: { from: string; to: string };
  /** Several markets: each market's figures, by id. */
  markets?: Record<string, ReconcileFigures>;
}

export interface ReconcilePage {
  summary: ReconcileSummary;
  rows: ReconcileRow[];
  live: LoadedRun;
  sim: LoadedRun;
  /** live, paper or dry-run (live.json's mode). */
  mode: string;
}

/** sim − live price, without float noise (prices have at most 10 decimals). */
export function priceDifference(sim: number, live: number): number {
  return Number((sim - live).toFixed(10));
}

const STATUS_COLORS = { matched: COLORS.spreadCapture, missed: COLORS.sell, extra: COLORS.funding };

const STATUS_TEXT = {
  matched: 'matched: both filled',
  missed: 'missed: live filled, the simulation did not',
  extra: 'extra: the simulation filled, live did not',
};

/** Figures compared side by side: summary.json key, label, format. */
function comparedFigures(live: LoadedRun): [string, string, FigureFormat][] {
  const h = live.summary.mainHorizon;
  const currency = moneyUnit(live);
  return [
    ['fills.count', 'fills', 'count'],
    ['fills.buys', 'buys', 'count'],
    ['fills.sells', 'sells', 'count'],
    ['pnl.total', `PnL total (${currency})`, 'money'],
    ['pnl.spreadCapture', 'spread capture', 'money'],
    ['pnl.inventory', 'inventory PnL', 'money'],
    ['pnl.fees', 'fees', 'money'],
    ['pnl.rebates', 'rebates', 'money'],
    ['effectiveSpreadBps', 'effective half-spread', 'bps'],
    [`realizedSpreadBps.${h}`, `realized spread ${h}`, 'bps'],
    [`netRealizedSpreadStats.${h}.mean`, `realized spread ${h} net of fees`, 'bps'],
    ['orders.sent', 'orders sent', 'count'],
    ['orders.cancelled', 'orders cancelled', 'count'],
    ['quotes.twoSidedUptime', 'two-sided uptime', 'pct'],
    ['inventory.final', 'final position', 'size'],
    ['inventory.max', 'max |position|', 'size'],
  ];
}

function sideBySide(page: ReconcilePage): string {
  const { live, sim, summary } = page;
  const figure = (source: unknown, key: string, format: FigureFormat, run: string) =>
    figureSpan(source, key, format, { sign: key === 'pnl.total', run });
  const rows = comparedFigures(live).map(
    ([key, label, format]) =>
      `<tr><td class="label">${escapeHtml(label)}</td><td>${figure(live.summary, key, format, 'live')}</td><td>${figure(sim.summary, key, format, 'sim')}</td></tr>`,
  );
  const pairing: [string, string, FigureFormat][] = [
    ['matched', 'matched pairs', 'count'],
    ['sameprice', 'matched at the same price', 'count'],
    ['missed', 'missed by the simulation', 'count'],
    ['extra', 'extra in the simulation', 'count'],
    ['meanAbsDtMs', 'mean |Δt| of matched pairs (ms)', 'number'],
    ['meanPriceDiff', 'mean price difference (sim − live)', 'number'],
  ];
  const pairRows = pairing.map(
    ([key, label, format]) =>
      `<tr><td class="label">${escapeHtml(label)}</td><td colspan="2">${figure(summary, key, format, 'reconcile')}</td></tr>`,
  );
  return `<div class="card"><h2 style="margin-top:0">Side by side</h2><table class="figures"><thead><tr><th>figure</th><th>${escapeHtml(page.mode)}</th><th>simulation</th></tr></thead><tbody>${rows.join('')}</tbody><tbody>${pairRows.join('')}</tbody></table></div>`;
}

function cell(value: number | string | null | undefined, text?: string): string {
  if (value === null || value === undefined) return '<td data-value="null"></td>';
  return `<td data-value="${escapeHtml(String(value))}">${escapeHtml(text ?? String(value))}</td>`;
}

/** The fill-by-fill table, one row per reconcile.csv row. */
function fillTable(rows: ReconcileRow[]): string {
  const time = (ts: number | undefined) => (ts === undefined ? undefined : isoMicros(ts).slice(11, 23));
  const body = rows.map((r, i) => {
    const { live: l, sim: s } = r;
    const dt = l && s ? (s.ts - l.ts) / 1000 : null;
    const dp = l && s ? priceDifference(s.price, l.price) : null;
    return `<tr data-status="${r.status}" data-row="${i}"><td>${i + 1}</td><td><span class="status ${r.status}">${r.status}</span></td><td>${r.side}</td>${cell(l?.ts, time(l?.ts))}${cell(l?.price)}${cell(l?.size)}${cell(s?.ts, time(s?.ts))}${cell(s?.price)}${cell(s?.size)}${cell(dt, dt === null ? '' : dt.toFixed(1))}${cell(dp)}</tr>`;
  });
  const header = [
    '#',
    'status',
    'side',
    'live time (UTC)',
    'live price',
    'live size',
    'sim time (UTC)',
    'sim price',
    'sim size',
    'Δt (ms)',
    'Δprice',
  ];
  return `<div class="card" style="overflow-x:auto"><h2 style="margin-top:0">Fill by fill</h2><p class="sub">each live fill paired with the closest simulated fill of the same side within the tolerance (same price preferred); Δ = sim − live</p><table class="figures" id="reconcile-table"><thead><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table></div>`;
}

/** The mid with every fill of both runs, by pairing, and a line per matched pair. */
export function reconcileFillsSpec(page: ReconcilePage): Spec {
  const { live, rows } = page;
  const mid = downsample(live.timeseries, MAX_POINTS, (s) => s.mid).map((s) => ({ t: Math.round(s.ts / 1000), mid: s.mid }));
  const fills = rows.flatMap((r) =>
    (['live', 'sim'] as const).flatMap((run) => {
      const f = r[run];
      return f ? [{ t: Math.round(f.ts / 1000), price: f.price, size: f.size, side: f.side, run, status: r.status }] : [];
    }),
  );
  const pairs = rows
    .filter((r) => r.status === 'matched')
    .map((r) => ({ t: Math.round(r.live!.ts / 1000), t2: Math.round(r.sim!.ts / 1000), price: r.live!.price, price2: r.sim!.price }));
  const time = { field: 't', type: 'temporal', title: 'time (UTC)', scale: { type: 'utc' }, axis: { format: '%H:%M:%S' } };
  const statuses = Object.keys(STATUS_COLORS);
  return {
    title: {
      text: 'Fills: live and simulated',
      subtitle: [
        '● filled circles: live fills · □ open squares: simulated fills · a grey line joins each matched pair',
        'scroll to zoom, drag to pan',
      ],
    },
    width: WIDE,
    height: 300,
    layer: [
      {
        data: { values: mid },
        mark: { type: 'line', interpolate: 'step-after', color: COLORS.mid, strokeWidth: 1, clip: true },
        params: [{ name: 'zoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales' }],
        encoding: {
          x: time,
          y: { field: 'mid', type: 'quantitative', title: `price (${moneyUnit(live)})`, scale: { zero: false, padding: 12 } },
        },
      },
      {
        data: { values: pairs },
        mark: { type: 'rule', color: '#777', strokeWidth: 1.2, clip: true },
        encoding: { x: time, x2: { field: 't2' }, y: { field: 'price', type: 'quantitative' }, y2: { field: 'price2' } },
      },
      {
        data: { values: fills },
        transform: [{ calculate: "utcFormat(datum.t, '%H:%M:%S.%L')", as: 'time' }],
        mark: { type: 'point', size: 80, strokeWidth: 2, clip: true },
        encoding: {
          x: time,
          y: { field: 'price', type: 'quantitative' },
          color: { field: 'status', type: 'nominal', title: null, scale: { domain: statuses, range: Object.values(STATUS_COLORS) } },
          shape: {
            field: 'run',
            type: 'nominal',
            title: null,
            scale: { domain: ['live', 'sim'], range: ['circle', 'square'] },
            legend: null,
          },
          fill: {
            field: 'run',
            type: 'nominal',
            title: null,
            scale: { domain: ['live', 'sim'], range: ['#555', 'transparent'] },
            legend: null,
          },
          tooltip: [
            { field: 'run', title: 'run' },
            { field: 'status' },
            { field: 'time', title: 'time (UTC)' },
            { field: 'side' },
            { field: 'price', type: 'quantitative', format: ',~f' },
            { field: 'size', type: 'quantitative', format: ',~f' },
          ],
        },
      },
    ],
  };
}

/** Cumulative PnL of the live run and of its simulation over time. */
export function reconcilePnlSpec(page: ReconcilePage): Spec {
  const series = (run: LoadedRun, label: string) =>
    downsample(run.timeseries, MAX_POINTS / 2, (s) => s.pnlTotal).map((s) => ({ t: Math.round(s.ts / 1000), pnl: s.pnlTotal, run: label }));
  const values = [...series(page.live, page.mode), ...series(page.sim, 'simulation')];
  const currency = moneyUnit(page.live);
  return {
    title: { text: 'Cumulative PnL', subtitle: `total PnL (${currency}, marked to mid) of the ${page.mode} run and of its simulation` },
    width: HALF,
    height: 220,
    data: { values },
    layer: [
      { mark: { type: 'rule', color: '#bbb' }, encoding: { y: { datum: 0 } } },
      {
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.8 },
        encoding: {
          x: { field: 't', type: 'temporal', title: 'time (UTC)', scale: { type: 'utc' }, axis: { format: '%H:%M:%S' } },
          y: { field: 'pnl', type: 'quantitative', title: `PnL (${currency})` },
          color: {
            field: 'run',
            type: 'nominal',
            title: null,
            scale: { domain: [page.mode, 'simulation'], range: [COLORS.total, COLORS.inventory] },
          },
          tooltip: [{ field: 'run' }, { field: 'pnl', type: 'quantitative', format: ',.6~f' }],
        },
      },
    ],
  };
}

/** Histogram of the time differences (sim − live, ms) of matched pairs. */
export function reconcileTimingSpec(page: ReconcilePage): Spec {
  const values = page.rows.filter((r) => r.status === 'matched').map((r) => ({ dt: (r.sim!.ts - r.live!.ts) / 1000 }));
  return {
    title: {
      text: 'Timing of matched pairs',
      subtitle: `simulated fill time − live fill time, ms (${values.length} pairs; tolerance ±${page.summary.toleranceMs} ms)`,
    },
    width: HALF,
    height: 220,
    data: { values },
    mark: { type: 'bar', color: COLORS.spreadCapture, opacity: 0.85 },
    encoding: {
      x: { field: 'dt', type: 'quantitative', bin: { maxbins: 30 }, title: 'Δt (ms, sim − live)' },
      y: { aggregate: 'count', type: 'quantitative', title: 'pairs' },
      tooltip: [
        { field: 'dt', type: 'quantitative', bin: { maxbins: 30 }, title: 'Δt (ms)' },
        { aggregate: 'count', type: 'quantitative', title: 'pairs' },
      ],
    },
  };
}

/** The whole reconcile page. */
export function renderReconcilePage(page: ReconcilePage): string {
  const { summary, live } = page;
  const share = summary.liveFills > 0 ? ` (${formatFigure(summary.matched / summary.liveFills, 'pct')} % of the live fills)` : '';
  const head = [
    `<style>.status{padding:1px 6px;border-radius:4px;color:#fff;font-size:12px}${Object.entries(STATUS_COLORS)
      .map(([s, c]) => `.status.${s}{background:${c}}`)
      .join('')}</style>`,
    `<h1>Reconcile: ${escapeHtml(live.summary.scenario)} <span style="font-weight:400;color:var(--muted)">· ${escapeHtml(page.mode)} run and its simulation</span></h1>`,
    `<p class="sub">spreadlab reconcile · ${escapeHtml(summary.window.from)} → ${escapeHtml(summary.window.to)} · the market the run recorded, replayed through the simulator with the same strategy, venue models and fees · tolerance ${summary.toleranceMs} ms</p>`,
    `<div class="card verdict" data-summary>${summary.matched} of ${summary.liveFills} live fills matched a simulated fill${share}; ${summary.missed} missed by the simulation, ${summary.extra} extra in the simulation (${summary.simFills} simulated fills).<p class="sub" style="margin:6px 0 0;font-weight:400">${Object.values(STATUS_TEXT).map(escapeHtml).join(' · ')}</p></div>`,
    sideBySide(page),
  ].join('\n');
  const charts: ChartSpec[] = [
    { id: 'reconcile-fills', spec: reconcileFillsSpec(page), wide: true },
    { id: 'reconcile-pnl', spec: reconcilePnlSpec(page), wide: false },
    { id: 'reconcile-timing', spec: reconcileTimingSpec(page), wide: false },
  ];
  return renderPage({ title: `spreadlab reconcile: ${live.summary.scenario}`, head, charts, tail: fillTable(page.rows) });
}
