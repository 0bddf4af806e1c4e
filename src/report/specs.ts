import { weightedStat } from '../analytics/markouts.ts';
import type { WeightedStat } from '../analytics/markouts.ts';
import { currencyLabel } from './currency.ts';
import type { LoadedRun } from './load-run.ts';
import type { FillRow, TimeseriesRow } from './run-files.ts';

/**
 * Vega-lite specs built in code from a run folder's outputs (see load-run.ts). Each chart has a title,
 * axis titles with units and tooltips. Rules:
 * - Times are UTC; series are plotted in ms since the epoch on a utc scale, tooltips format them in UTC,
 *   so a report reads the same in every time zone.
 * - Long series are downsampled for display only (the CSVs keep everything): time series with an M4-style
 *   decimation (first, last, min and max of the chart's key column per bucket, so spikes survive) to at most
 *   MAX_POINTS points; fill markers by an even stride to at most MAX_FILL_MARKS; the histogram to at most
 *   MAX_HISTOGRAM values. A chart's subtitle says when it shows a sample.
 * - Specs carry no $schema URL (the page passes mode "vega-lite" to vega-embed), so the page holds no
 *   http(s) reference.
 * - Markout curve: size-weighted mean markout (bps) and its 95 % interval per side at each horizon, with
 *   horizon 0 = the effective half-spread, computed with the same weightedStat as summary.json.
 * - Money is labelled with the market's quote currency, read from its symbol (currency.ts).
 * - Our quote lines break where no quote rested (NA in timeseries.csv): the decimation keeps the samples on
 *   both sides of every such gap, so a gap the CSV shows is never bridged.
 * - The breakdown by hour lists hours in the order the run met them (23, 00, 01 across midnight).
 */
export type Spec = Record<string, unknown>;

export interface ChartSpec {
  /** Stable id, also the HTML container's id suffix. */
  id: string;
  spec: Spec;
  /** Full page width (true) or half (false). */
  wide: boolean;
  /** When set, the container is one of several panels a page shows one at a time (data-panel). */
  panel?: string;
}

export const MAX_POINTS = 2400;
export const MAX_FILL_MARKS = 4000;
export const MAX_HISTOGRAM = 20000;
export const WIDE = 870;
export const HALF = 380;

export const COLORS = {
  total: '#111111',
  spreadCapture: '#2a9d55',
  inventory: '#3b6fb6',
  fees: '#d6403a',
  rebates: '#9c5fb5',
  funding: '#c98a1b',
  buy: '#2a9d55',
  sell: '#d6403a',
  all: '#444444',
  mid: '#888888',
};

/** Vega config shared by every chart: plain, readable, no external fonts. */
export const CONFIG: Spec = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
  title: { anchor: 'start', fontSize: 15, fontWeight: 600, subtitleFontSize: 12, subtitleColor: '#555', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, gridColor: '#e8e8e8' },
  legend: { labelFontSize: 12, titleFontSize: 12, orient: 'top', direction: 'horizontal' },
  view: { stroke: '#ddd' },
};

const TIME_X = { field: 't', type: 'temporal', title: 'time (UTC)', scale: { type: 'utc' }, axis: { format: '%H:%M:%S' } };
const UTC_LABEL = { calculate: "utcFormat(datum.t, '%Y-%m-%d %H:%M:%S')", as: 'time' };

/**
 * M4 decimation by row index: per bucket the first, last, min and max of `key`. Keeps order. Rows for which
 * `keepRow(i)` is true are kept as well.
 */
export function downsample<T>(rows: T[], max: number, key: (row: T) => number | null, keepRow?: (index: number) => boolean): T[] {
  if (rows.length <= max) return rows;
  const buckets = Math.max(1, Math.floor(max / 4));
  const keep = new Set<number>();
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * rows.length) / buckets);
    const to = Math.floor(((b + 1) * rows.length) / buckets);
    if (to <= from) continue;
    keep.add(from).add(to - 1);
    let lo = -1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const v = key(rows[i]);
      if (v === null) continue;
      if (lo < 0 || v < (key(rows[lo]) as number)) lo = i;
      if (hi < 0 || v > (key(rows[hi]) as number)) hi = i;
    }
    if (lo >= 0) keep.add(lo).add(hi);
  }
  keep.add(rows.length - 1);
  if (keepRow) rows.forEach((_, i) => keepRow(i) && keep.add(i));
  return [...keep].sort((a, b) => a - b).map((i) => rows[i]);
}

/** Every k-th row (k chosen so at most `max` remain), always including the last. */
export function stride<T>(rows: T[], max: number): T[] {
  if (rows.length <= max) return rows;
  const k = Math.ceil(rows.length / max);
  const out = rows.filter((_, i) => i % k === 0);
  if ((rows.length - 1) % k !== 0) out.push(rows[rows.length - 1]);
  return out;
}

const ms = (us: number): number => Math.round(us / 1000);
/** Rounds for display data only, to keep the page small (never used for figures). */
const r = (x: number | null, digits = 6): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

function sampledNote(shown: number, total: number, what: string): string {
  return shown < total ? `showing ${shown} of ${total} ${what} (downsampled for display; the CSV has all)` : '';
}

/** Subtitle lines, dropping empty ones. */
function lines(...texts: string[]): string[] {
  return texts.filter((t) => t !== '');
}

/** The seconds of a horizon label ("30s" → 30). */
export function horizonSeconds(label: string): number {
  return Number(label.replace(/s$/, ''));
}

/** Multi-series hover: a nearest-point rule on the wide rows, with a tooltip listing every column. */
function hoverRule(tooltip: Spec[]): Spec {
  return {
    mark: { type: 'rule', color: '#999', strokeDash: [3, 3] },
    params: [{ name: 'hover', select: { type: 'point', fields: ['t'], nearest: true, on: 'pointerover', clear: 'pointerout' } }],
    encoding: {
      x: { field: 't', type: 'temporal' },
      opacity: { condition: { param: 'hover', empty: false, value: 1 }, value: 0 },
      tooltip: [{ field: 'time', type: 'nominal', title: 'time (UTC)' }, ...tooltip],
    },
  };
}

const PNL_PARTS: { field: keyof TimeseriesRow; label: string; color: string }[] = [
  { field: 'pnlTotal', label: 'total', color: COLORS.total },
  { field: 'spreadCapture', label: 'spread capture', color: COLORS.spreadCapture },
  { field: 'inventoryPnl', label: 'inventory', color: COLORS.inventory },
  { field: 'fees', label: 'fees', color: COLORS.fees },
  { field: 'rebates', label: 'rebates', color: COLORS.rebates },
  { field: 'funding', label: 'funding', color: COLORS.funding },
];

/** 1. Cumulative PnL and its parts over time. */
export function pnlSpec(run: LoadedRun): Spec {
  const currency = moneyUnit(run);
  const parts = PNL_PARTS.filter((p) => p.field !== 'funding' || run.timeseries.some((s) => s.funding !== 0));
  const rows = downsample(run.timeseries, MAX_POINTS, (s) => s.pnlTotal);
  const values = rows.map((s) => Object.fromEntries([['t', ms(s.ts)], ...parts.map((p) => [p.label, r(s[p.field] as number, 8)])]));
  const labels = parts.map((p) => p.label);
  return {
    title: {
      text: 'Cumulative PnL and where it came from',
      subtitle: lines(
        `total = spread capture + inventory + fees + rebates${labels.includes('funding') ? ' + funding' : ''} (${currency}, marked to mid)`,
        sampledNote(rows.length, run.timeseries.length, 'samples'),
      ),
    },
    width: WIDE,
    height: 260,
    data: { values },
    transform: [UTC_LABEL],
    layer: [
      {
        transform: [{ fold: labels, as: ['part', 'value'] }],
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: TIME_X,
          y: { field: 'value', type: 'quantitative', title: `PnL (${currency})` },
          color: { field: 'part', type: 'nominal', title: null, scale: { domain: labels, range: parts.map((p) => p.color) }, sort: labels },
          strokeWidth: { condition: { test: "datum.part === 'total'", value: 2.6 }, value: 1.4 },
        },
      },
      { mark: { type: 'rule', color: '#bbb' }, encoding: { y: { datum: 0 } } },
      hoverRule(labels.map((l) => ({ field: l, type: 'quantitative', format: ',.6~f' }))),
    ],
  };
}

/** 2. Mid price with our bid/ask quotes and fills marked; zoom with the wheel, pan by dragging. */
export function quotesSpec(run: LoadedRun): Spec {
  const ts = run.timeseries;
  const presence = (i: number, field: 'bid' | 'ask') => ts[i][field] !== null;
  const edge = (i: number, j: number) =>
    j >= 0 && j < ts.length && (presence(i, 'bid') !== presence(j, 'bid') || presence(i, 'ask') !== presence(j, 'ask'));
  const rows = downsample(
    ts,
    MAX_POINTS,
    (s) => s.mid,
    (i) => edge(i, i - 1) || edge(i, i + 1),
  );
  const series = rows.map((s) => ({ t: ms(s.ts), mid: s.mid, bid: s.bid, ask: s.ask }));
  const fills = stride(run.fills, MAX_FILL_MARKS);
  const fillValues = fills.map((f) => ({
    t: ms(f.ts),
    price: f.price,
    side: f.side,
    size: f.size,
    liquidity: f.liquidity,
    position: f.positionAfter,
  }));
  const sampleSeconds = sampleInterval(run);
  // the three lines read the chart's own data (one copy of the series in the page), the fills their own
  const quoteLine = (field: string, label: string, color: string): Spec => ({
    transform: [UTC_LABEL],
    mark: {
      type: 'line',
      interpolate: 'step-after',
      invalid: 'break-paths-filter-domains', // no quote resting: the line breaks
      color,
      strokeWidth: field === 'mid' ? 1.2 : 1.6,
      opacity: field === 'mid' ? 0.9 : 0.8,
      clip: true,
    },
    encoding: {
      x: TIME_X,
      y: { field, type: 'quantitative', title: `price (${moneyUnit(run)})`, scale: { zero: false } },
      tooltip: [
        { field: 'time', title: 'time (UTC)' },
        { field, type: 'quantitative', title: label },
      ],
    },
  });
  return {
    title: {
      text: 'Mid price, our quotes and our fills',
      subtitle: lines(
        `grey: mid · green/red lines: our best bid/ask (sampled every ${sampleSeconds} s; a gap: no quote resting) · ▲ buy fill, ▼ sell fill`,
        `scroll to zoom, drag to pan, double-click to reset${fills.length < run.fills.length ? ` · ${sampledNote(fills.length, run.fills.length, 'fills')}` : ''}`,
      ),
    },
    width: WIDE,
    height: 320,
    data: { values: series },
    layer: [
      {
        ...quoteLine('mid', 'mid', COLORS.mid),
        params: [{ name: 'zoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales' }],
      },
      quoteLine('bid', 'our bid', COLORS.buy),
      quoteLine('ask', 'our ask', COLORS.sell),
      {
        data: { values: fillValues },
        transform: [{ calculate: "utcFormat(datum.t, '%Y-%m-%d %H:%M:%S.%L')", as: 'time' }],
        mark: { type: 'point', filled: true, size: 70, opacity: 0.9, clip: true },
        encoding: {
          x: TIME_X,
          y: { field: 'price', type: 'quantitative' },
          shape: {
            field: 'side',
            type: 'nominal',
            title: 'fill',
            scale: { domain: ['buy', 'sell'], range: ['triangle-up', 'triangle-down'] },
          },
          color: { field: 'side', type: 'nominal', title: 'fill', scale: { domain: ['buy', 'sell'], range: [COLORS.buy, COLORS.sell] } },
          tooltip: [
            { field: 'time', title: 'time (UTC)' },
            { field: 'side' },
            { field: 'price', type: 'quantitative', format: ',~f' },
            { field: 'size', type: 'quantitative', format: ',~f' },
            { field: 'liquidity' },
            { field: 'position', type: 'quantitative', title: 'position after', format: ',~f' },
          ],
        },
      },
    ],
  };
}

function sampleInterval(run: LoadedRun): number {
  const t = run.timeseries;
  return t.length >= 2 ? (t[1].ts - t[0].ts) / 1e6 : 0;
}

/** The strategy's max inventory from run.json, if it has one. */
export function maxInventoryOf(run: LoadedRun): number | null {
  const v = run.record.scenario.strategy?.maxInventory;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** 3. Inventory over time with the ±maxInventory limits. */
export function inventorySpec(run: LoadedRun): Spec {
  const rows = downsample(run.timeseries, MAX_POINTS, (s) => s.inventory);
  const values = rows.map((s) => ({ t: ms(s.ts), inventory: s.inventory }));
  const limit = maxInventoryOf(run);
  const layers: Spec[] = [
    {
      mark: { type: 'area', interpolate: 'step-after', color: COLORS.inventory, opacity: 0.18 },
      encoding: { x: TIME_X, y: { field: 'inventory', type: 'quantitative', title: 'position (base units)' } },
    },
    {
      mark: { type: 'line', interpolate: 'step-after', color: COLORS.inventory, strokeWidth: 1.6 },
      encoding: { x: TIME_X, y: { field: 'inventory', type: 'quantitative' } },
    },
    { mark: { type: 'rule', color: '#bbb' }, encoding: { y: { datum: 0 } } },
  ];
  if (limit !== null) {
    layers.push({
      data: {
        values: [
          { limit, label: `+max ${limit}` },
          { limit: -limit, label: `−max ${limit}` },
        ],
      },
      layer: [
        {
          mark: { type: 'rule', color: COLORS.sell, strokeDash: [6, 4], strokeWidth: 1.4 },
          encoding: { y: { field: 'limit', type: 'quantitative' } },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: COLORS.sell, fontSize: 11 },
          encoding: { y: { field: 'limit', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } },
        },
      ],
    });
  }
  layers.push(hoverRule([{ field: 'inventory', type: 'quantitative', title: 'position', format: ',~f' }]));
  return {
    title: {
      text: 'Inventory',
      subtitle: lines(
        limit === null ? 'the strategy has no maxInventory' : `dashed: the strategy's limits ±${limit}`,
        sampledNote(rows.length, run.timeseries.length, 'samples'),
      ),
    },
    width: WIDE,
    height: 180,
    data: { values },
    transform: [UTC_LABEL],
    layer: layers,
  };
}

export interface MarkoutPoint {
  side: string;
  horizon: number;
  label: string;
  mean: number | null;
  lo: number | null;
  hi: number | null;
  n: number;
}

/**
 * Size-weighted mean markout and its interval per side ('buy', 'sell', 'all') and horizon (0 = effective).
 * Each figure is read from the fills once; a side's figures are those of the other side set to NaN, which
 * weightedStat leaves out as it leaves out any figure that does not exist.
 */
export function markoutCurve(run: LoadedRun, sides: string[] = ['all', 'buy', 'sell']): MarkoutPoint[] {
  const at: { label: string; horizon: number; value: (f: FillRow) => number | null }[] = [
    { label: '0s (effective)', horizon: 0, value: (f) => f.effectiveBps },
    ...run.horizons.map((h) => ({ label: h, horizon: horizonSeconds(h), value: (f: FillRow) => f.markoutBps[h] })),
  ];
  const { fills } = run;
  const weights = numberColumn(fills, (f) => f.size);
  const columns = at.map(({ value }) => numberColumn(fills, value));
  return sides.flatMap((side) =>
    at.map(({ label, horizon }, k): MarkoutPoint => {
      const values = side === 'all' ? columns[k] : onSide(columns[k], fills, side);
      const stat: WeightedStat = weightedStat(values, weights);
      return { side, horizon, label, mean: r(stat.mean, 4), lo: r(stat.ci95Low, 4), hi: r(stat.ci95High, 4), n: stat.count };
    }),
  );
}

/** A column of fills' figures with those of fills on the other side set to NaN. */
function onSide(column: Float64Array, fills: readonly FillRow[], side: string): Float64Array {
  const out = new Float64Array(column.length);
  for (let i = 0; i < column.length; i++) out[i] = fills[i].side === side ? column[i] : NaN;
  return out;
}

/** One figure of every row as a typed array, NaN where it does not exist (a day's fills: no boxed numbers to collect). */
function numberColumn<T>(rows: readonly T[], value: (row: T) => number | null): Float64Array {
  const column = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) column[i] = value(rows[i]) ?? NaN;
  return column;
}

/** The band (fill) and line (color) legends merge into one; solid symbols so the band's opacity does not fade it. */
const LEGEND = { title: null, symbolOpacity: 1, symbolType: 'circle' };

/** Layers of a markout curve coloured by `colorField`, shared by the run and comparison pages. */
export function markoutLayers(colorField: string, colorScale: Spec, horizons: number[]): Spec[] {
  const x = {
    field: 'horizon',
    type: 'quantitative',
    title: 'horizon after the fill (s, symlog scale)',
    scale: { type: 'symlog', domain: [0, Math.max(...horizons, 1)] },
    axis: { values: horizons, grid: true },
  };
  return [
    { mark: { type: 'rule', color: '#bbb' }, encoding: { y: { datum: 0 } } },
    {
      transform: [{ filter: 'isValid(datum.lo)' }],
      mark: { type: 'area', opacity: 0.15 },
      encoding: {
        x,
        y: { field: 'lo', type: 'quantitative' },
        y2: { field: 'hi' },
        fill: { field: colorField, type: 'nominal', scale: colorScale, legend: LEGEND },
      },
    },
    {
      transform: [{ filter: 'isValid(datum.mean)' }],
      mark: { type: 'line', point: true, strokeWidth: 2 },
      encoding: {
        x,
        y: { field: 'mean', type: 'quantitative', title: 'mean markout (bps, + = good for us)' },
        color: { field: colorField, type: 'nominal', scale: colorScale, legend: LEGEND },
        tooltip: [
          { field: colorField, type: 'nominal' },
          { field: 'label', title: 'horizon' },
          { field: 'mean', type: 'quantitative', title: 'mean (bps)', format: '.2f' },
          { field: 'lo', type: 'quantitative', title: '95% CI low', format: '.2f' },
          { field: 'hi', type: 'quantitative', title: '95% CI high', format: '.2f' },
          { field: 'n', type: 'quantitative', title: 'fills' },
        ],
      },
    },
  ];
}

/** 4. Markout curve per side with 95 % bands. */
export function markoutSpec(run: LoadedRun): Spec {
  const values = markoutCurve(run);
  const horizons = [0, ...run.horizons.map(horizonSeconds)];
  return {
    title: {
      text: 'Markout curve: what the mid did after our fills',
      subtitle: ['size-weighted mean with 95% band, by fill side', '0 s = effective half-spread; a falling curve = adverse selection'],
    },
    width: HALF,
    height: 260,
    data: { values },
    layer: markoutLayers('side', { domain: ['all', 'buy', 'sell'], range: [COLORS.all, COLORS.buy, COLORS.sell] }, horizons),
  };
}

/** 5. Histogram of per-fill realized spread (markout) at the main horizon, stacked by side. */
export function histogramSpec(run: LoadedRun): Spec {
  const h = run.summary.mainHorizon;
  const all = run.fills.filter((f) => f.markoutBps[h] !== null && f.markoutBps[h] !== undefined);
  const fills = stride(all, MAX_HISTOGRAM);
  const values = fills.map((f) => ({ bps: r(f.markoutBps[h], 4), side: f.side }));
  const mean = run.summary.realizedSpreadStats[h]?.mean ?? null;
  const rules: Spec[] = [{ label: '0', x: 0, color: '#999' }];
  if (mean !== null) rules.push({ label: `mean ${mean.toFixed(2)}`, x: r(mean, 4), color: COLORS.total });
  return {
    title: {
      text: `Realized spread per fill at ${h}`,
      subtitle: lines(
        `markout ${h} after each fill, bps (+ = we kept spread)`,
        `${all.length} fills complete at ${h}`,
        sampledNote(fills.length, all.length, 'fills'),
      ),
    },
    width: HALF,
    height: 260,
    layer: [
      {
        data: { values },
        mark: { type: 'bar', opacity: 0.85 },
        encoding: {
          x: { field: 'bps', type: 'quantitative', bin: { maxbins: 40 }, title: `markout at ${h} (bps)` },
          y: { aggregate: 'count', type: 'quantitative', title: 'fills', stack: true },
          color: { field: 'side', type: 'nominal', title: null, scale: { domain: ['buy', 'sell'], range: [COLORS.buy, COLORS.sell] } },
          tooltip: [
            { field: 'bps', type: 'quantitative', bin: { maxbins: 40 }, title: 'markout (bps)' },
            { field: 'side', type: 'nominal' },
            { aggregate: 'count', type: 'quantitative', title: 'fills' },
          ],
        },
      },
      {
        data: { values: rules },
        layer: [
          {
            mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 },
            encoding: { x: { field: 'x', type: 'quantitative' }, color: { field: 'color', type: 'nominal', scale: null } },
          },
          {
            mark: { type: 'text', align: 'left', dx: 4, dy: 0, baseline: 'top', fontSize: 11 },
            encoding: {
              x: { field: 'x', type: 'quantitative' },
              y: { value: 2 },
              text: { field: 'label' },
              color: { field: 'color', type: 'nominal', scale: null },
            },
          },
        ],
      },
    ],
  };
}

/** 6. Realized spread at the main horizon by UTC hour and by fill size, with 95 % intervals. */
export function breakdownSpec(run: LoadedRun): Spec {
  const h = run.summary.mainHorizon;
  const rows = (group: Record<string, WeightedStat>) =>
    Object.entries(group).map(([key, s]) => ({ key, mean: r(s.mean, 4), lo: r(s.ci95Low, 4), hi: r(s.ci95High, 4), n: s.count }));
  const panel = (values: Spec[], title: string, axis: string, order: string[]): Spec => ({
    title: { text: title, fontSize: 13, fontWeight: 500 },
    width: (WIDE - 130) / 2,
    height: 200,
    data: { values },
    layer: [
      { mark: { type: 'rule', color: '#bbb' }, encoding: { y: { datum: 0 } } },
      {
        transform: [{ filter: 'isValid(datum.mean)' }],
        mark: { type: 'bar', color: COLORS.inventory, opacity: 0.75, width: { band: 0.6 } },
        encoding: {
          x: { field: 'key', type: 'ordinal', title: axis, axis: { labelAngle: 0 }, sort: order },
          y: { field: 'mean', type: 'quantitative', title: 'bps' },
          tooltip: [
            { field: 'key', title: axis },
            { field: 'mean', type: 'quantitative', title: 'mean (bps)', format: '.2f' },
            { field: 'lo', type: 'quantitative', title: '95% CI low', format: '.2f' },
            { field: 'hi', type: 'quantitative', title: '95% CI high', format: '.2f' },
            { field: 'n', type: 'quantitative', title: 'fills' },
          ],
        },
      },
      {
        transform: [{ filter: 'isValid(datum.lo)' }],
        mark: { type: 'rule', color: '#222', strokeWidth: 1.5 },
        encoding: { x: { field: 'key', type: 'ordinal', sort: order }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
      },
    ],
  });
  return {
    title: {
      text: `Realized spread at ${h} by hour and by fill size`,
      subtitle: `size-weighted mean markout at ${h}, bps (bars) with 95% interval (whiskers); from summary.json breakdown`,
    },
    spacing: 40,
    hconcat: [
      panel(rows(run.summary.breakdown.byHour), 'by hour of day (UTC), in the order the run met them', 'hour (UTC)', hoursInRunOrder(run)),
      panel(rows(run.summary.breakdown.bySize), 'by fill size', 'fill size (base units)', Object.keys(run.summary.breakdown.bySize)),
    ],
  };
}

/** The UTC hours of the breakdown ("23", "00", …) in the order the run's fills met them. */
export function hoursInRunOrder(run: LoadedRun): string[] {
  const seen = new Set<string>();
  for (const fill of run.fills) seen.add(fill.time.slice(11, 13));
  return [...seen].filter((h) => h in run.summary.breakdown.byHour);
}

/** The quote currency's name for labels (USDT for BTCUSDT), or "quote currency". */
export function moneyUnit(run: LoadedRun): string {
  const market = run.record.scenario.market as { symbol?: unknown } | undefined;
  return currencyLabel(typeof market?.symbol === 'string' ? market.symbol : undefined);
}

/**
 * 3b. The series the strategy recorded (strategy-series.csv), one panel per name with its own scale, as steps:
 * each value holds until the next (and to the end of the run).
 */
export function strategySeriesSpec(run: LoadedRun): Spec {
  const names = [...new Set(run.strategySeries.map((p) => p.name))];
  const end = ms(run.timeseries[run.timeseries.length - 1].ts);
  const values = names.flatMap((name) => {
    const points = run.strategySeries.filter((p) => p.name === name);
    const shown = downsample(points, Math.floor(MAX_POINTS / names.length), (p) => p.value).map((p) => ({
      t: ms(p.ts),
      name,
      value: r(p.value, 8),
    }));
    return [...shown, { ...shown[shown.length - 1], t: Math.max(end, shown[shown.length - 1].t) }];
  });
  return {
    title: {
      text: 'What the strategy decided',
      subtitle: lines(
        `the series it recorded (context.record): ${names.join(', ')}; each value holds until the next`,
        sampledNote(values.length - names.length, run.strategySeries.length, 'points'),
      ),
    },
    data: { values },
    transform: [UTC_LABEL],
    facet: {
      row: { field: 'name', type: 'nominal', title: null, sort: names, header: { labelAngle: 0, labelAlign: 'left', labelFontSize: 12 } },
    },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: WIDE - 120,
      height: 120,
      layer: [
        {
          mark: { type: 'line', interpolate: 'step-after', color: COLORS.inventory, strokeWidth: 1.8 },
          encoding: { x: TIME_X, y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } } },
        },
        {
          // invisible hover targets: a tooltip at each point without drawing a marker on each
          mark: { type: 'point', size: 60, opacity: 0 },
          encoding: {
            x: TIME_X,
            y: { field: 'value', type: 'quantitative' },
            tooltip: [
              { field: 'time', title: 'time (UTC)' },
              { field: 'name', type: 'nominal', title: 'series' },
              { field: 'value', type: 'quantitative', format: ',.6~g' },
            ],
          },
        },
      ],
    },
  };
}

/** Comparison: cumulative PnL of each run over elapsed time, overlaid. */
export function comparePnlSpec(runs: LoadedRun[], labels: string[]): Spec {
  const values = runs.flatMap((run, i) => {
    const start = run.timeseries[0].ts;
    return downsample(run.timeseries, Math.floor(MAX_POINTS / Math.max(1, Math.min(runs.length, 4))), (s) => s.pnlTotal).map((s) => ({
      run: labels[i],
      minutes: r((s.ts - start) / 60e6, 4),
      pnl: r(s.pnlTotal, 8),
    }));
  });
  return {
    title: { text: 'Cumulative PnL by run', subtitle: `total PnL (${moneyUnit(runs[0])}) against time since each run started` },
    width: WIDE,
    height: 280,
    data: { values },
    layer: [
      { mark: { type: 'rule', color: '#bbb' }, encoding: { y: { datum: 0 } } },
      {
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.8 },
        encoding: {
          x: { field: 'minutes', type: 'quantitative', title: 'elapsed (minutes)' },
          y: { field: 'pnl', type: 'quantitative', title: `PnL (${moneyUnit(runs[0])})` },
          color: { field: 'run', type: 'nominal', title: null, sort: labels, scale: { domain: labels } },
        },
      },
      {
        params: [{ name: 'hover', select: { type: 'point', fields: ['minutes'], nearest: true, on: 'pointerover', clear: 'pointerout' } }],
        mark: { type: 'point', size: 40, filled: true },
        encoding: {
          x: { field: 'minutes', type: 'quantitative' },
          y: { field: 'pnl', type: 'quantitative' },
          color: { field: 'run', type: 'nominal', sort: labels, scale: { domain: labels } },
          opacity: { condition: { param: 'hover', empty: false, value: 1 }, value: 0 },
          tooltip: [
            { field: 'run' },
            { field: 'minutes', type: 'quantitative', title: 'elapsed (min)', format: '.2f' },
            { field: 'pnl', type: 'quantitative', title: 'PnL', format: ',.6~f' },
          ],
        },
      },
    ],
  };
}

/** Comparison: markout curves (all fills) of each run, overlaid with 95 % bands. */
export function compareMarkoutSpec(runs: LoadedRun[], labels: string[]): Spec {
  const values = runs.flatMap((run, i) => markoutCurve(run, ['all']).map((p) => ({ ...p, run: labels[i] })));
  const horizons = [...new Set([0, ...runs.flatMap((run) => run.horizons.map(horizonSeconds))])].sort((a, b) => a - b);
  return {
    title: { text: 'Markout curves by run', subtitle: 'size-weighted mean markout over all fills, 95% band; 0 s = effective half-spread' },
    width: WIDE,
    height: 280,
    data: { values },
    layer: markoutLayers('run', { domain: labels }, horizons),
  };
}
