import { escapeHtml, formatFigure, renderPage } from './html.ts';
import { sortableTable, TABLE_SCRIPT, TABLE_STYLE, type TableColumn, type TableRow } from './page-table.ts';
import { COLORS, WIDE, downsample, MAX_POINTS, type ChartSpec, type Spec } from './specs.ts';
import type { SweepMetric } from './sweep-page.ts';

/**
 * The walk-forward page (walkforward.html): what each fold chose on its training window and what that
 * choice did on the unseen test window that follows.
 *
 * Rules:
 * - The banner: the folds, the runs (training sweeps and out-of-sample runs counted separately), the rule
 *   that chose, the stitched out-of-sample PnL, and how many folds' out-of-sample objective was at least 0
 *   (for a minimised objective, at most 0).
 * - Charts: the objective in-sample and out-of-sample per fold (bars side by side); the out-of-sample PnL
 *   stitched across the test windows (each fold's run continues from where the previous one ended; with
 *   several seeds, the mean over them at each sample), with the folds' boundaries; the configuration chosen
 *   per fold.
 * - The table has one row per fold: fold, training and test windows, the chosen parameters, each figure
 *   in-sample and out-of-sample, the runs, and links to the out-of-sample run reports. Windows wrap; the
 *   table scrolls sideways rather than cutting anything off.
 */
/** One fold of a walk-forward, as walkforward.json records it. */
export interface FoldOutcome {
  fold: number;
  /** The training window and the test window that follows (ISO times). */
  windows: { train: { from: string; to: string }; test: { from: string; to: string } };
  /** The configuration chosen on the training window, or null when none qualified. */
  params: Record<string, unknown> | null;
  /** Mean over the seeds of the chosen configuration's figures on the training window (in-sample). */
  train: Record<string, number | null> | null;
  /** The same on the test window (out-of-sample). */
  test: Record<string, number | null> | null;
  /** Runs of the training sweep. */
  trainRuns: number;
  /** The out-of-sample run folders, relative to the walk-forward folder (where the page is). */
  testRuns: string[];
}

export interface CurvePoint {
  /** ms since the epoch. */
  t: number;
  /** Stitched out-of-sample PnL. */
  pnl: number;
  fold: number;
}

export interface WalkForwardPageInput {
  title: string;
  objective: string;
  minimize: boolean;
  rule: string;
  params: string[];
  /** Figures shown per fold, the objective first. */
  figures: SweepMetric[];
  folds: FoldOutcome[];
  curve: CurvePoint[];
}

function display(v: unknown): string {
  if (v === null || v === undefined) return 'n/a';
  if (typeof v === 'number') return String(Number(v.toPrecision(6)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** "2024-08-08T23:54:59.123456Z" → "2024-08-08 23:54:59". */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
}

function objectiveSpec(input: WalkForwardPageInput): Spec {
  const metric = input.figures[0];
  const values = input.folds.flatMap((f) => [
    { fold: `fold ${f.fold}`, sample: 'in-sample (train)', value: f.train?.[metric.column] ?? null },
    { fold: `fold ${f.fold}`, sample: 'out-of-sample (test)', value: f.test?.[metric.column] ?? null },
  ]);
  const samples = ['in-sample (train)', 'out-of-sample (test)'];
  return {
    title: {
      text: `${metric.label}: in-sample against out-of-sample, by fold`,
      subtitle: [
        'in-sample: the chosen configuration on its training window; out-of-sample: the same configuration on the next, unseen window',
        `${input.minimize ? 'lower' : 'higher'} is better`,
      ],
    },
    width: WIDE - 160,
    height: 260,
    data: { values },
    layer: [
      {
        transform: [{ filter: 'isValid(datum.value)' }],
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'fold', type: 'ordinal', title: null, sort: input.folds.map((f) => `fold ${f.fold}`), axis: { labelAngle: 0 } },
          xOffset: { field: 'sample', type: 'nominal', sort: samples },
          y: { field: 'value', type: 'quantitative', title: metric.label },
          color: { field: 'sample', type: 'nominal', title: null, scale: { domain: samples, range: ['#9bb7dd', COLORS.inventory] } },
          tooltip: [
            { field: 'fold', type: 'nominal' },
            { field: 'sample', type: 'nominal' },
            { field: 'value', type: 'quantitative', title: metric.label, format: ',.4~g' },
          ],
        },
      },
      { mark: { type: 'rule', color: '#888' }, encoding: { y: { datum: 0 } } },
    ],
  };
}

function curveSpec(input: WalkForwardPageInput): Spec {
  const perFold = Math.max(200, Math.floor(MAX_POINTS / Math.max(1, input.folds.length)));
  const values = input.folds.flatMap((f) =>
    downsample(
      input.curve.filter((p) => p.fold === f.fold),
      perFold,
      (p) => p.pnl,
    ),
  );
  const starts = input.folds
    .filter((f) => input.curve.some((p) => p.fold === f.fold))
    .map((f) => ({ t: Date.parse(f.windows.test.from), label: `fold ${f.fold}` }));
  return {
    title: {
      text: 'Out-of-sample PnL, stitched across the test windows',
      subtitle: [
        "each fold's chosen configuration on its unseen test window, continuing from the previous fold's end",
        "quote currency, marked to mid; dashed: where each fold's test window starts",
      ],
    },
    width: WIDE - 160,
    height: 260,
    layer: [
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after', color: COLORS.total, strokeWidth: 1.8 },
        encoding: {
          x: {
            field: 't',
            type: 'temporal',
            title: 'time (UTC)',
            scale: { type: 'utc' },
            axis: { format: '%H:%M:%S', labelOverlap: true },
          },
          y: { field: 'pnl', type: 'quantitative', title: 'PnL (quote currency)' },
          detail: { field: 'fold', type: 'nominal' },
          tooltip: [
            { field: 't', type: 'temporal', title: 'time (UTC)', format: '%Y-%m-%d %H:%M:%S', scale: { type: 'utc' } },
            { field: 'fold', type: 'nominal' },
            { field: 'pnl', type: 'quantitative', title: 'stitched PnL', format: ',.6~g' },
          ],
        },
      },
      { data: { values: [{}] }, mark: { type: 'rule', color: '#bbb' }, encoding: { y: { datum: 0 } } },
      {
        data: { values: starts },
        layer: [
          { mark: { type: 'rule', color: '#999', strokeDash: [4, 4] }, encoding: { x: { field: 't', type: 'temporal' } } },
          {
            mark: { type: 'text', align: 'left', dx: 3, dy: 2, baseline: 'top', fontSize: 11, color: '#555' },
            encoding: { x: { field: 't', type: 'temporal' }, y: { value: 0 }, text: { field: 'label' } },
          },
        ],
      },
    ],
  };
}

function paramsSpec(input: WalkForwardPageInput): Spec {
  const values = input.folds.flatMap((f) =>
    f.params === null ? [] : input.params.map((p) => ({ fold: f.fold, param: p, value: f.params![p], text: display(f.params![p]) })),
  );
  const numeric = values.every((v) => typeof v.value === 'number');
  return {
    title: { text: 'Configuration chosen by each fold', subtitle: 'a stable choice across folds is more credible than one that jumps' },
    data: { values },
    facet: { row: { field: 'param', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelFontSize: 12 } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: WIDE - 260,
      height: 110,
      layer: [
        {
          mark: { type: 'line', point: { size: 60, filled: true }, color: COLORS.inventory },
          encoding: {
            x: { field: 'fold', type: 'ordinal', title: 'fold', axis: { labelAngle: 0 } },
            // '~f': fixed with the ticks' decimals ('~g' printed 10 as 1e+1)
            y: numeric
              ? { field: 'value', type: 'quantitative', title: null, scale: { zero: false }, axis: { format: '~f' } }
              : { field: 'text', type: 'ordinal', title: null },
            tooltip: [
              { field: 'fold', type: 'ordinal' },
              { field: 'param', type: 'nominal' },
              { field: 'text', type: 'nominal', title: 'value' },
            ],
          },
        },
      ],
    },
  };
}

function figureCell(value: number | null | undefined, metric: SweepMetric): TableRow['cells'][string] {
  const v = value ?? null;
  return { html: escapeHtml(formatFigure(v, metric.format)), sort: v, value: v };
}

function positiveOutOfSample(input: WalkForwardPageInput, f: FoldOutcome): boolean {
  const v = f.test?.[input.objective];
  return typeof v === 'number' && (input.minimize ? v <= 0 : v >= 0);
}

export function renderWalkForwardPage(input: WalkForwardPageInput): string {
  const chosen = input.folds.filter((f) => f.params !== null);
  const trainRuns = input.folds.reduce((a, f) => a + f.trainRuns, 0);
  const testRuns = input.folds.reduce((a, f) => a + f.testRuns.length, 0);
  const stitched = input.curve.length > 0 ? input.curve[input.curve.length - 1].pnl : null;
  const metric = input.figures[0];
  const mean = (side: 'train' | 'test'): number | null => {
    const values = chosen.map((f) => f[side]?.[metric.column]).filter((v): v is number => typeof v === 'number');
    return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  };
  const good = chosen.filter((f) => positiveOutOfSample(input, f)).length;
  const banner =
    chosen.length === 0
      ? "<b>No fold chose a configuration</b>: see each fold's training sweep (fold-N/train/best.json) for why."
      : `Out of sample: stitched PnL <b data-key="stitchedPnl" data-value="${stitched ?? 'null'}">${escapeHtml(formatFigure(stitched, 'money'))}</b> over ${chosen.length} test window${chosen.length === 1 ? '' : 's'} · ${escapeHtml(metric.label)} mean over folds ${escapeHtml(formatFigure(mean('train'), metric.format))} in-sample → <b>${escapeHtml(formatFigure(mean('test'), metric.format))}</b> out-of-sample · ${escapeHtml(metric.label)} ${input.minimize ? '≤' : '≥'} 0 out of sample in <span data-folds-good>${good} of ${chosen.length}</span> fold${chosen.length === 1 ? '' : 's'}${chosen.length < input.folds.length ? ` · ${input.folds.length - chosen.length} fold${input.folds.length - chosen.length === 1 ? '' : 's'} chose nothing` : ''}`;
  const tone = chosen.length === 0 ? 'unsure' : good === chosen.length ? 'good' : good === 0 ? 'bad' : 'unsure';

  // The part of the times every window shares (a day, else a year) goes into the header; cells show the rest.
  const stamps = input.folds.flatMap((f) =>
    [f.windows.train.from, f.windows.train.to, f.windows.test.from, f.windows.test.to].map(shortTime),
  );
  const shared = [10, 4].find((n) => new Set(stamps.map((t) => t.slice(0, n))).size === 1) ?? 0;
  const common = shared === 0 ? '' : `, ${stamps[0].slice(0, shared)}`;
  const time = (iso: string): string => shortTime(iso).slice(shared === 0 ? 0 : shared + 1);
  const figureColumns: TableColumn[] = input.figures.flatMap((m) => [
    { key: `in:${m.column}`, label: 'in', title: `${m.column}, in-sample (training window)`, group: m.label },
    { key: `out:${m.column}`, label: 'out', title: `${m.column}, out-of-sample (test window)`, group: m.label },
  ]);
  const columns: TableColumn[] = [
    { key: 'fold', label: 'fold' },
    { key: 'train', label: `training window (UTC${common})` },
    { key: 'test', label: `test window (UTC${common})` },
    ...input.params.map((p) => ({
      key: p,
      label: p.slice(p.lastIndexOf('.') + 1),
      title: `${p}, chosen on the training window`,
      group: 'chosen',
    })),
    ...figureColumns,
    { key: 'runs', label: 'runs', title: 'training runs + out-of-sample runs' },
    { key: 'report', label: 'report', title: 'the out-of-sample run reports' },
  ];
  const window = (w: { from: string; to: string }) => ({
    html: `${escapeHtml(time(w.from))} →${shared === 10 ? ' ' : '<br>'}${escapeHtml(time(w.to))}`,
    sort: w.from,
    title: `${w.from} .. ${w.to}`,
  });
  const rows: TableRow[] = input.folds.map((f) => ({
    attributes: f.params === null ? ' class="excluded"' : '',
    cells: {
      fold: { html: String(f.fold), sort: f.fold },
      train: window(f.windows.train),
      test: window(f.windows.test),
      ...Object.fromEntries(
        input.params.map((p) => [
          p,
          f.params === null ? { html: 'none chosen', sort: null } : { html: escapeHtml(display(f.params[p])), sort: display(f.params[p]) },
        ]),
      ),
      ...Object.fromEntries(
        input.figures.flatMap((m) => [
          [`in:${m.column}`, figureCell(f.train?.[m.column], m)],
          [`out:${m.column}`, figureCell(f.test?.[m.column], m)],
        ]),
      ),
      runs: { html: `${f.trainRuns} + ${f.testRuns.length}`, sort: f.trainRuns + f.testRuns.length },
      report: {
        html: f.testRuns
          .map(
            (dir) =>
              `<a href="${escapeHtml(dir)}/report.html" title="${escapeHtml(dir)}">${escapeHtml(dir.slice(dir.lastIndexOf('/') + 1))}</a>`,
          )
          .join('<br>'),
        sort: null,
      },
    },
  }));
  const charts: ChartSpec[] = [
    { id: 'wf-objective', spec: objectiveSpec(input), wide: true },
    { id: 'wf-pnl', spec: curveSpec(input), wide: true },
  ];
  if (chosen.length > 0) charts.push({ id: 'wf-params', spec: paramsSpec(input), wide: true });
  const head = [
    TABLE_STYLE,
    '<style>table.sortable td { vertical-align: top; } #wf-table { font-size: 13px; } #wf-table th, #wf-table td { padding: 5px 6px; }</style>',
    `<h1>${escapeHtml(input.title)}</h1>`,
    `<p class="sub">spreadlab walk-forward · <span data-folds>${input.folds.length}</span> fold${input.folds.length === 1 ? '' : 's'} · <span data-runs>${trainRuns + testRuns}</span> runs (${trainRuns} in the training sweeps, ${testRuns} out of sample)</p>`,
    `<div class="card verdict ${tone}" data-summary>${banner}<span class="rule" data-rule>${escapeHtml(input.rule)}</span></div>`,
  ].join('\n');
  const tail = `<h2>Folds</h2><p class="sub">Each fold chooses on its training window and is measured on the test window that follows. Click a header to sort.</p>
<div class="card" style="overflow-x:auto">${sortableTable('wf-table', columns, rows)}</div>`;
  return renderPage({ title: `spreadlab walk-forward: ${input.title}`, head, charts, tail, script: TABLE_SCRIPT });
}
