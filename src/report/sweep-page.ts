import { SpreadlabError } from '../core/errors.ts';
import type { SeedSpread } from '../core/evidence.ts';
import { escapeHtml, formatFigure, renderPage, type FigureFormat } from './html.ts';
import { columnChooser, panelPicker, sortableTable, TABLE_SCRIPT, TABLE_STYLE, type TableColumn, type TableRow } from './page-table.ts';
import { COLORS, WIDE, type ChartSpec, type Spec } from './specs.ts';

/**
 * The sweep page (sweep.html) of a sweep or `tune` folder: one self-contained HTML string from the
 * configurations' figures (mean over seeds, spread across seeds, the interval to draw).
 *
 * Rules:
 * - The chart follows the sweep's shape: one swept parameter (a grid or `tune`): the figure against the
 *   parameter, a line with error bars; two or more on a grid: a heatmap over the first two (each cell the
 *   mean over the configurations sharing its two values); a random sweep: a scatter (the figure against
 *   the parameter with one, the first two parameters coloured by the figure with more).
 * - Error bars / intervals: the 95 % interval across seeds with two or more seeds; with one seed, the run's
 *   own interval over its fills when the figure has one (realized spread); otherwise none. The subtitle says
 *   which.
 * - One chart per metric (the objective first, then realized spread net of and before fees, PnL, fees,
 *   fills, …, those the results have); a select switches between them.
 * - The chosen configuration is ringed (or outlined) and marked ★; configurations the choice excluded
 *   (fewer fills than the minimum, a failed --require, or not consistently positive for `tune`) are drawn
 *   hollow and greyed in the table, with the reason.
 * - The banner states the rule that chose (from the caller: "highest mean pnl.total …", or tune's rule), the
 *   chosen configuration with its figure's spread across seeds, and any warning (best on the edge of the
 *   grid, configurations excluded).
 * - The table has one row per configuration: parameters, runs, each metric as its mean (± sd across seeds),
 *   sortable by a header click; a chooser shows or hides metric columns.
 */
export interface SweepMetric {
  /** The results.csv column. */
  column: string;
  label: string;
  format: FigureFormat;
  /** Low and high columns of the run's own interval over its fills, when the figure has one. */
  interval?: [string, string];
  /** Shown in the table without ticking the chooser. */
  shown: boolean;
}

/** A configuration's figure: its spread across seeds and the interval to draw (see the header). */
export interface MetricFigure extends SeedSpread {
  low: number | null;
  high: number | null;
  interval: 'seeds' | 'fills' | null;
}

export interface SweepPageConfig {
  config: number;
  params: Record<string, unknown>;
  runs: number;
  figures: Record<string, MetricFigure>;
  /** Whether the choice considered it. */
  eligible: boolean;
  /** Why it was excluded, or tune's reading of it. */
  note: string;
}

export interface SweepPageInput {
  title: string;
  kind: 'grid' | 'random' | 'tune';
  /** Swept parameter paths, in flag order. */
  params: string[];
  configs: SweepPageConfig[];
  metrics: SweepMetric[];
  objective: string;
  minimize: boolean;
  /** How the best was chosen, one sentence. */
  rule: string;
  /** The chosen configuration's number, or null. */
  best: number | null;
  /** Why nothing was chosen. */
  reason?: string;
  warnings: string[];
  /** Runs in the sweep. */
  runs: number;
}

/** The metrics a sweep page shows, from the results' columns: the objective first, then those present. */
export function sweepMetrics(columns: Iterable<string>, objective: string, mainHorizon: string): SweepMetric[] {
  const h = mainHorizon;
  const present = new Set(columns);
  const known: SweepMetric[] = [
    {
      column: `netRealizedSpreadStats.${h}.mean`,
      label: `realized spread ${h}, net of fees (bps)`,
      format: 'bps',
      interval: [`netRealizedSpreadStats.${h}.ci95Low`, `netRealizedSpreadStats.${h}.ci95High`],
      shown: true,
    },
    {
      column: `realizedSpreadBps.${h}`,
      label: `realized spread ${h}, before fees (bps)`,
      format: 'bps',
      interval: [`realizedSpreadStats.${h}.ci95Low`, `realizedSpreadStats.${h}.ci95High`],
      shown: false,
    },
    { column: 'pnl.total', label: 'PnL (quote currency)', format: 'money', shown: true },
    { column: 'pnl.fees', label: 'fees paid', format: 'money', shown: false },
    { column: 'pnl.rebates', label: 'rebates earned', format: 'money', shown: false },
    { column: 'fills.count', label: 'fills', format: 'count', shown: true },
    { column: `adverseSelectionBps.${h}`, label: `adverse selection ${h} (bps)`, format: 'bps', shown: false },
    { column: 'quotedSpread.meanBps', label: 'mean quoted spread (bps)', format: 'bps', shown: false },
    { column: 'quotes.twoSidedUptime', label: 'two-sided uptime', format: 'pct', shown: false },
    { column: 'inventory.meanAbs', label: 'mean |inventory|', format: 'size', shown: false },
    { column: 'risk.sharpe', label: 'Sharpe (per risk interval)', format: 'ratio', shown: false },
    { column: 'risk.maxDrawdown', label: 'max drawdown', format: 'money', shown: false },
    // Several markets (the columns above are then one market's): the portfolio's.
    { column: 'portfolio.pnl.total', label: 'portfolio PnL, all markets (quote currency)', format: 'money', shown: true },
    { column: 'portfolio.attribution.hedgeCost', label: 'hedge cost', format: 'money', shown: false },
    { column: 'portfolio.hedge.slippageBps.mean', label: "hedge slippage vs the quoted market's mid (bps)", format: 'bps', shown: false },
    { column: 'portfolio.netDelta.meanAbs', label: 'mean |net delta|', format: 'size', shown: false },
  ];
  const objectiveMetric = known.find((m) => m.column === objective) ?? {
    column: objective,
    label: objective,
    format: 'ratio',
    shown: true,
  };
  return [{ ...objectiveMetric, shown: true }, ...known.filter((m) => m.column !== objective && present.has(m.column))];
}

type Status = 'chosen' | 'considered' | 'excluded';

/** What the legend and tooltips call each status, by kind of sweep. */
function statusLabels(kind: SweepPageInput['kind']): Record<Status, string> {
  return kind === 'tune'
    ? { chosen: 'chosen', considered: 'consistently positive', excluded: 'not consistently positive' }
    : { chosen: 'chosen', considered: 'considered', excluded: 'excluded' };
}

interface Point {
  config: number;
  params: Record<string, string>;
  x: unknown;
  y: unknown;
  mean: number | null;
  low: number | null;
  high: number | null;
  sd: number | null;
  runs: number;
  status: Status;
  /** The status as the legend says it. */
  standing: string;
  note: string;
}

const STATUS_COLORS: Record<Status, string> = { chosen: COLORS.total, considered: COLORS.inventory, excluded: '#b0b0b0' };

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function display(v: unknown): string {
  if (v === null || v === undefined) return 'n/a';
  if (isNumber(v)) return String(Number(v.toPrecision(6)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Rounded for the page's data (never for the table's data-value). */
function rounded(x: number | null): number | null {
  return x === null ? null : Number(x.toPrecision(6));
}

function statusOf(input: SweepPageInput, c: SweepPageConfig): Status {
  return c.config === input.best ? 'chosen' : c.eligible ? 'considered' : 'excluded';
}

function pointsOf(input: SweepPageInput, metric: SweepMetric, xParam: string, yParam?: string): Point[] {
  return input.configs.map((c) => {
    const f = c.figures[metric.column];
    return {
      config: c.config,
      params: Object.fromEntries(input.params.map((p) => [p, display(c.params[p])])),
      x: c.params[xParam],
      y: yParam === undefined ? undefined : c.params[yParam],
      mean: rounded(f?.mean ?? null),
      low: rounded(f?.low ?? null),
      high: rounded(f?.high ?? null),
      sd: rounded(f?.sd ?? null),
      runs: c.runs,
      status: statusOf(input, c),
      standing: statusLabels(input.kind)[statusOf(input, c)],
      note: c.note,
    };
  });
}

function intervalNote(input: SweepPageInput, metric: SweepMetric): string {
  const kinds = new Set(input.configs.map((c) => c.figures[metric.column]?.interval ?? null));
  if (kinds.has('seeds')) return 'error bars: 95% interval across seeds';
  if (kinds.has('fills')) return "error bars: each run's 95% interval over its fills";
  return 'one seed per configuration: no error bars';
}

function axisOf(param: string, values: unknown[], channel: 'x' | 'y', field: string): Spec {
  const numeric = values.every(isNumber);
  return numeric
    ? { field, type: 'quantitative', title: param, scale: { zero: false, nice: false, padding: 16 } }
    : {
        field,
        type: 'ordinal',
        title: param,
        sort: [...new Set(values.map(display))],
        ...(channel === 'x' ? { axis: { labelAngle: 0 } } : {}),
      };
}

function tooltip(input: SweepPageInput, metric: SweepMetric, interval: boolean): Spec[] {
  return [
    ...input.params.map((p) => ({ field: `params.${p}`, type: 'nominal', title: p })),
    { field: 'mean', type: 'quantitative', title: metric.label, format: ',.4~g' },
    ...(interval
      ? [
          { field: 'low', type: 'quantitative', title: '95% low', format: ',.4~g' },
          { field: 'high', type: 'quantitative', title: '95% high', format: ',.4~g' },
        ]
      : []),
    { field: 'sd', type: 'quantitative', title: 'sd across seeds', format: ',.4~g' },
    { field: 'runs', type: 'quantitative', title: 'runs' },
    { field: 'standing', type: 'nominal', title: 'status' },
    { field: 'note', type: 'nominal' },
  ];
}

function statusColor(kind: SweepPageInput['kind']): Spec {
  const labels = statusLabels(kind);
  const order: Status[] = ['chosen', 'considered', 'excluded'];
  return {
    field: 'standing',
    type: 'nominal',
    title: null,
    scale: { domain: order.map((s) => labels[s]), range: order.map((s) => STATUS_COLORS[s]) },
  };
}

/** The figure against one parameter: a line (grid, tune) or points (random), with error bars. */
function lineSpec(input: SweepPageInput, metric: SweepMetric): Spec {
  const param = input.params[0];
  const values = pointsOf(input, metric, param);
  const x = axisOf(
    param,
    values.map((v) => v.x),
    'x',
    'x',
  );
  const y = { field: 'mean', type: 'quantitative', title: metric.label, scale: { zero: false } };
  // Layers whose data would be empty are left out: vega warns about an empty layer's scale extent.
  const layers: Spec[] = [{ mark: { type: 'rule', color: '#bbb' }, encoding: { y: { datum: 0 } } }];
  if (values.some((v) => v.low !== null && v.high !== null))
    layers.push({
      transform: [{ filter: 'isValid(datum.low) && isValid(datum.high)' }],
      mark: { type: 'errorbar', ticks: true, color: '#555' },
      encoding: { x, y: { field: 'low', type: 'quantitative', title: metric.label }, y2: { field: 'high' } },
    });
  if (input.kind !== 'random')
    layers.push({
      transform: [{ filter: 'isValid(datum.mean)' }],
      mark: { type: 'line', color: COLORS.inventory, strokeWidth: 1.6 },
      encoding: { x, y },
    });
  layers.push({
    transform: [{ filter: 'isValid(datum.mean)' }],
    mark: { type: 'point', size: 80, strokeWidth: 2 },
    encoding: {
      x,
      y,
      color: statusColor(input.kind),
      fill: { condition: { test: "datum.status !== 'excluded'", ...statusColor(input.kind) }, value: '#fff' },
      tooltip: tooltip(input, metric, true),
    },
  });
  if (values.some((v) => v.status === 'chosen' && v.mean !== null))
    layers.push({
      transform: [{ filter: "datum.status === 'chosen' && isValid(datum.mean)" }],
      mark: { type: 'point', size: 420, filled: false, color: COLORS.total, strokeWidth: 2 },
      encoding: { x, y },
    });
  return {
    title: {
      text: `${metric.label} by ${param}`,
      subtitle: [
        `${input.kind === 'random' ? 'each point: one configuration drawn at random' : 'each point: one configuration'}, mean over its seeds; ${intervalNote(input, metric)}`,
        `ringed: the chosen configuration; hollow grey: ${statusLabels(input.kind).excluded}`,
      ],
    },
    width: WIDE - 160,
    height: 300,
    data: { values },
    layer: layers,
  };
}

/** Two or more parameters on a grid: a heatmap over the first two. */
function heatmapSpec(input: SweepPageInput, metric: SweepMetric): Spec {
  const [xParam, yParam] = input.params;
  const others = input.params.slice(2);
  const cells = new Map<string, { x: unknown; y: unknown; sum: number; n: number; configs: number; status: Status }>();
  for (const point of pointsOf(input, metric, xParam, yParam)) {
    const key = JSON.stringify([point.x, point.y]);
    const cell = cells.get(key) ?? { x: point.x, y: point.y, sum: 0, n: 0, configs: 0, status: 'excluded' as Status };
    cell.configs += 1;
    if (point.mean !== null) {
      cell.sum += point.mean;
      cell.n += 1;
    }
    if (point.status === 'chosen' || (point.status === 'considered' && cell.status === 'excluded')) cell.status = point.status;
    cells.set(key, cell);
  }
  const values = [...cells.values()].map((c) => {
    const value = c.n > 0 ? Number((c.sum / c.n).toPrecision(6)) : null;
    const label = value === null ? 'n/a' : formatFigure(value, metric.format);
    return {
      x: display(c.x),
      y: display(c.y),
      value,
      label: c.status === 'chosen' ? `★ ${label}` : label,
      configs: c.configs,
      status: c.status,
    };
  });
  const numbers = values.map((v) => v.value).filter(isNumber);
  const lo = numbers.length > 0 ? Math.min(...numbers) : 0;
  const hi = numbers.length > 0 ? Math.max(...numbers) : 0;
  const flip = input.minimize && metric.column === input.objective;
  const scale: Spec =
    metric.format === 'count'
      ? { scheme: 'blues' }
      : lo < 0 && hi > 0
        ? { scheme: 'redyellowgreen', domainMid: 0, reverse: flip }
        : { scheme: hi <= 0 ? 'reds' : 'greens', reverse: hi <= 0 !== flip };
  const xs = [...new Set(input.configs.map((c) => c.params[xParam]))].sort(compareValues).map(display);
  const ys = [...new Set(input.configs.map((c) => c.params[yParam]))].sort(compareValues).map(display);
  const xAxis = { field: 'x', type: 'ordinal', title: xParam, sort: xs, axis: { labelAngle: 0 } };
  const yAxis = { field: 'y', type: 'ordinal', title: yParam, sort: [...ys].reverse() };
  const cellW = Math.max(30, Math.min(120, Math.floor((WIDE - 220) / Math.max(1, xs.length))));
  const cellH = Math.max(20, Math.min(56, Math.floor(420 / Math.max(1, ys.length))));
  return {
    title: {
      text: `${metric.label} over ${xParam} × ${yParam}`,
      subtitle: [
        `each cell: mean over seeds${others.length > 0 ? ` and over the other swept parameters (${others.join(', ')})` : ''}; outlined ★: the chosen configuration`,
        'grey text: every configuration in the cell was excluded from the choice',
      ],
    },
    width: cellW * xs.length,
    height: cellH * ys.length,
    data: { values },
    layer: [
      {
        mark: { type: 'rect', stroke: '#fff', strokeWidth: 1 },
        encoding: {
          x: xAxis,
          y: yAxis,
          color: {
            field: 'value',
            type: 'quantitative',
            title: metric.label,
            scale,
            legend: { orient: 'right', direction: 'vertical', gradientLength: 160 },
          },
          tooltip: [
            { field: 'x', type: 'ordinal', title: xParam },
            { field: 'y', type: 'ordinal', title: yParam },
            { field: 'value', type: 'quantitative', title: metric.label, format: ',.4~g' },
            { field: 'configs', type: 'quantitative', title: 'configurations in cell' },
            { field: 'status', type: 'nominal' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 12 },
        encoding: {
          x: xAxis,
          y: yAxis,
          text: { field: 'label' },
          color: { condition: { test: "datum.status === 'excluded'", value: '#8a8a8a' }, value: '#111' },
        },
      },
      ...(values.some((v) => v.status === 'chosen')
        ? [
            {
              transform: [{ filter: "datum.status === 'chosen'" }],
              mark: { type: 'rect', fill: null, stroke: '#111', strokeWidth: 3 },
              encoding: { x: xAxis, y: yAxis },
            },
          ]
        : []),
    ],
  };
}

/** A random sweep over two or more parameters: the first two as axes, coloured by the figure. */
function scatterSpec(input: SweepPageInput, metric: SweepMetric): Spec {
  const [xParam, yParam] = input.params;
  const values = pointsOf(input, metric, xParam, yParam);
  const x = axisOf(
    xParam,
    values.map((v) => v.x),
    'x',
    'x',
  );
  const y = axisOf(
    yParam,
    values.map((v) => v.y),
    'y',
    'y',
  );
  const numbers = values.map((v) => v.mean).filter(isNumber);
  const diverging = numbers.length > 0 && Math.min(...numbers) < 0 && Math.max(...numbers) > 0;
  const flip = input.minimize && metric.column === input.objective;
  const scale =
    metric.format === 'count'
      ? { scheme: 'blues' }
      : diverging
        ? { scheme: 'redyellowgreen', domainMid: 0, reverse: flip }
        : { scheme: 'viridis', reverse: flip };
  return {
    title: {
      text: `${metric.label}: ${values.length} random configurations over ${xParam} × ${yParam}`,
      subtitle: [
        `colour: mean over seeds${input.params.length > 2 ? `; also drawn: ${input.params.slice(2).join(', ')} (in the tooltip)` : ''}`,
        'ringed: the chosen configuration; faded: excluded from the choice',
      ],
    },
    width: WIDE - 200,
    height: 340,
    data: { values },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 160, stroke: '#333', strokeWidth: 0.5 },
        encoding: {
          x,
          y,
          color: {
            field: 'mean',
            type: 'quantitative',
            title: metric.label,
            scale,
            legend: { orient: 'right', direction: 'vertical', gradientLength: 160 },
          },
          opacity: { condition: { test: "datum.status === 'excluded'", value: 0.3 }, value: 0.95 },
          tooltip: tooltip(input, metric, false),
        },
      },
      ...(values.some((v) => v.status === 'chosen')
        ? [
            {
              transform: [{ filter: "datum.status === 'chosen'" }],
              mark: { type: 'point', size: 520, filled: false, color: COLORS.total, strokeWidth: 2.5 },
              encoding: { x, y },
            },
          ]
        : []),
    ],
  };
}

function compareValues(a: unknown, b: unknown): number {
  return isNumber(a) && isNumber(b) ? a - b : display(a).localeCompare(display(b));
}

function chartOf(input: SweepPageInput, metric: SweepMetric): Spec {
  if (input.params.length === 1) return lineSpec(input, metric);
  return input.kind === 'random' ? scatterSpec(input, metric) : heatmapSpec(input, metric);
}

function figureCell(f: MetricFigure | undefined, metric: SweepMetric): TableRow['cells'][string] {
  if (!f || f.mean === null) return { html: 'n/a', sort: null, value: null };
  const sd = f.sd === null ? '' : ` <small>± ${formatFigure(f.sd, metric.format)}</small>`;
  const title =
    f.ci95Low === null
      ? undefined
      : `95% interval across ${f.n} seeds: ${formatFigure(f.ci95Low, metric.format)} to ${formatFigure(f.ci95High, metric.format)}`;
  return { html: `${escapeHtml(formatFigure(f.mean, metric.format))}${sd}`, sort: f.mean, value: f.mean, title };
}

function bestText(input: SweepPageInput): string {
  const best = input.configs.find((c) => c.config === input.best);
  if (!best) return `<b>No configuration chosen</b>: ${escapeHtml(input.reason ?? '')}`;
  const metric = input.metrics[0];
  const f = best.figures[metric.column];
  const spread =
    f && f.mean !== null
      ? ` · ${escapeHtml(metric.label)} <b>${escapeHtml(formatFigure(f.mean, metric.format))}</b>${
          f.interval === 'seeds'
            ? ` (mean over ${f.n} seeds, sd ${escapeHtml(formatFigure(f.sd, metric.format))}, 95% CI ${escapeHtml(formatFigure(f.low, metric.format))} to ${escapeHtml(formatFigure(f.high, metric.format))})`
            : f.interval === 'fills'
              ? ` (95% CI over its fills ${escapeHtml(formatFigure(f.low, metric.format))} to ${escapeHtml(formatFigure(f.high, metric.format))})`
              : ''
        }`
      : '';
  const params = input.params.map((p) => `<b>${escapeHtml(p)}</b> = ${escapeHtml(display(best.params[p]))}`).join(', ');
  return `Chosen: ${params}${spread}`;
}

/** The sweep page as one self-contained HTML string. */
export function renderSweepPage(input: SweepPageInput): string {
  if (input.configs.length === 0) throw new SpreadlabError('sweep page: no configurations to show');
  if (input.params.length === 0) throw new SpreadlabError('sweep page: no swept parameter');
  for (const p of input.params)
    if (!input.configs.some((c) => c.params[p] !== undefined))
      throw new SpreadlabError(`sweep page: ${p} is not a parameter of the configurations`);
  const charts: ChartSpec[] = input.metrics.map((m, i) => ({
    id: `metric-${i}`,
    spec: chartOf(input, m),
    wide: true,
    panel: `metric-${i}`,
  }));
  const metricColumns: TableColumn[] = input.metrics.map((m) => ({ key: m.column, label: m.label, hidden: !m.shown, title: m.column }));
  const columns: TableColumn[] = [
    { key: 'best', label: '★', title: 'the chosen configuration' },
    { key: 'config', label: 'config' },
    ...input.params.map((p) => ({ key: p, label: p.slice(p.lastIndexOf('.') + 1), title: p })),
    { key: 'runs', label: 'runs', title: 'seeds run' },
    ...metricColumns,
    { key: 'note', label: 'note', wrap: true },
  ];
  const rows: TableRow[] = input.configs.map((c) => {
    const status = statusOf(input, c);
    return {
      attributes: status === 'chosen' ? ' class="best" data-best' : status === 'excluded' ? ' class="excluded"' : '',
      cells: {
        best: { html: status === 'chosen' ? '★' : '', sort: status === 'chosen' ? 0 : 1 },
        config: { html: String(c.config), sort: c.config },
        ...Object.fromEntries(
          input.params.map((p) => [
            p,
            { html: escapeHtml(display(c.params[p])), sort: isNumber(c.params[p]) ? c.params[p] : display(c.params[p]) },
          ]),
        ),
        runs: { html: String(c.runs), sort: c.runs },
        ...Object.fromEntries(input.metrics.map((m) => [m.column, figureCell(c.figures[m.column], m)])),
        note: { html: escapeHtml(c.note), sort: c.note || null },
      },
    };
  });
  const seedsPer = [...new Set(input.configs.map((c) => c.runs))];
  const shape =
    input.kind === 'tune'
      ? `tune over ${input.params[0]}: ${input.configs.length} spreads tried`
      : `${input.kind === 'random' ? 'random draws' : 'grid'} over ${input.params.join(' × ')}: ${input.configs.length} configuration${input.configs.length === 1 ? '' : 's'}`;
  const head = [
    TABLE_STYLE,
    `<h1>${escapeHtml(input.title)}</h1>`,
    `<p class="sub">spreadlab ${input.kind === 'tune' ? 'tune' : 'sweep'} · ${escapeHtml(shape)} × ${seedsPer.length === 1 ? `${seedsPer[0]} seed${seedsPer[0] === 1 ? '' : 's'}` : 'their seeds'} = <span data-runs>${input.runs}</span> runs</p>`,
    `<div class="card verdict ${input.best === null ? 'unsure' : 'good'}" data-best-summary>${bestText(input)}<span class="rule" data-rule>${escapeHtml(input.rule)}</span></div>`,
    input.warnings.length > 0
      ? `<div class="card warnings" data-warnings><b>Warnings</b><ul>${input.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></div>`
      : '',
    panelPicker(
      'Chart:',
      input.metrics.map((m, i) => ({ id: `metric-${i}`, label: m.label })),
    ),
  ].join('\n');
  const tail = `<h2>Configurations</h2><p class="sub">Mean over each configuration's seeds (± sd across seeds; hover for the 95% interval). Click a header to sort. Every run is in results.csv, these figures in configs.csv.</p>
${columnChooser(metricColumns)}
<div class="card" style="overflow-x:auto">${sortableTable('sweep-table', columns, rows)}</div>`;
  return renderPage({
    title: `spreadlab ${input.kind === 'tune' ? 'tune' : 'sweep'}: ${input.title}`,
    head,
    charts,
    tail,
    script: TABLE_SCRIPT,
  });
}
