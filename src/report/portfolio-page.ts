import { strategyLabel } from '../strategy/resolve.ts';
import { judgeRun, verdict } from '../analytics/verdict.ts';
import type { PortfolioSummary } from '../analytics/portfolio.ts';
import { detailFigures, escapeHtml, figureSpan, formatFigure, scenarioCardOf, type FigureFormat, type PageParts } from './html.ts';
import type { LoadedPortfolio, LoadedRun } from './load-run.ts';
import { portfolioCharts } from './portfolio-specs.ts';

/**
 * The report of a run over several markets (report.html): the portfolio's headline figures, PnL by market and
 * by part, the hedge and net delta figures, the quoted market's verdict, the portfolio charts and each
 * market's panels (portfolio-specs.ts), every market's figures and the scenario. As the one-market page
 * (html.ts): self-contained, a pure function of the run folder's files, every figure carrying its
 * summary.json path (data-key, e.g. `attribution.hedgeCost`, `markets.spot.pnl.total`) and exact value.
 */
const PNL_PARTS: [key: string, label: string][] = [
  ['spreadCapture', 'spread capture'],
  ['inventory', 'inventory'],
  ['fees', 'fees'],
  ['rebates', 'rebates'],
  ['funding', 'funding'],
  ['total', 'total'],
];

function headline(summary: PortfolioSummary): string {
  const cell = (label: string, key: string, format: FigureFormat, note: string, sign = false): [string, string] => [
    label,
    `${figureSpan(summary, key, format, { sign })}<small>${note}</small>`,
  ];
  const cells: [string, string][] = [
    cell('Portfolio PnL', 'pnl.total', 'money', 'quote currency', true),
    cell('Hedge cost', 'attribution.hedgeCost', 'money', 'hedge fills vs their mid, fees in', true),
    cell('Residual delta PnL', 'attribution.residualDelta', 'money', 'unhedged delta × quoted mid', true),
    cell('Basis PnL', 'attribution.basis', 'money', 'hedge legs vs the quoted mid', true),
    cell('Net delta', 'netDelta.meanAbs', 'size', `mean |Δ|, base units · final ${figureSpan(summary, 'netDelta.final', 'size')}`),
    cell('Hedge slippage', 'hedge.slippageBps.mean', 'bps', `vs quoted mid · n=${figureSpan(summary, 'hedge.fills', 'count')}`),
  ];
  return `<table class="headline"><thead><tr>${cells.map(([l]) => `<th>${escapeHtml(l)}</th>`).join('')}</tr></thead><tbody><tr>${cells.map(([, v]) => `<td>${v}</td>`).join('')}</tr></tbody></table>`;
}

/** PnL by market (rows) and by part (columns), the portfolio last; then the attribution. */
function pnlTable(summary: PortfolioSummary, ids: string[]): string {
  const header = `<tr><th>market</th>${PNL_PARTS.map(([, label]) => `<th>${label}</th>`).join('')}</tr>`;
  const row = (label: string, prefix: string) =>
    `<tr><td class="label">${escapeHtml(label)}</td>${PNL_PARTS.map(([key]) => `<td>${figureSpan(summary, `${prefix}pnl.${key}`, 'money', { sign: key === 'total' })}</td>`).join('')}</tr>`;
  const attribution: [string, string][] = [
    ['quoting', 'quoting'],
    ['hedgeCost', 'hedge cost'],
    ['residualDelta', 'residual delta'],
    ['basis', 'basis'],
    ['funding', 'funding'],
  ];
  return `<div class="card"><h2 style="margin-top:0">PnL by market and by part</h2><table class="figures"><thead>${header}</thead><tbody>${ids
    .map((id) => row(id, `markets.${id}.`))
    .join('')}${row('portfolio', '')}</tbody></table>
<p class="sub" style="margin-top:10px">The same total by role: ${attribution
    .map(([key, label]) => `${label} ${figureSpan(summary, `attribution.${key}`, 'money', { sign: true })}`)
    .join(' + ')} = ${figureSpan(summary, 'pnl.total', 'money', { sign: true })}</p></div>`;
}

function marketFigures(summary: PortfolioSummary, id: string): string {
  const market = summary.markets[id];
  const rows = detailFigures(market).map(
    (f) => `<tr><td class="label">${escapeHtml(f.label)}</td><td>${figureSpan(summary, `markets.${id}.${f.key}`, f.format)}</td></tr>`,
  );
  return `<div class="card"><h2 style="margin-top:0">${escapeHtml(id)}</h2><table class="figures"><tbody>${rows.join('')}</tbody></table></div>`;
}

function scenarioCard(run: LoadedRun): string {
  const { record } = run;
  const markets = (record.scenario.markets ?? []) as Record<string, unknown>[];
  return scenarioCardOf(record, [
    ...markets.map((m): [string, string] => [
      `market ${escapeHtml(String(m.id ?? m.symbol))}`,
      escapeHtml(
        `${String(m.symbol)} on ${String(m.venue)} · ${String(m.kind)} · tick ${String(m.tickSize)} · lot ${String(m.lotSize)} · maker ${String(m.makerFeeBps)} bps · taker ${String(m.takerFeeBps)} bps`,
      ),
    ]),
    ['strategy', escapeHtml(record.scenario.strategy ? strategyLabel(record.scenario.strategy) : '')],
  ]);
}

/** The parts of report.html of a run over several markets. */
export function portfolioReportParts(run: LoadedRun, portfolio: LoadedPortfolio): PageParts {
  const { summary } = portfolio;
  const ids = portfolio.markets.map((m) => m.id);
  const quoted = summary.markets[summary.quotedMarket];
  const t = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, '');
  const strategy = run.record.scenario.strategy;
  const head = [
    `<h1>${escapeHtml(summary.scenario)} <span style="font-weight:400;color:var(--muted)">· seed ${summary.seed}</span></h1>`,
    `<p class="sub">spreadlab portfolio report · ${ids.map(escapeHtml).join(' + ')} · ${escapeHtml(`${t(summary.period.start)} → ${t(summary.period.end)} UTC (${summary.period.seconds} s)`)} · ${formatFigure(summary.events, 'count')} market events${strategy ? ` · ${escapeHtml(strategyLabel(strategy))}` : ''}</p>`,
    `<div class="card verdict ${judgeRun(quoted).tone}" data-verdict><b>${escapeHtml(summary.quotedMarket)}</b> (quoted): ${escapeHtml(verdict(quoted))}</div>`,
    headline(summary),
    pnlTable(summary, ids),
  ].join('\n');
  const tail = `<h2>Each market</h2><div class="cols">${ids.map((id) => marketFigures(summary, id)).join('')}</div><h2>Scenario</h2>${scenarioCard(run)}`;
  return {
    title: `spreadlab report: ${summary.scenario} (seed ${summary.seed})`,
    head,
    charts: portfolioCharts(run, portfolio),
    tail,
  };
}
