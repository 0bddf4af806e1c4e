import { SpreadlabError } from '../core/errors.ts';
import { escapeHtml, renderPage } from './html.ts';
import { HALF, WIDE, type ChartSpec, type Spec } from './specs.ts';

/**
 * The sweep page (sweep.html): one self-contained HTML string from a sweep's result rows.
 *
 * Input rows are flat objects: parameter columns under their scenario paths (`strategy.spreadBps`), `seed`,
 * and flattened summary figures (`pnl.total`, `realizedSpreadBps.30s`, `fills.count`, …). Rules:
 * - Heatmap of a figure over the two chosen parameters; each cell is the mean over the rows that share its
 *   two values (seeds, and any other swept parameter), with the row count in its tooltip. Panels: the
 *   objective, realized spread at the main horizon, fill count, and the out-of-sample objective when rows
 *   carry `test.<objective>` (walk-forward); a select switches between them.
 * - Colours: figures that can be negative use a red–green diverging scale centred on 0 (flipped when the
 *   objective is minimised); counts use a sequential blue scale.
 * - The best configuration is outlined in every heatmap and marked ★ in the table. It is found by `config`
 *   when both it and the rows carry one, otherwise by the two heatmap parameters (and any other parameter
 *   column the best row carries).
 * - The table lists every row (parameters, seed, the panel figures, and in-sample/out-of-sample columns:
 *   `train.*`/`test.*` or `inSample.*`/`outOfSample.*`), sortable by clicking a column header.
 */
export type SweepRow = Record<string, unknown>;

export interface SweepPageInput {
  rows: SweepRow[];
  /** The two swept parameters on the heatmap axes: [x, y]. */
  axes: [string, string];
  /** The figure the sweep optimised, e.g. "pnl.total". */
  objective: string;
  /** True when smaller is better. */
  minimize?: boolean;
  /** The best row, or a best.json-like `{ config, params }`; null when nothing qualified. */
  best: SweepRow | null;
  /** Every swept parameter column (default: the two axes plus any other `strategy.`/`venue.`/`market.`/`data.` column). */
  params?: string[];
  /** Horizon label for the realized spread panel (default: the first of 30s, or any realizedSpreadBps column). */
  mainHorizon?: string;
  title?: string;
}

const OOS_PREFIXES = ['train.', 'test.', 'inSample.', 'outOfSample.'];
const PARAM_PREFIXES = ['strategy.', 'venue.', 'market.', 'data.', 'analytics.', 'durationSeconds', 'window.'];

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function sortValues(values: unknown[]): unknown[] {
  const unique = [...new Map(values.map((v) => [JSON.stringify(v), v])).values()];
  return unique.sort((a, b) => (isNumber(a) && isNumber(b) ? a - b : String(a).localeCompare(String(b))));
}

function display(v: unknown): string {
  if (v === null || v === undefined) return 'n/a';
  if (isNumber(v)) return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

interface Panel {
  id: string;
  field: string;
  label: string;
  kind: 'diverging' | 'count';
  flip: boolean;
}

function panelsOf(input: SweepPageInput, columns: Set<string>): Panel[] {
  const horizon =
    input.mainHorizon ??
    (columns.has('realizedSpreadBps.30s')
      ? '30s'
      : [...columns].find((c) => c.startsWith('realizedSpreadBps.'))?.slice('realizedSpreadBps.'.length));
  const fields: [string, string][] = [[input.objective, `objective: ${input.objective}${input.minimize ? ' (lower is better)' : ''}`]];
  if (horizon !== undefined && columns.has(`realizedSpreadBps.${horizon}`))
    fields.push([`realizedSpreadBps.${horizon}`, `realized spread ${horizon} (bps)`]);
  if (columns.has('fills.count')) fields.push(['fills.count', 'fills']);
  for (const prefix of ['test.', 'outOfSample.']) {
    if (columns.has(`${prefix}${input.objective}`)) fields.push([`${prefix}${input.objective}`, `out-of-sample ${input.objective}`]);
  }
  const seen = new Set<string>();
  return fields
    .filter(([f]) => (seen.has(f) ? false : (seen.add(f), true)))
    .map(([field, label], i) => ({
      id: `heatmap-${i}`,
      field,
      label,
      kind: field.endsWith('fills.count') ? 'count' : 'diverging',
      flip: Boolean(input.minimize) && (field === input.objective || field.endsWith(`.${input.objective}`)),
    }));
}

function bestMatcher(input: SweepPageInput, params: string[]): (row: SweepRow) => boolean {
  const best = input.best;
  if (best === null) return () => false;
  if (best.config !== undefined && input.rows.some((r) => r.config !== undefined)) return (row) => row.config === best.config;
  const values = (best.params && typeof best.params === 'object' ? best.params : best) as Record<string, unknown>;
  const keys = params.filter((p) => p in values);
  if (keys.length === 0) return () => false;
  return (row) => keys.every((k) => JSON.stringify(row[k]) === JSON.stringify(values[k]));
}

function heatmapSpec(input: SweepPageInput, panel: Panel, isBest: (row: SweepRow) => boolean, otherParams: string[]): Spec {
  const [xParam, yParam] = input.axes;
  const cells = new Map<string, { x: unknown; y: unknown; sum: number; n: number; rows: number; best: boolean }>();
  for (const row of input.rows) {
    const key = JSON.stringify([row[xParam], row[yParam]]);
    const cell = cells.get(key) ?? { x: row[xParam], y: row[yParam], sum: 0, n: 0, rows: 0, best: false };
    cell.rows += 1;
    const v = row[panel.field];
    if (isNumber(v)) {
      cell.sum += v;
      cell.n += 1;
    }
    if (isBest(row)) cell.best = true;
    cells.set(key, cell);
  }
  const xs = sortValues(input.rows.map((r) => r[xParam]));
  const ys = sortValues(input.rows.map((r) => r[yParam]));
  const values = [...cells.values()].map((c) => {
    const value = c.n > 0 ? c.sum / c.n : null;
    const label = value === null ? 'n/a' : display(Number(value.toPrecision(4)));
    return {
      x: display(c.x),
      y: display(c.y),
      value: value === null ? null : Number(value.toPrecision(8)),
      label: c.best ? `★ ${label}` : label,
      rows: c.rows,
      best: c.best,
    };
  });
  const numbers = values.map((v) => v.value).filter(isNumber);
  const lo = numbers.length > 0 ? Math.min(...numbers) : 0;
  const hi = numbers.length > 0 ? Math.max(...numbers) : 0;
  const diverging = panel.kind === 'diverging' && lo < 0 && hi > 0;
  const scale: Spec =
    panel.kind === 'count'
      ? { scheme: 'blues' }
      : diverging
        ? { scheme: 'redyellowgreen', domainMid: 0, reverse: panel.flip }
        : { scheme: hi <= 0 ? 'reds' : 'greens', reverse: hi <= 0 !== panel.flip };
  const xAxis = { field: 'x', type: 'ordinal', title: xParam, sort: xs.map(display), axis: { labelAngle: 0 } };
  const yAxis = { field: 'y', type: 'ordinal', title: yParam, sort: ys.map(display).reverse() };
  const cellW = Math.max(24, Math.min(130, Math.floor((WIDE - 200) / Math.max(1, xs.length))));
  const cellH = Math.max(18, Math.min(56, Math.floor(420 / Math.max(1, ys.length))));
  return {
    title: {
      text: `${panel.label} over ${xParam} × ${yParam}`,
      subtitle: `each cell: mean over seeds${otherParams.length > 0 ? ` and the other swept parameters (${otherParams.join(', ')})` : ''}; outlined ★ = best configuration by ${input.objective}`,
    },
    width: Math.max(HALF / 2, cellW * xs.length),
    height: Math.max(120, cellH * ys.length),
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
            title: panel.label,
            scale,
            legend: { orient: 'right', direction: 'vertical', gradientLength: 160 },
          },
          tooltip: [
            { field: 'x', type: 'ordinal', title: xParam },
            { field: 'y', type: 'ordinal', title: yParam },
            { field: 'value', type: 'quantitative', title: panel.label, format: ',.6~g' },
            { field: 'rows', type: 'quantitative', title: 'runs in cell' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 12 },
        encoding: { x: xAxis, y: yAxis, text: { field: 'label' }, color: { value: '#111' } },
      },
      {
        transform: [{ filter: 'datum.best' }],
        mark: { type: 'rect', fill: null, stroke: '#111', strokeWidth: 3 },
        encoding: { x: xAxis, y: yAxis },
      },
    ],
  };
}

function tableColumns(params: string[], panels: Panel[], columns: Set<string>): string[] {
  const wanted = [
    ...params,
    'seed',
    ...panels.map((p) => p.field),
    'pnl.total',
    ...[...columns].filter((c) => OOS_PREFIXES.some((p) => c.startsWith(p))).sort(),
  ];
  return wanted.filter((c, i) => columns.has(c) && wanted.indexOf(c) === i);
}

const TABLE_SCRIPT = `
(function () {
  var table = document.getElementById('sweep-table');
  var body = table.tBodies[0];
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.addEventListener('click', function () {
      var dir = th.getAttribute('data-dir') === 'asc' ? 'desc' : 'asc';
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('data-dir'); });
      th.setAttribute('data-dir', dir);
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute('data-sort'), y = b.cells[col].getAttribute('data-sort');
        var nx = x === '' ? NaN : Number(x), ny = y === '' ? NaN : Number(y);
        var c;
        if (isNaN(nx) && isNaN(ny)) c = String(x).localeCompare(String(y));
        else if (isNaN(nx)) c = 1; else if (isNaN(ny)) c = -1; else c = nx - ny;
        if (isNaN(nx) || isNaN(ny)) return c;
        return dir === 'asc' ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  var select = document.getElementById('panel-select');
  function show() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-panel]'), function (el) {
      el.style.display = el.getAttribute('data-panel') === select.value ? '' : 'none';
    });
  }
  select.addEventListener('change', show);
  show();
})();
`;

/** The sweep page as one self-contained HTML string. */
export function renderSweepPage(input: SweepPageInput): string {
  const { rows, axes, objective } = input;
  if (rows.length === 0) throw new SpreadlabError('sweep page: no result rows to show');
  const columns = new Set(rows.flatMap((r) => Object.keys(r)));
  for (const axis of axes)
    if (!columns.has(axis))
      throw new SpreadlabError(`sweep page: ${axis} is not a column of the results (columns: ${[...columns].join(', ')})`);
  if (!columns.has(objective)) throw new SpreadlabError(`sweep page: objective ${objective} is not a column of the results`);
  const params = input.params ?? [...new Set([...axes, ...[...columns].filter((c) => PARAM_PREFIXES.some((p) => c.startsWith(p)))])];
  const otherParams = params.filter((p) => !axes.includes(p) && new Set(rows.map((r) => JSON.stringify(r[p]))).size > 1);
  const panels = panelsOf(input, columns);
  const isBest = bestMatcher(input, params);
  const charts: ChartSpec[] = panels.map((p) => ({ id: p.id, spec: heatmapSpec(input, p, isBest, otherParams), wide: true, panel: p.id }));

  const shown = tableColumns(params, panels, columns);
  const bestRows = rows.filter(isBest);
  const best = bestRows[0];
  const bestFigures = bestRows.map((r) => r[objective]).filter(isNumber);
  const bestMean = bestFigures.length > 0 ? bestFigures.reduce((x, y) => x + y, 0) / bestFigures.length : null;
  const header = `<tr><th title="best configuration">★</th>${shown.map((c) => `<th data-column="${escapeHtml(c)}" title="click to sort">${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = rows
    .map((row) => {
      const mark = isBest(row);
      const cells = shown.map((c) => {
        const v = row[c];
        return `<td data-column="${escapeHtml(c)}" data-sort="${isNumber(v) ? String(v) : escapeHtml(v === null || v === undefined ? '' : display(v))}">${escapeHtml(display(v))}</td>`;
      });
      return `<tr${mark ? ' class="best" data-best' : ''}><td data-sort="${mark ? 0 : 1}">${mark ? '★' : ''}</td>${cells.join('')}</tr>`;
    })
    .join('\n');
  const bestText = best
    ? `Best by ${escapeHtml(objective)} (${input.minimize ? 'minimised' : 'maximised'}): ${params.map((p) => `<b>${escapeHtml(p)}</b> = ${escapeHtml(display(best[p]))}`).join(', ')}${bestMean === null ? '' : ` · mean ${escapeHtml(objective)} = ${escapeHtml(display(bestMean))} over ${bestRows.length} run${bestRows.length === 1 ? '' : 's'}`}`
    : 'No configuration qualified as best.';
  const oos = shown.some((c) => OOS_PREFIXES.some((p) => c.startsWith(p)));
  const head = [
    `<style>table.sweep th { cursor: pointer; user-select: none; } table.sweep th[data-dir="asc"]::after { content: " ▲"; } table.sweep th[data-dir="desc"]::after { content: " ▼"; } table.sweep tr.best td { background: #fff6d6; font-weight: 600; } .panel-pick { margin: 0 0 12px; font-size: 14px; } .panel-pick select { font: inherit; padding: 3px 6px; }</style>`,
    `<h1>${escapeHtml(input.title ?? 'Parameter sweep')}</h1>`,
    `<p class="sub">spreadlab sweep · ${rows.length} runs · ${escapeHtml(axes[0])} × ${escapeHtml(axes[1])}${otherParams.length > 0 ? ` · also swept: ${otherParams.map(escapeHtml).join(', ')}` : ''}</p>`,
    `<div class="card verdict ${best ? 'good' : 'unsure'}" data-best-summary>${bestText}</div>`,
    `<div class="panel-pick"><label for="panel-select">Heatmap: </label><select id="panel-select">${panels.map((p) => `<option value="${p.id}">${escapeHtml(p.label)}</option>`).join('')}</select></div>`,
  ].join('\n');
  const tail = `<h2>All runs${oos ? ' (with in-sample and out-of-sample figures)' : ''}</h2><p class="sub">Click a column header to sort.</p>
<div class="card" style="overflow-x:auto"><table class="figures sweep" id="sweep-table"><thead>${header}</thead><tbody>
${body}
</tbody></table></div>`;
  return renderPage({ title: `spreadlab sweep: ${input.title ?? objective}`, head, charts, tail, script: TABLE_SCRIPT });
}
