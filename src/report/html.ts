import { strategyLabel } from '../strategy/resolve.ts';
import { existsSync, readFileSync } from 'node:fs';
import { fileHeadMatches } from '../core/output.ts';
import { FROM_SOURCES, packageFile } from '../core/package-files.ts';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Summary } from '../analytics/summary.ts';
import { judgeRun, verdict } from '../analytics/verdict.ts';
import type { LoadedRun } from './load-run.ts';
import { runCharts } from './run-charts.ts';
import { CONFIG, compareMarkoutSpec, comparePnlSpec, maxInventoryOf, moneyUnit, type ChartSpec, type Spec } from './specs.ts';

/**
 * One self-contained HTML page per report: vega, vega-lite and vega-embed inlined from node_modules (their
 * minified builds, source-map comments removed), specs and data inlined as JSON with `<` escaped, no
 * http(s) reference, no request of any kind when opened from disk. Output is a pure function of the run
 * folder's files: no wall-clock time, so the same run renders byte-identical HTML.
 *
 * Every figure printed in a header or table carries data-key (its summary.json path), data-value (the
 * exact JSON number, or "null") and, for percentages, data-scale="100", so a test can compare the page
 * with summary.json.
 */

const LIBRARIES: [pkg: string, file: string][] = [
  ['vega', 'vega.min.js'],
  ['vega-lite', 'vega-lite.min.js'],
  ['vega-embed', 'vega-embed.min.js'],
];

/**
 * The libraries' script elements as `npm run build` writes them into dist/report/ (scripts/vega-libraries.mjs),
 * so that the bundle reads one file instead of resolving, reading and escaping three packages; the
 * TypeScript sources compose them.
 */
export const LIBRARY_ASSET = 'vega-libraries.html';

let libraryText: string | undefined;
let libraryBytesRead: Buffer | undefined;

/** The package's folder: walk up from its entry point to the package.json that names it. */
function packageRoot(pkg: string): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve(pkg));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === pkg) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${pkg}`);
    dir = up;
  }
}

/** The three libraries as inline <script> elements, from their packages. */
export function composeLibraryScripts(): string {
  return LIBRARIES.map(([pkg, file]) => {
    const code = readFileSync(join(packageRoot(pkg), 'build', file), 'utf8')
      .replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, '\n')
      .replace(/<\/(script)/gi, '<\\/$1');
    return `<script>/* ${pkg} ${versionOf(pkg)} */\n${code}</script>`;
  }).join('\n');
}

/** The three libraries as inline <script> elements (read once per process): the built asset when running the bundle. */
export function libraryScripts(): string {
  libraryText ??= FROM_SOURCES ? composeLibraryScripts() : libraryBytes().toString('utf8');
  return libraryText;
}

/**
 * libraryScripts() as UTF-8 bytes: the built asset's bytes as read when running the bundle, so that a page
 * written as bytes (pageBytes) never decodes the libraries' 830 KB and encodes them again (their few
 * non-ASCII characters make the decoded text, and every page string joined with it, two bytes a character).
 */
function libraryBytes(): Buffer {
  libraryBytesRead ??= FROM_SOURCES ? Buffer.from(libraryScripts()) : readFileSync(packageFile(`dist/report/${LIBRARY_ASSET}`));
  return libraryBytesRead;
}

function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(join(packageRoot(pkg), 'package.json'), 'utf8')) as { version: string }).version;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * JSON safe inside a <script> element: `<` escaped, as are the JS line separators. Replaced with string
 * patterns, not regular expressions: the three scans of a day's 4.7 MB of chart data take under 1 ms, not ~70 ms.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c').replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
}

const STYLE = `
:root { color-scheme: light; --ink: #1b1b1b; --muted: #5f6368; --line: #e3e3e3; --good: #1e7b45; --bad: #b3261e; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: #f6f7f9; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; font-weight: 650; }
h2 { font-size: 16px; margin: 28px 0 10px; font-weight: 600; }
.sub { color: var(--muted); margin: 0 0 14px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 0 0 14px; }
.verdict { font-size: 15px; font-weight: 550; border-left: 5px solid var(--muted); }
.verdict.good { border-left-color: var(--good); } .verdict.bad { border-left-color: var(--bad); } .verdict.unsure { border-left-color: #d9a21b; }
table { border-collapse: collapse; }
table.headline { width: 100%; table-layout: fixed; background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 0 0 14px; }
table.headline th { text-align: left; font-weight: 500; font-size: 12px; color: var(--muted); padding: 12px 14px 0; }
table.headline td { padding: 2px 14px 12px; font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; vertical-align: top; }
table.headline td small { display: block; font-size: 12px; font-weight: 400; color: var(--muted); }
.pos { color: var(--good); } .neg { color: var(--bad); }
table.figures { width: 100%; font-variant-numeric: tabular-nums; }
table.figures th, table.figures td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
table.figures th:first-child, table.figures td:first-child { text-align: left; }
table.figures thead th { font-weight: 600; background: #fafafa; }
table.figures td.label { color: var(--muted); }
table.figures td.wrap { white-space: normal; overflow-wrap: anywhere; max-width: 360px; }
table.compare td:not(:first-child), table.compare th:not(:first-child) { min-width: 180px; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.cols > .card { margin: 0; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 0; font-size: 13px; }
dl.meta dt { color: var(--muted); } dl.meta dd { margin: 0; overflow-wrap: anywhere; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: #f6f6f6; padding: 10px; border-radius: 6px; overflow: auto; max-height: 360px; }
.charts { display: flex; flex-wrap: wrap; gap: 14px; }
.chart { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px; min-height: 120px; }
.chart.wide { flex: 1 1 100%; } .chart.half { flex: 1 1 calc(50% - 7px); min-width: 0; }
.chart[data-error] { color: var(--bad); }
.vega-embed { width: 100%; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
`;

export interface PageParts {
  title: string;
  /** Page HTML before the charts (header, tables). */
  head: string;
  charts: ChartSpec[];
  /** Page HTML after the charts. */
  tail?: string;
  /** Extra inline script, run after the charts were requested. */
  script?: string;
}

/** A chart container; the bootstrap script embeds the spec with the same id into it. */
export function chartDiv(chart: ChartSpec): string {
  const panel = chart.panel === undefined ? '' : ` data-panel="${escapeHtml(chart.panel)}"`;
  return `<div class="chart ${chart.wide ? 'wide' : 'half'}" id="chart-${escapeHtml(chart.id)}" data-chart="${escapeHtml(chart.id)}"${panel}></div>`;
}

/** Adds the shared config to a spec. */
export function withConfig(spec: Spec): Spec {
  return { ...spec, config: CONFIG };
}

const BOOTSTRAP = `
(function () {
  var specs = JSON.parse(document.getElementById('spreadlab-specs').textContent);
  var jobs = Object.keys(specs).map(function (id) {
    var el = document.getElementById('chart-' + id);
    return vegaEmbed(el, specs[id], { mode: 'vega-lite', renderer: 'svg', actions: false })
      .then(function () { el.setAttribute('data-rendered', 'true'); })
      .catch(function (error) { el.setAttribute('data-error', String(error)); el.textContent = 'This chart could not be drawn: ' + error; console.error(error); });
  });
  Promise.all(jobs).then(function () { document.body.setAttribute('data-charts-done', 'true'); });
})();
`;

/** True for a page renderPage wrote (a report, a comparison, a sweep page): its title starts "spreadlab". */
export function isSpreadlabPage(file: string): boolean {
  return fileHeadMatches(file, (head) => head.startsWith('<!doctype html>') && /<title>spreadlab[ :]/.test(head));
}

/** The whole page. */
export function renderPage(parts: PageParts): string {
  const [before, after] = pageAroundLibraries(parts);
  return before + libraryScripts() + after;
}

/**
 * The whole page as its file's bytes (renderPage's text in UTF-8) in three pieces, written one after the other:
 * the libraries are copied as read, and the pieces are not joined in memory.
 */
export function pageBytes(parts: PageParts): Buffer[] {
  const [before, after] = pageAroundLibraries(parts);
  return [Buffer.from(before), libraryBytes(), Buffer.from(after)];
}

/** The page's text before and after the libraries' script elements. */
function pageAroundLibraries(parts: PageParts): [before: string, after: string] {
  const specs = Object.fromEntries(parts.charts.map((c) => [c.id, withConfig(c.spec)]));
  const before = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(parts.title)}</title>`,
    `<style>${STYLE}</style>`,
    '',
  ];
  const after = [
    '',
    '</head>',
    '<body>',
    '<main>',
    parts.head,
    parts.charts.length > 0 ? `<div class="charts">\n${parts.charts.map(chartDiv).join('\n')}\n</div>` : '',
    parts.tail ?? '',
    `<footer>Generated by spreadlab from saved run outputs. Self-contained: opens offline, loads nothing from the network.</footer>`,
    '</main>',
    `<script type="application/json" id="spreadlab-specs">${jsonForScript(specs)}</script>`,
    `<script>${BOOTSTRAP}</script>`,
    parts.script ? `<script>${parts.script}</script>` : '',
    '</body>',
    '</html>',
    '',
  ];
  return [before.join('\n'), after.join('\n')];
}

// ---------------------------------------------------------------- figures

export type FigureFormat = 'money' | 'bps' | 'count' | 'pct' | 'ratio' | 'size' | 'number';

export interface Figure {
  key: string;
  label: string;
  format: FigureFormat;
  /** Shown multiplied by this (data-scale says so), e.g. a per-interval Sharpe annualised. */
  scale?: number;
}

/** A dotted path into an object ("pnl.total", "realizedSpreadStats.30s.mean"). */
export function valueAt(object: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), object);
}

const MINUS = '\u2212';

/** Fixed decimals with thousands separators and a true minus sign. */
function fixed(x: number, decimals: number): string {
  const [int, frac] = Math.abs(x).toFixed(decimals).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const body = frac === undefined ? grouped : `${grouped}.${frac}`;
  return `${x < 0 && Number(body.replace(/,/g, '')) !== 0 ? MINUS : ''}${body}`;
}

/** Display text of a figure (no unit). Money (and a plain number) keeps 4 significant digits below 100, 2 decimals above. */
export function formatFigure(value: unknown, format: FigureFormat): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'n/a';
  switch (format) {
    case 'money':
    case 'number': {
      const a = Math.abs(value);
      if (a === 0) return '0';
      if (a >= 100) return fixed(value, 2);
      const decimals = Math.min(10, Math.max(0, 3 - Math.floor(Math.log10(a))));
      return fixed(value, decimals);
    }
    case 'bps':
      return fixed(value, 2);
    case 'count':
      return fixed(value, 0);
    case 'pct':
      return fixed(value * 100, 1);
    case 'ratio':
      return fixed(value, 3);
    case 'size':
      return fixed(value, Math.min(8, Math.max(0, decimalsOf(value))));
  }
}

function decimalsOf(x: number): number {
  const s = String(x);
  return s.includes('.') ? s.split('.')[1].length : 0;
}

const UNIT: Record<FigureFormat, string> = { money: '', bps: ' bps', count: '', pct: ' %', ratio: '', size: '', number: '' };

/** A figure as a span carrying its key and exact value (shown multiplied by `scale` when given). */
export function figureSpan(
  summary: unknown,
  key: string,
  format: FigureFormat,
  opts: { unit?: boolean; sign?: boolean; run?: number | string; scale?: number } = {},
): string {
  const value = valueAt(summary, key);
  const text = formatFigure(typeof value === 'number' && opts.scale !== undefined ? value * opts.scale : value, format);
  const cls =
    opts.sign && typeof value === 'number' && text !== 'n/a' ? (value > 0 ? ' class="pos"' : value < 0 ? ' class="neg"' : '') : '';
  const scale = opts.scale !== undefined ? ` data-scale="${opts.scale}"` : format === 'pct' ? ' data-scale="100"' : '';
  const run = opts.run === undefined ? '' : ` data-run="${opts.run}"`;
  const json = typeof value === 'number' ? String(value) : 'null';
  const unit = opts.unit !== false && text !== 'n/a' ? UNIT[format] : '';
  return `<span data-key="${escapeHtml(key)}" data-value="${json}"${scale}${run}${cls}>${text}</span>${unit}`;
}

/** Secondary figures shown in the run report's table and the comparison table. */
export function detailFigures(summary: Summary): Figure[] {
  const h = summary.mainHorizon;
  const horizons = Object.keys(summary.realizedSpreadStats);
  return [
    { key: 'pnl.total', label: 'PnL total', format: 'money' },
    { key: 'pnl.spreadCapture', label: 'spread capture', format: 'money' },
    { key: 'pnl.inventory', label: 'inventory PnL', format: 'money' },
    { key: 'pnl.fees', label: 'fees', format: 'money' },
    { key: 'pnl.rebates', label: 'rebates', format: 'money' },
    { key: 'effectiveSpreadBps', label: 'effective half-spread', format: 'bps' },
    ...horizons.map((x): Figure => ({ key: `realizedSpreadBps.${x}`, label: `realized spread ${x}`, format: 'bps' })),
    { key: `adverseSelectionBps.${h}`, label: `adverse selection ${h}`, format: 'bps' },
    { key: 'fills.count', label: 'fills', format: 'count' },
    { key: 'fills.buys', label: 'buys', format: 'count' },
    { key: 'fills.sells', label: 'sells', format: 'count' },
    { key: 'fills.makerVolume', label: 'maker volume', format: 'size' },
    { key: 'fills.takerVolume', label: 'taker volume', format: 'size' },
    { key: 'fills.fillRatePerQuote', label: 'fills per order', format: 'ratio' },
    { key: 'orders.sent', label: 'orders sent', format: 'count' },
    { key: 'orders.rejected', label: 'orders rejected', format: 'count' },
    { key: 'orders.cancelled', label: 'orders cancelled', format: 'count' },
    { key: 'quotes.twoSidedUptime', label: 'two-sided uptime', format: 'pct' },
    { key: 'quotedSpread.meanBps', label: 'mean quoted spread', format: 'bps' },
    { key: 'inventory.final', label: 'inventory final', format: 'size' },
    { key: 'inventory.max', label: 'inventory max |q|', format: 'size' },
    { key: 'inventory.meanAbs', label: 'inventory mean |q|', format: 'money' },
    { key: 'inventory.timeAtLimit', label: 'time at inventory limit', format: 'pct' },
    {
      key: 'risk.sharpe',
      label: `Sharpe per ${summary.risk.intervalSeconds} s (mean/sd of ${summary.risk.intervalSeconds}-s PnL)`,
      format: 'ratio',
    },
    {
      key: 'risk.sharpe',
      label: `Sharpe annualised (× √${formatFigure(intervalsPerYear(summary), 'count')}, a 24/7 year)`,
      format: 'number',
      scale: Math.sqrt(intervalsPerYear(summary)),
    },
    { key: 'risk.pnlVolatility', label: `PnL volatility (sd per ${summary.risk.intervalSeconds} s)`, format: 'money' },
    { key: 'risk.worstInterval', label: `worst ${summary.risk.intervalSeconds} s`, format: 'money' },
    { key: 'risk.maxDrawdown', label: 'max drawdown', format: 'money' },
  ];
}

const SECONDS_PER_YEAR = 365 * 86_400;

/** Risk intervals in a year of trading around the clock (crypto markets never close). */
function intervalsPerYear(summary: Summary): number {
  return SECONDS_PER_YEAR / summary.risk.intervalSeconds;
}

/**
 * The per-interval Sharpe ratio's 95 % interval: SR ± z·√((1 + SR²/2)/n) over the run's n intervals (Lo
 * 2002, for independent intervals), or null without a Sharpe.
 */
export function sharpeInterval(summary: Summary): { n: number; lo: number; hi: number } | null {
  const sr = summary.risk.sharpe;
  if (sr === null) return null;
  const n = Math.ceil(summary.period.seconds / summary.risk.intervalSeconds);
  const half = 1.959963984540054 * Math.sqrt((1 + (sr * sr) / 2) / n);
  return { n, lo: sr - half, hi: sr + half };
}

function verdictClass(summary: Summary): string {
  return judgeRun(summary).tone;
}

/**
 * The headline table: total PnL, realized spread at the main horizon with its interval, fills, uptime, Sharpe
 * (per risk interval, with its interval and the annualised figure it scales to), drawdown. Money is in
 * `currency`.
 */
export function headlineTable(summary: Summary, currency: string): string {
  const h = summary.mainHorizon;
  const interval = summary.risk.intervalSeconds;
  const sharpe = sharpeInterval(summary);
  const sharpeNote = sharpe
    ? `95% CI ${formatFigure(sharpe.lo, 'ratio')} to ${formatFigure(sharpe.hi, 'ratio')} over ${sharpe.n} intervals · annualised ${figureSpan(summary, 'risk.sharpe', 'number', { scale: Math.sqrt(intervalsPerYear(summary)) })} (× √${formatFigure(intervalsPerYear(summary), 'count')}, 24/7; not a forecast)`
    : 'needs two intervals or more';
  const stat = `realizedSpreadStats.${h}`;
  const cells: [string, string][] = [
    ['Total PnL', `${figureSpan(summary, 'pnl.total', 'money', { sign: true })}<small>${escapeHtml(currency)}</small>`],
    [
      `Realized spread ${h}`,
      `${figureSpan(summary, `${stat}.mean`, 'bps', { sign: true })}<small>95% CI ${figureSpan(summary, `${stat}.ci95Low`, 'bps', { unit: false })} to ${figureSpan(summary, `${stat}.ci95High`, 'bps', { unit: false })} bps · n=${figureSpan(summary, `${stat}.count`, 'count')}</small>`,
    ],
    [
      'Fills',
      `${figureSpan(summary, 'fills.count', 'count')}<small>${figureSpan(summary, 'fills.buys', 'count')} buys · ${figureSpan(summary, 'fills.sells', 'count')} sells</small>`,
    ],
    ['Two-sided uptime', `${figureSpan(summary, 'quotes.twoSidedUptime', 'pct')}<small>both quotes resting</small>`],
    [`Sharpe per ${interval} s`, `${figureSpan(summary, 'risk.sharpe', 'ratio')}<small>${sharpeNote}</small>`],
    ['Max drawdown', `${figureSpan(summary, 'risk.maxDrawdown', 'money')}<small>${escapeHtml(currency)}</small>`],
  ];
  return `<table class="headline"><thead><tr>${cells.map(([l]) => `<th>${escapeHtml(l)}</th>`).join('')}</tr></thead><tbody><tr>${cells.map(([, v]) => `<td>${v}</td>`).join('')}</tr></tbody></table>`;
}

function period(summary: Summary): string {
  const t = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, '');
  return `${t(summary.period.start)} → ${t(summary.period.end)} UTC (${summary.period.seconds} s)`;
}

function scenarioCard(run: LoadedRun): string {
  const { record } = run;
  const scenario = record.scenario as Record<string, unknown>;
  const strategy = scenario.strategy as Record<string, unknown> | undefined;
  const market = scenario.market as Record<string, unknown> | undefined;
  const data = scenario.data as Record<string, unknown> | undefined;
  const params = strategy
    ? Object.entries(strategy)
        .filter(([k]) => k !== 'name' && k !== 'module')
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')
    : '';
  return scenarioCardOf(record, [
    [
      'market',
      escapeHtml(
        market
          ? `${String(market.symbol)} · tick ${String(market.tickSize)} · lot ${String(market.lotSize)} · maker ${String(market.makerFeeBps)} bps · taker ${String(market.takerFeeBps)} bps`
          : '',
      ),
    ],
    ['strategy', escapeHtml(strategy ? `${strategyLabel(strategy)} (${params})` : '')],
    ['data', escapeHtml(data ? `${String(data.kind)}${data.model ? ` / ${String(data.model)}` : ''}` : '')],
  ]);
}

/**
 * The scenario card of a run page: name, seed and SHA-256, then `rows` (market, strategy, data), then the
 * overrides, data files and spreadlab version, and the scenario as run.
 */
export function scenarioCardOf(record: LoadedRun['record'], rows: [string, string][]): string {
  const all: [string, string][] = [
    ['scenario', `${escapeHtml(record.scenario.name)} · seed ${record.seed}`],
    ['scenario SHA-256', `<code data-key="scenarioSha256">${escapeHtml(record.scenarioSha256)}</code>`],
    ...rows,
    ['overrides', record.overrides.length > 0 ? record.overrides.map((o) => `<code>${escapeHtml(o)}</code>`).join(' ') : 'none'],
    [
      'data files',
      record.dataFiles.length > 0
        ? record.dataFiles.map((f) => `<code>${escapeHtml(f.path)}</code> <code>sha256 ${escapeHtml(f.sha256)}</code>`).join('<br>')
        : 'none (synthetic)',
    ],
    ['spreadlab', escapeHtml(record.spreadlab)],
  ];
  return `<div class="card"><h2 style="margin-top:0">Scenario</h2><dl class="meta">${all.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
<details><summary>scenario as run (run.json)</summary><pre>${escapeHtml(JSON.stringify(record.scenario, null, 2))}</pre></details></div>`;
}

function figuresTable(summary: Summary): string {
  const rows = detailFigures(summary).map(
    (f) => `<tr><td class="label">${escapeHtml(f.label)}</td><td>${figureSpan(summary, f.key, f.format, { scale: f.scale })}</td></tr>`,
  );
  return `<div class="card"><h2 style="margin-top:0">All figures</h2><table class="figures"><tbody>${rows.join('')}</tbody></table></div>`;
}

/** The parts of the run report (report.html) of one run folder. */
export function runReportParts(run: LoadedRun): PageParts {
  const { summary } = run;
  const strategy = run.record.scenario.strategy;
  const limit = maxInventoryOf(run);
  const head = [
    `<h1>${escapeHtml(summary.scenario)} <span style="font-weight:400;color:var(--muted)">· seed ${summary.seed}</span></h1>`,
    `<p class="sub">spreadlab run report · ${escapeHtml(period(summary))} · ${formatFigure(summary.events, 'count')} market events${strategy ? ` · ${escapeHtml(strategyLabel(strategy))}` : ''}${limit !== null ? ` · max inventory ${limit}` : ''}</p>`,
    `<div class="card verdict ${verdictClass(summary)}" data-verdict>${escapeHtml(verdict(summary))}</div>`,
    headlineTable(summary, moneyUnit(run)),
  ].join('\n');
  const tail = `<h2>Details</h2><div class="cols">${figuresTable(summary)}${scenarioCard(run)}</div>`;
  return { title: `spreadlab report: ${summary.scenario} (seed ${summary.seed})`, head, charts: runCharts(run), tail };
}

/** Labels for runs: folder names, made unique with a position prefix when two coincide. */
export function runLabels(runs: LoadedRun[]): string[] {
  const names = runs.map((r) => r.label);
  return names.map((n, i) => (names.filter((m) => m === n).length > 1 ? `${i + 1}: ${n}` : n));
}

/** The comparison page: a figures table with one column per run, overlaid PnL and markout curves. */
export function renderComparison(runs: LoadedRun[]): string {
  const labels = runLabels(runs);
  const h = runs[0].summary.mainHorizon;
  const headline = new Set([
    'pnl.total',
    `realizedSpreadBps.${h}`,
    `adverseSelectionBps.${h}`,
    'fills.count',
    'quotes.twoSidedUptime',
    'risk.sharpe',
    'risk.maxDrawdown',
  ]);
  const figures = detailFigures(runs[0].summary);
  const header = `<tr><th>figure</th>${labels.map((l, i) => `<th data-run="${i}">${escapeHtml(l)}</th>`).join('')}</tr>`;
  const meta = (label: string, cell: (run: LoadedRun, i: number) => string, cls = '') =>
    `<tr><td class="label">${label}</td>${runs.map((run, i) => `<td${cls}>${cell(run, i)}</td>`).join('')}</tr>`;
  const strategyText = (run: LoadedRun) =>
    run.record.scenario.strategy
      ? Object.entries(run.record.scenario.strategy)
          .map(([k, v]) => (k === 'name' ? String(v) : `${k}=${JSON.stringify(v)}`))
          .join(' · ')
      : '';
  const figureRow = (f: Figure) =>
    meta(escapeHtml(f.label), (run, i) =>
      figureSpan(run.summary, f.key, f.format, { run: i, sign: f.key === 'pnl.total', scale: f.scale }),
    );
  const table = (rows: string[]) =>
    `<div class="card" style="overflow-x:auto"><table class="figures compare"><thead>${header}</thead><tbody>${rows.join('')}</tbody></table></div>`;
  const headRows = [
    meta('scenario', (run) => escapeHtml(`${run.summary.scenario} · seed ${run.summary.seed}`)),
    meta('strategy', (run) => escapeHtml(strategyText(run)), ' class="wrap"'),
    meta('overrides', (run) => escapeHtml(run.record.overrides.join(' ') || 'none'), ' class="wrap"'),
    ...figures.filter((f) => headline.has(f.key)).map(figureRow),
  ];
  const allRows = [
    meta(
      'scenario SHA-256',
      (run) => `<code title="${escapeHtml(run.record.scenarioSha256)}">${escapeHtml(run.record.scenarioSha256.slice(0, 16))}…</code>`,
    ),
    meta('period', (run) => escapeHtml(period(run.summary)), ' class="wrap"'),
    ...figures.map(figureRow),
  ];
  const verdicts = runs.map(
    (run, i) =>
      `<div class="card verdict ${verdictClass(run.summary)}" data-verdict data-run="${i}"><b>${escapeHtml(labels[i])}</b>: ${escapeHtml(verdict(run.summary))}</div>`,
  );
  const head = [
    `<h1>Comparison of ${runs.length} runs</h1>`,
    `<p class="sub">spreadlab comparison · ${labels.map(escapeHtml).join(' · ')}</p>`,
    ...verdicts,
    table(headRows),
  ].join('\n');
  const tail = `<h2>All figures</h2>${table(allRows)}`;
  const charts: ChartSpec[] = [
    { id: 'compare-pnl', spec: comparePnlSpec(runs, labels), wide: true },
    { id: 'compare-markouts', spec: compareMarkoutSpec(runs, labels), wide: true },
  ];
  return renderPage({ title: `spreadlab comparison: ${labels.join(' vs ')}`, head, charts, tail });
}
