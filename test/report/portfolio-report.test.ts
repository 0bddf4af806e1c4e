import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRun } from '../../src/report/load-run.ts';
import { portfolioSummarySchema } from '../../src/report/portfolio-files.ts';
import { renderReport, renderRunComparison } from '../../src/report/run-report.ts';
import { chartStates, checkComparisonPage, expectShown, launch, openPage, shownFigures, spreadlab, valueAt } from './helpers.ts';

/**
 * The run folder and report of a run over several markets: the recorded spot + perpetual scenario, two
 * minutes of it, and the synthetic demo with a funding payment, written by `spreadlab backtest`.
 */
const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-portfolio-'));
const recorded = join(tmp, 'recorded');
const synthetic = join(tmp, 'synthetic');
const single = join(tmp, 'single');
let context: BrowserContext;
let profile: string;
let printed = '';
/** What `backtest` printed for the synthetic run, whose funding.csv is written only because it booked a payment. */
let printedSynthetic = '';

beforeAll(async () => {
  const a = spreadlab('backtest', 'scenarios/btcusdt-spot-perp-hedge.json', '--set', 'window.to=120s', '--out', recorded);
  expect(a.stderr).toBe('');
  expect(a.status).toBe(0);
  printed = a.stdout;
  for (const [scenario, out, extra] of [
    ['scenarios/spot-perp-demo.json', synthetic, ['--set', 'durationSeconds=1200']],
    ['scenarios/btcusdt-spot-replay.json', single, ['--set', 'window.to=120s']],
  ] as const) {
    const run = spreadlab('backtest', scenario, ...extra, '--out', out);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    if (out === synthetic) printedSynthetic = run.stdout;
  }
  ({ context, dir: profile } = await launch());
}, 180_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

const csv = (file: string): Record<string, string>[] => parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];

describe('a run folder over several markets', () => {
  it('lists the files it wrote, the optional ones only when written, in the order written', () => {
    const listed = /wrote .*synthetic\/ \((.*)\)/.exec(printedSynthetic)?.[1].split(', ');
    expect(listed).toEqual([
      'summary.json',
      'fills.csv',
      'timeseries.csv',
      'run.json',
      'orders.csv',
      'portfolio.csv',
      'funding.csv',
      'report.html',
    ]);
    expect([...listed!].sort()).toEqual(
      readdirSync(synthetic)
        .filter((f) => f !== '.spreadlab')
        .sort(),
    );
  });

  it('prints the portfolio and each market, and the quoted market’s verdict', () => {
    expect(printed).toMatch(/^portfolio PnL total +-?\d/m);
    expect(printed).toMatch(/^by role +quoting .* \+ hedge cost .* \+ residual delta .* \+ basis .* \+ funding 0$/m);
    expect(printed).toMatch(/^spot \(quoted\) +\d+ fills/m);
    expect(printed).toMatch(/^perp +\d+ fills/m);
    expect(printed).toMatch(/^spot \(quoted\): verdict: /m);
    expect(printed).toMatch(
      /wrote .*recorded\/ \(summary\.json, fills\.csv, timeseries\.csv, run\.json, orders\.csv, portfolio\.csv, report\.html\)/,
    );
  });

  it('holds the contract: a market column, the portfolio summary, portfolio.csv; funding.csv only with a payment', () => {
    const summary = portfolioSummarySchema.parse(JSON.parse(readFileSync(join(recorded, 'summary.json'), 'utf8')));
    expect(Object.keys(summary.markets)).toEqual(['spot', 'perp']);
    const fills = csv(join(recorded, 'fills.csv'));
    const orders = csv(join(recorded, 'orders.csv'));
    const samples = csv(join(recorded, 'timeseries.csv'));
    expect(Object.keys(fills[0])[0]).toBe('market');
    for (const id of ['spot', 'perp']) {
      expect(fills.filter((f) => f.market === id).length, id).toBe(summary.markets[id].fills.count);
      expect(orders.filter((o) => o.market === id).length, id).toBe(summary.markets[id].orders.sent);
    }
    // fills in the order they happened, across markets
    const times = fills.map((f) => Number(f.exch_ts_us));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    const portfolio = csv(join(recorded, 'portfolio.csv'));
    expect(samples.length).toBe(2 * portfolio.length);
    expect(Number(portfolio.at(-1)!.pnl_total)).toBe(summary.pnl.total);
    expect(Number(portfolio.at(-1)!.net_delta)).toBe(summary.netDelta.final);
    expect(existsSync(join(recorded, 'funding.csv'))).toBe(false);
    const funding = csv(join(synthetic, 'funding.csv'));
    expect(funding.map((f) => [f.time, f.market, f.rate])).toEqual([['2024-01-01T08:00:00.000000Z', 'perp', '0.0001']]);
    const syntheticSummary = JSON.parse(readFileSync(join(synthetic, 'summary.json'), 'utf8'));
    expect(Number(funding[0].payment)).toBe(syntheticSummary.pnl.funding);
    expect(Number(funding[0].payment)).toBeCloseTo(-Number(funding[0].position) * Number(funding[0].mark_price) * 0.0001, 12);
  });

  it('reads back into per-market views, and re-renders its report byte for byte', () => {
    const run = loadRun(recorded);
    expect(run.portfolio?.markets.map((m) => m.id)).toEqual(['spot', 'perp']);
    expect(run.fills.length).toBe(run.portfolio!.summary.markets.spot.fills.count);
    expect(run.portfolio!.markets[1].run.fills.every((f) => f.liquidity === 'taker')).toBe(true);
    expect(renderReport(run)).toBe(readFileSync(join(recorded, 'report.html'), 'utf8'));
  });

  it('compares with another run by the portfolio’s PnL', () => {
    const html = renderRunComparison([loadRun(recorded), loadRun(single)]);
    const total = JSON.parse(readFileSync(join(recorded, 'summary.json'), 'utf8')).pnl.total;
    expect(html).toContain(`data-key="pnl.total" data-value="${total}" data-run="0"`);
  });
});

describe('the portfolio report in chromium', () => {
  it('draws every chart without errors; figures equal summary.json', async () => {
    for (const dir of [recorded, synthetic]) {
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      const { page, problems, blocked } = await openPage(context, join(dir, 'report.html'));
      expect(problems).toEqual([]);
      expect(blocked).toEqual([]);
      const charts = await chartStates(page);
      const ids = charts.map((c) => c.id);
      expect(ids.slice(0, 3)).toEqual(['attribution', 'pnl-by-market', 'net-delta']);
      expect(ids).toContain('quotes-0');
      expect(ids).toContain('quotes-1');
      expect(ids.includes('funding')).toBe(dir === synthetic);
      for (const chart of charts) {
        expect(chart, `${dir} ${chart.id}`).toMatchObject({ rendered: true, error: null });
        expect(chart.marks, `${dir} ${chart.id}`).toBeGreaterThan(1);
      }
      const figures = await shownFigures(page);
      for (const key of [
        'pnl.total',
        'attribution.hedgeCost',
        'attribution.basis',
        'netDelta.meanAbs',
        'markets.spot.pnl.total',
        'markets.perp.pnl.fees',
      ]) {
        expect(
          figures.map((f) => f.key),
          key,
        ).toContain(key);
      }
      for (const f of figures.filter((x) => x.key !== 'scenarioSha256')) {
        expect(f.value, f.key).toBe(String(valueAt(summary, f.key) ?? 'null'));
        expectShown(f.text, valueAt(summary, f.key), f.scale, f.key);
      }
      await page.close();
    }
  }, 120_000);
});

describe('the comparison page of a several-market run and a one-market run, in chromium', () => {
  it('`spreadlab report` draws both overlays; the portfolio run shows its PnL and risk and its quoted market’s figures', async () => {
    const out = join(tmp, 'cmp.html');
    const made = spreadlab('report', recorded, single, '--out', out);
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
    const portfolio = JSON.parse(readFileSync(join(recorded, 'summary.json'), 'utf8'));
    const summaries = [
      { ...portfolio.markets[portfolio.quotedMarket], pnl: portfolio.pnl, risk: portfolio.risk },
      JSON.parse(readFileSync(join(single, 'summary.json'), 'utf8')),
    ];
    const page = await checkComparisonPage(context, out, summaries);
    expect(await page.locator('[data-key="pnl.total"][data-run="0"]').first().getAttribute('data-value')).toBe(String(portfolio.pnl.total));
    await page.close();
  }, 60_000);
});
