import type { LoadedRun } from './load-run.ts';
import type { OrderRow } from './run-files.ts';
import {
  COLORS,
  downsample,
  HALF,
  maxInventoryOf,
  MAX_FILL_MARKS,
  MAX_HISTOGRAM,
  MAX_POINTS,
  moneyUnit,
  stride,
  WIDE,
  type Spec,
} from './specs.ts';

/**
 * The run report's charts of execution and risk, what a market maker looks at beside PnL and markouts, each
 * built from the run folder's files (fills.csv, orders.csv, timeseries.csv):
 * - fills and fill probability by the order's distance from the mid when placed (orders.csv
 *   placed_distance_ticks): per distance, the orders that rested (every limit order not rejected, with a
 *   distance), those that filled at least in part, their share with its 95 % Wilson interval, and the fills
 *   (fills.csv rows) of orders placed there. Distances are exact (half ticks when the mid is between two
 *   ticks) when there are at most MAX_DISTANCE_GROUPS of them, else grouped in bins of a round width; the
 *   probability is drawn where at least MIN_ORDERS_FOR_PROBABILITY orders rested;
 * - queue ahead when placed and order age, of the orders that filled (fills.csv placed_queue_ahead,
 *   order_age_us): the queue position is the one the order met when it was placed (the queue model's
 *   size ahead of it; live, the size displayed at its price), not at the fill, which no file records;
 * - order latency (orders.csv): entry (sent → at the venue), response (at the venue → answer received) and
 *   round trip (sent → answer), ms, of every order with those times;
 * - drawdown: total PnL less its running peak (from the first sample), over timeseries.csv; its lowest
 *   point is summary.json's risk.maxDrawdown;
 * - inventory histogram: the share of time at each position, from timeseries.csv's samples (equally
 *   spaced); positions grouped as distances are, into at most MAX_POSITION_GROUPS bars;
 * - per-fill markout: each fill's markout at the main horizon (bps) against its time, by side.
 * Long lists are thinned for display only, as in specs.ts (the files keep everything).
 */
export const MAX_DISTANCE_GROUPS = 60;
/** Positions are grouped into at most this many bars. */
export const MAX_POSITION_GROUPS = 30;
/** The fill probability is drawn only where at least this many orders rested (fewer: an interval of little use). */
export const MIN_ORDERS_FOR_PROBABILITY = 5;

/** One bar of a histogram built in code: its centre, its edges, and the counts in it. */
export interface Group {
  center: number;
  from: number;
  to: number;
}

/**
 * Groups values for bars: each distinct value its own bar (edges half the smallest gap either side) when
 * there are at most `maxGroups`, else bins of a round width (1, 2 or 5 × 10^k) aligned on multiples of it.
 */
export function groupValues(values: number[], maxGroups: number): (value: number) => Group {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  if (distinct.length <= maxGroups) {
    let gap = Infinity;
    for (let i = 1; i < distinct.length; i++) gap = Math.min(gap, distinct[i] - distinct[i - 1]);
    const half = Number.isFinite(gap) ? gap / 2 : 0.5;
    return (value) => ({ center: value, from: value - half, to: value + half });
  }
  const width = roundStep((distinct[distinct.length - 1] - distinct[0]) / maxGroups);
  return (value) => {
    const from = Math.floor(value / width + 1e-9) * width; // 0.03 / 0.01 is 2.9999999999999996
    return { center: clean(from + width / 2), from: clean(from), to: clean(from + width) };
  };
}

/** The smallest 1, 2 or 5 × 10^k at least `x`. */
function roundStep(x: number): number {
  const power = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= x - 1e-12)!;
}

/** Without float noise (0.30000000000000004 → 0.3). */
const clean = (x: number): number => Number(x.toPrecision(12));

/** The 95 % Wilson score interval of a share k/n. */
export function wilson(k: number, n: number): { lo: number; hi: number } {
  const z = 1.959963984540054;
  const p = k / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return { lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

/** An order that rested at the venue: a limit order, not rejected, with its distance from the mid. */
export function rested(order: OrderRow): boolean {
  return order.type === 'limit' && order.status !== 'rejected' && order.placedDistanceTicks !== null;
}

export interface DistanceRow extends Group {
  orders: number;
  filledOrders: number;
  fills: number;
  probability: number;
  lo: number;
  hi: number;
}

/** Orders, filled orders, fill probability (with its interval) and fills per distance from the mid, in distance order. */
export function fillsByDistance(run: LoadedRun): DistanceRow[] {
  const orders = run.orders.filter(rested);
  const group = groupValues(
    orders.map((o) => o.placedDistanceTicks!),
    MAX_DISTANCE_GROUPS,
  );
  const rows = new Map<number, DistanceRow>();
  const rowOf = (distance: number): DistanceRow => {
    const g = group(distance);
    let row = rows.get(g.center);
    if (!row) rows.set(g.center, (row = { ...g, orders: 0, filledOrders: 0, fills: 0, probability: 0, lo: 0, hi: 0 }));
    return row;
  };
  for (const order of orders) {
    const row = rowOf(order.placedDistanceTicks!);
    row.orders++;
    if (order.filled > 0) row.filledOrders++;
  }
  for (const fill of run.fills) if (fill.placedDistanceTicks !== null && rows.size > 0) rowOf(fill.placedDistanceTicks).fills++;
  return [...rows.values()]
    .sort((a, b) => a.center - b.center)
    .map((row) => {
      const { lo, hi } = wilson(row.filledOrders, Math.max(1, row.orders));
      return { ...row, probability: row.orders > 0 ? row.filledOrders / row.orders : 0, lo, hi };
    });
}

const DISTANCE_X = { title: 'distance from the mid when placed (ticks; + = our side of the mid, away from it)' };

/** Fills (top) and fill probability with its 95 % interval (bottom) by distance from the mid when placed. */
export function fillsByDistanceSpec(run: LoadedRun): Spec {
  const values = fillsByDistance(run);
  const x = (title: string | null): Spec => ({
    field: 'from',
    type: 'quantitative',
    title,
    scale: { zero: false, nice: false },
  });
  const tooltip = [
    { field: 'center', type: 'quantitative', title: 'distance (ticks)' },
    { field: 'orders', type: 'quantitative', title: 'orders rested' },
    { field: 'filledOrders', type: 'quantitative', title: 'orders filled (any part)' },
    { field: 'probability', type: 'quantitative', title: 'fill probability', format: '.1%' },
    { field: 'lo', type: 'quantitative', title: '95% CI low', format: '.1%' },
    { field: 'hi', type: 'quantitative', title: '95% CI high', format: '.1%' },
    { field: 'fills', type: 'quantitative', title: 'fills' },
  ];
  const filled = values.reduce((a, r) => a + r.filledOrders, 0);
  const placed = values.reduce((a, r) => a + r.orders, 0);
  return {
    title: {
      text: 'Fills and fill probability by distance from the mid',
      subtitle: [
        `from orders.csv: ${placed} orders rested, ${filled} filled at least in part; fills from fills.csv`,
        `fill probability = share of the orders placed at that distance that filled (any part), with its 95% interval, where ${MIN_ORDERS_FOR_PROBABILITY} or more rested`,
      ],
    },
    data: { values },
    spacing: 12,
    resolve: { scale: { x: 'shared' } },
    vconcat: [
      {
        width: WIDE - 60,
        height: 140,
        mark: { type: 'rect', color: COLORS.inventory, opacity: 0.8 },
        encoding: {
          x: x(null),
          x2: { field: 'to' },
          y: { field: 'fills', type: 'quantitative', title: 'fills' },
          tooltip,
        },
      },
      {
        width: WIDE - 60,
        height: 160,
        transform: [{ filter: `datum.orders >= ${MIN_ORDERS_FOR_PROBABILITY}` }],
        layer: [
          {
            mark: { type: 'rule', color: '#222', strokeWidth: 1.2 },
            encoding: { x: { field: 'center', type: 'quantitative' }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
          },
          {
            mark: { type: 'point', filled: true, color: COLORS.inventory },
            encoding: {
              x: { field: 'center', type: 'quantitative', title: DISTANCE_X.title, scale: { zero: false, nice: false } },
              y: {
                field: 'probability',
                type: 'quantitative',
                title: 'fill probability',
                axis: { format: '.0%' },
                scale: { domain: [0, 1] },
              },
              size: { field: 'orders', type: 'quantitative', title: 'orders', legend: null, scale: { range: [20, 160] } },
              tooltip,
            },
          },
        ],
      },
    ],
  };
}

/** Queue ahead when placed (base units) and order age (s) of every fill, thinned for display. */
export function queueValues(run: LoadedRun): { queue: number | null; ageSeconds: number | null; side: string }[] {
  return stride(run.fills, MAX_HISTOGRAM).map((f) => ({
    queue: f.placedQueueAhead,
    ageSeconds: f.orderAgeUs === null ? null : f.orderAgeUs / 1e6,
    side: f.side,
  }));
}

/** Histograms of the queue ahead when placed and of the order's age, over the fills. */
export function queueSpec(run: LoadedRun): Spec {
  const values = queueValues(run);
  const histogram = (field: string, title: string, format: string): Spec => ({
    width: (WIDE - 130) / 2,
    height: 200,
    transform: [{ filter: `isValid(datum.${field})` }],
    mark: { type: 'bar', opacity: 0.85 },
    encoding: {
      x: { field, type: 'quantitative', bin: { maxbins: 30 }, title },
      y: { aggregate: 'count', type: 'quantitative', title: 'fills', stack: true },
      color: { field: 'side', type: 'nominal', title: null, scale: { domain: ['buy', 'sell'], range: [COLORS.buy, COLORS.sell] } },
      tooltip: [
        { field, type: 'quantitative', bin: { maxbins: 30 }, title, format },
        { field: 'side', type: 'nominal' },
        { aggregate: 'count', type: 'quantitative', title: 'fills' },
      ],
    },
  });
  return {
    title: {
      text: 'Queue position and waiting time of the fills',
      subtitle: [
        "left: the size ahead of the order in the queue at its price when it was placed (the queue model's; live: the size displayed)",
        `right: how long the order had rested at the venue when it filled${values.length < run.fills.length ? ` · showing ${values.length} of ${run.fills.length} fills` : ''}`,
      ],
    },
    data: { values },
    spacing: 40,
    hconcat: [
      histogram('queue', 'queue ahead when placed (base units)', ',~f'),
      histogram('ageSeconds', 'order age at the fill (s)', ',.3~f'),
    ],
  };
}

export interface LatencyRow {
  measure: 'entry' | 'response' | 'round trip';
  ms: number;
}

export const LATENCY_MEASURES = ['entry', 'response', 'round trip'] as const;

/** Per order, its entry, response and round-trip times (ms), where orders.csv has them. */
export function latencyValues(run: LoadedRun): LatencyRow[] {
  const orders = stride(
    run.orders.filter((o) => o.venueTs !== null && o.ackTs !== null),
    Math.floor(MAX_HISTOGRAM / 3),
  );
  return orders.flatMap((o): LatencyRow[] => [
    { measure: 'entry', ms: (o.venueTs! - o.sentTs) / 1000 },
    { measure: 'response', ms: (o.ackTs! - o.venueTs!) / 1000 },
    { measure: 'round trip', ms: (o.ackTs! - o.sentTs) / 1000 },
  ]);
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Box plots of entry, response and round-trip latency of the orders, one row each. */
export function latencySpec(run: LoadedRun): Spec {
  const values = latencyValues(run);
  const medians = LATENCY_MEASURES.map((m) => {
    const x = median(values.filter((v) => v.measure === m).map((v) => v.ms));
    return `${m} ${x === null ? 'n/a' : `${x.toFixed(1)} ms`}`;
  });
  return {
    title: {
      text: 'Order latency',
      subtitle: [
        'entry: sent → venue · response: venue → answer · round trip: sent → answer',
        `medians: ${medians.join(' · ')}`,
        `${values.length / 3} orders; box: quartiles; whiskers: min to max`,
      ],
    },
    width: HALF - 90,
    height: 150,
    data: { values },
    mark: { type: 'boxplot', extent: 'min-max', size: 24, color: COLORS.inventory, median: { color: '#111' } },
    encoding: {
      y: { field: 'measure', type: 'nominal', title: null, sort: [...LATENCY_MEASURES] },
      x: { field: 'ms', type: 'quantitative', title: 'ms', scale: { zero: true } },
    },
  };
}

/** Total PnL less its running peak, at every timeseries sample (≤ 0). */
export function drawdownSeries(run: LoadedRun): { ts: number; drawdown: number }[] {
  let peak = -Infinity;
  return run.timeseries.map((s) => {
    peak = Math.max(peak, s.pnlTotal);
    return { ts: s.ts, drawdown: Number((s.pnlTotal - peak).toPrecision(12)) };
  });
}

/** The drawdown of total PnL from its running peak over time, the deepest point marked. */
export function drawdownSpec(run: LoadedRun): Spec {
  const series = drawdownSeries(run);
  const rows = downsample(series, MAX_POINTS, (s) => s.drawdown);
  const values = rows.map((s) => ({ t: Math.round(s.ts / 1000), drawdown: s.drawdown }));
  const deepest = series.reduce((a, s) => (s.drawdown < a.drawdown ? s : a), series[0]);
  const late = deepest.ts - series[0].ts > 0.6 * (series[series.length - 1].ts - series[0].ts);
  const currency = moneyUnit(run);
  const time = { field: 't', type: 'temporal', title: 'time (UTC)', scale: { type: 'utc' }, axis: { format: '%H:%M:%S' } };
  return {
    title: {
      text: 'Drawdown',
      subtitle: [
        `total PnL less its running peak (${currency}); the deepest point is the max drawdown`,
        ...(rows.length < series.length
          ? [`showing ${rows.length} of ${series.length} samples (downsampled for display; the CSV has all)`]
          : []),
      ],
    },
    width: WIDE,
    height: 140,
    layer: [
      {
        data: { values },
        transform: [{ calculate: "utcFormat(datum.t, '%Y-%m-%d %H:%M:%S')", as: 'time' }],
        mark: {
          type: 'area',
          interpolate: 'step-after',
          color: COLORS.sell,
          opacity: 0.35,
          line: { color: COLORS.sell, strokeWidth: 1.2 },
        },
        encoding: {
          x: time,
          y: { field: 'drawdown', type: 'quantitative', title: `drawdown (${currency})` },
          tooltip: [
            { field: 'time', title: 'time (UTC)' },
            { field: 'drawdown', type: 'quantitative', format: ',.6~f' },
          ],
        },
      },
      {
        data: { values: deepest && deepest.drawdown < 0 ? [{ t: Math.round(deepest.ts / 1000), drawdown: deepest.drawdown }] : [] },
        layer: [
          {
            mark: { type: 'point', filled: true, color: '#111', size: 50 },
            encoding: { x: time, y: { field: 'drawdown', type: 'quantitative' } },
          },
          {
            mark: { type: 'text', align: late ? 'right' : 'left', dx: late ? -8 : 8, dy: -2, fontSize: 11 },
            encoding: {
              x: time,
              y: { field: 'drawdown', type: 'quantitative' },
              text: { value: `max drawdown ${Number(run.summary.risk.maxDrawdown.toPrecision(4))}` },
            },
          },
        ],
      },
    ],
  };
}

export interface InventoryShare extends Group {
  samples: number;
  share: number;
}

/** The share of samples (time) at each position, grouped as distances are. */
export function inventoryShares(run: LoadedRun): InventoryShare[] {
  const positions = run.timeseries.map((s) => s.inventory);
  const group = groupValues(positions, MAX_POSITION_GROUPS);
  const rows = new Map<number, InventoryShare>();
  for (const q of positions) {
    const g = group(q);
    const row = rows.get(g.center) ?? { ...g, samples: 0, share: 0 };
    row.samples++;
    rows.set(g.center, row);
  }
  return [...rows.values()].sort((a, b) => a.center - b.center).map((row) => ({ ...row, share: row.samples / positions.length }));
}

/** Histogram of the time spent at each position, with the strategy's limits. */
export function inventoryHistogramSpec(run: LoadedRun): Spec {
  const values = inventoryShares(run);
  const limit = maxInventoryOf(run);
  const layers: Spec[] = [
    {
      data: { values },
      mark: { type: 'rect', color: COLORS.inventory, opacity: 0.8 },
      encoding: {
        x: { field: 'from', type: 'quantitative', title: 'position (base units)', scale: { zero: false } },
        x2: { field: 'to' },
        y: { field: 'share', type: 'quantitative', title: 'share of time', axis: { format: '.0%' } },
        tooltip: [
          { field: 'center', type: 'quantitative', title: 'position', format: ',~f' },
          { field: 'share', type: 'quantitative', title: 'share of time', format: '.2%' },
          { field: 'samples', type: 'quantitative', title: 'samples' },
        ],
      },
    },
  ];
  if (limit !== null)
    layers.push({
      data: { values: [{ limit: -limit }, { limit }] },
      mark: { type: 'rule', color: COLORS.sell, strokeDash: [6, 4], strokeWidth: 1.4 },
      encoding: { x: { field: 'limit', type: 'quantitative' } },
    });
  return {
    title: {
      text: 'Time at each position',
      subtitle: [
        `share of the ${run.timeseries.length} samples of timeseries.csv at each position`,
        limit === null ? 'the strategy has no maxInventory' : `dashed: the strategy's limits ±${limit}`,
      ],
    },
    width: HALF,
    height: 200,
    layer: layers,
  };
}

/** Each fill's markout at the main horizon (bps) against its time, thinned for display. */
export function markoutPoints(run: LoadedRun): { t: number; bps: number; side: string; price: number; size: number }[] {
  const h = run.summary.mainHorizon;
  return stride(
    run.fills.filter((f) => f.markoutBps[h] !== null && f.markoutBps[h] !== undefined),
    MAX_FILL_MARKS,
  ).map((f) => ({ t: Math.round(f.ts / 1000), bps: f.markoutBps[h]!, side: f.side, price: f.price, size: f.size }));
}

/** Scatter of per-fill markouts at the main horizon over time, by side, with 0 and the mean. */
export function markoutScatterSpec(run: LoadedRun): Spec {
  const h = run.summary.mainHorizon;
  const values = markoutPoints(run);
  const complete = run.fills.filter((f) => f.markoutBps[h] !== null && f.markoutBps[h] !== undefined).length;
  const mean = run.summary.realizedSpreadStats[h]?.mean ?? null;
  const time = { field: 't', type: 'temporal', title: 'fill time (UTC)', scale: { type: 'utc' }, axis: { format: '%H:%M:%S' } };
  return {
    title: {
      text: `Markout of each fill at ${h}`,
      subtitle: [
        `mid ${h} after the fill against the fill price, bps (+ = good for us); dashed: the size-weighted mean${mean === null ? '' : ` ${mean.toFixed(2)}`}`,
        `scroll to zoom, drag to pan${values.length < complete ? ` · showing ${values.length} of ${complete} fills (the CSV has all)` : ''}`,
      ],
    },
    width: WIDE,
    height: 240,
    layer: [
      { mark: { type: 'rule', color: '#bbb' }, encoding: { y: { datum: 0 } } },
      ...(mean === null ? [] : [{ mark: { type: 'rule', color: COLORS.total, strokeDash: [4, 3] }, encoding: { y: { datum: mean } } }]),
      {
        data: { values },
        transform: [{ calculate: "utcFormat(datum.t, '%Y-%m-%d %H:%M:%S.%L')", as: 'time' }],
        params: [{ name: 'zoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales' }],
        mark: { type: 'point', filled: true, size: 22, opacity: 0.6, clip: true },
        encoding: {
          x: time,
          y: { field: 'bps', type: 'quantitative', title: `markout at ${h} (bps)` },
          color: { field: 'side', type: 'nominal', title: null, scale: { domain: ['buy', 'sell'], range: [COLORS.buy, COLORS.sell] } },
          tooltip: [
            { field: 'time', title: 'time (UTC)' },
            { field: 'side' },
            { field: 'price', type: 'quantitative', format: ',~f' },
            { field: 'size', type: 'quantitative', format: ',~f' },
            { field: 'bps', type: 'quantitative', title: `markout ${h} (bps)`, format: '.2f' },
          ],
        },
      },
    ],
  };
}
