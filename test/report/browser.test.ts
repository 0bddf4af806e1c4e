import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../src/live/reconcile.ts';
import { FakeFeed, stopWhen } from '../live/fake-feed.ts';
import { paperRun } from '../live/paper-run.ts';
import {
  chartStates,
  checkComparisonPage,
  expectShown,
  launch,
  openPage,
  RUN_CHART_IDS,
  shortBacktest,
  shownFigures,
  spreadlab,
  valueAt,
} from './helpers.ts';

/**
 * The reports in a real browser: Debian chromium, headless, a fresh profile, opened from file:// with every
 * non-file request blocked. Screenshots are saved in the temp folder; set SPREADLAB_KEEP_SCREENSHOTS=1 to
 * keep them (their paths are printed) and look at them.
 */
const keep = process.env.SPREADLAB_KEEP_SCREENSHOTS === '1';
const csv = (file: string): Record<string, string>[] => parse(readFileSync(file, 'utf8'), { columns: true });
const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-browser-'));
let context: BrowserContext;
let profile: string;

beforeAll(async () => {
  ({ context, dir: profile } = await launch());
});
afterAll(async () => {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
  if (keep) console.log(`screenshots kept in ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
});

describe('run report in chromium', () => {
  const run = join(tmp, 'run');
  beforeAll(() => shortBacktest(run));

  it('renders every chart with marks, offline, without console errors; header figures equal summary.json', async () => {
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    const record = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    const fillCount = readFileSync(join(run, 'fills.csv'), 'utf8').trimEnd().split('\n').length - 1;
    const { page, problems, blocked } = await openPage(context, join(run, 'report.html'));
    expect(problems).toEqual([]);
    expect(blocked).toEqual([]);

    const charts = await chartStates(page);
    expect(charts.map((c) => c.id)).toEqual(RUN_CHART_IDS);
    for (const chart of charts) {
      expect(chart, chart.id!).toMatchObject({ rendered: true, error: null });
      expect(chart.svgs, chart.id!).toBeGreaterThan(0);
      expect(chart.marks, chart.id!).toBeGreaterThan(2);
    }
    // one marker per fill (the run is short: no downsampling)
    expect(charts.find((c) => c.id === 'quotes')!.symbols).toBe(fillCount);
    // money in the market's quote currency (SYN-USD)
    expect(await page.textContent('table.headline')).toContain('USD');
    expect(await page.textContent('table.headline')).not.toContain('quote currency');

    const figures = await shownFigures(page);
    const keys = figures.map((f) => f.key);
    for (const key of [
      'pnl.total',
      'realizedSpreadStats.30s.mean',
      'realizedSpreadStats.30s.ci95Low',
      'realizedSpreadStats.30s.ci95High',
      'fills.count',
      'quotes.twoSidedUptime',
      'risk.sharpe',
      'risk.maxDrawdown',
      'scenarioSha256',
    ]) {
      expect(keys, key).toContain(key);
    }
    for (const f of figures) {
      if (f.key === 'scenarioSha256') {
        expect(f.text).toBe(record.scenarioSha256);
        continue;
      }
      const expected = valueAt(summary, f.key);
      expect(f.value, f.key).toBe(expected === null ? 'null' : String(expected));
      expectShown(f.text, expected, f.scale, f.key);
    }
    const net = summary.netRealizedSpreadStats['30s'].mean;
    expect(await page.textContent('[data-verdict]')).toContain(
      `realized spread at 30s net of fees ${net >= 0 ? '+' : ''}${net.toFixed(2)} bps`,
    );

    // times are UTC whatever the browser's zone (Asia/Tokyo here): the run starts at 07:30:00 UTC (16:30 in Tokyo)
    const axisLabels = await page.$$eval('#chart-pnl svg .role-axis-label text', (els) => els.map((e) => e.textContent));
    expect(axisLabels).toContain('07:30:00');
    expect(axisLabels).not.toContain('16:30:00');

    // a tooltip appears on hover
    const box = (await page.locator('#chart-pnl svg').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('#vg-tooltip-element.visible', { timeout: 5000 });
    expect(await page.textContent('#vg-tooltip-element')).toContain('time (UTC)');

    await page.screenshot({ path: join(tmp, 'report.png'), fullPage: true });
    await page.close();
  });

  it('the market maker charts show the figures of fills.csv, orders.csv and timeseries.csv', async () => {
    const fills = csv(join(run, 'fills.csv'));
    const orders = csv(join(run, 'orders.csv'));
    const series = csv(join(run, 'timeseries.csv'));
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    const num = (x: string) => (x === 'NA' ? null : Number(x));
    const { page, problems } = await openPage(context, join(run, 'report.html'));
    expect(problems).toEqual([]);
    const specs = JSON.parse((await page.textContent('#spreadlab-specs'))!);

    // quotes: our bid line breaks where timeseries.csv has no bid (one path piece per run of bids)
    const runsOf = (column: string) => series.filter((r, i) => r[column] !== 'NA' && (i === 0 || series[i - 1][column] === 'NA')).length;
    const pieces = await page.$$eval('#chart-quotes svg g.mark-line.role-mark path', (paths) =>
      paths.map((p) => (p.getAttribute('d') ?? '').split('M').length - 1),
    );
    // three lines: mid (one piece), bid, ask
    expect(pieces).toHaveLength(3);
    expect(pieces.slice(1).sort()).toEqual([runsOf('bid'), runsOf('ask')].sort());
    expect(runsOf('bid')).toBeGreaterThan(1); // the demo's quotes do have gaps

    // drawdown: total PnL less its running peak, sample by sample; the deepest is risk.maxDrawdown
    let peak = -Infinity;
    const drawdown = series.map((r) => {
      peak = Math.max(peak, Number(r.pnl_total));
      return [Math.round(Number(r.ts_us) / 1000), Number(r.pnl_total) - peak];
    });
    const shownDrawdown = specs.drawdown.layer[0].data.values.map((v: { t: number; drawdown: number }) => [v.t, v.drawdown]);
    expect(shownDrawdown.length).toBe(drawdown.length);
    shownDrawdown.forEach(([t, d]: number[], i: number) => {
      expect(t).toBe(drawdown[i][0]);
      expect(d).toBeCloseTo(drawdown[i][1], 9);
    });
    expect(-Math.min(...shownDrawdown.map((p: number[]) => p[1]))).toBeCloseTo(summary.risk.maxDrawdown, 9);

    // time at each position: every sample counted in its group
    const groups = specs['inventory-histogram'].layer[0].data.values as { from: number; to: number; samples: number }[];
    expect(groups.reduce((n, g) => n + g.samples, 0)).toBe(series.length);
    for (const g of groups)
      expect(g.samples).toBe(series.filter((r) => Number(r.inventory) >= g.from - 1e-12 && Number(r.inventory) < g.to - 1e-12).length);

    // latency: per order its entry, response and round trip, ms
    const latency = specs.latency.data.values as { measure: string; ms: number }[];
    const timed = orders.filter((o) => o.venue_ts_us !== 'NA' && o.ack_ts_us !== 'NA');
    expect(latency).toHaveLength(3 * timed.length);
    timed.forEach((o, i) => {
      expect(latency[3 * i]).toEqual({ measure: 'entry', ms: (Number(o.venue_ts_us) - Number(o.sent_ts_us)) / 1000 });
      expect(latency[3 * i + 1]).toEqual({ measure: 'response', ms: (Number(o.ack_ts_us) - Number(o.venue_ts_us)) / 1000 });
      expect(latency[3 * i + 2]).toEqual({ measure: 'round trip', ms: (Number(o.ack_ts_us) - Number(o.sent_ts_us)) / 1000 });
    });

    // per-fill markout: one dot per fill with a 30 s markout, its value the file's
    const complete = fills.filter((f) => f.markout_30s_bps !== 'NA');
    expect(specs['markout-scatter'].layer.at(-1).data.values.map((v: { bps: number }) => v.bps)).toEqual(
      complete.map((f) => Number(f.markout_30s_bps)),
    );
    expect((await chartStates(page)).find((c) => c.id === 'markout-scatter')!.symbols).toBe(complete.length);

    // fills and fill probability by distance: counted from orders.csv and fills.csv
    const rows = specs['fill-distance'].data.values as { center: number; orders: number; filledOrders: number; fills: number }[];
    const rested = orders.filter((o) => o.type === 'limit' && o.status !== 'rejected' && o.placed_distance_ticks !== 'NA');
    expect(rows.map((r) => r.center)).toEqual([...new Set(rested.map((o) => Number(o.placed_distance_ticks)))].sort((x, y) => x - y));
    for (const r of rows) {
      const here = rested.filter((o) => Number(o.placed_distance_ticks) === r.center);
      expect(r.orders).toBe(here.length);
      expect(r.filledOrders).toBe(here.filter((o) => Number(o.filled) > 0).length);
      expect(r.fills).toBe(fills.filter((f) => Number(f.placed_distance_ticks) === r.center).length);
    }
    // bars for fills, and a point per distance with 5 or more orders
    expect(await page.locator('#chart-fill-distance svg g.mark-rect.role-mark path').count()).toBe(rows.length);
    expect((await chartStates(page)).find((c) => c.id === 'fill-distance')!.symbols).toBe(rows.filter((r) => r.orders >= 5).length);

    // queue ahead when placed and order age, per fill
    expect(specs.queue.data.values).toEqual(
      fills.map((f) => ({
        queue: num(f.placed_queue_ahead),
        ageSeconds: f.order_age_us === 'NA' ? null : Number(f.order_age_us) / 1e6,
        side: f.side,
      })),
    );
    expect(await page.locator('#chart-queue svg g.mark-rect.role-mark path').count()).toBeGreaterThan(4);

    // the headline's Sharpe: per interval, with the annualised figure it scales to
    const sharpe = await page.$$eval('table.headline [data-key="risk.sharpe"]', (els) => els.map((e) => e.getAttribute('data-scale')));
    expect(sharpe).toEqual([null, String(Math.sqrt((365 * 86_400) / summary.risk.intervalSeconds))]);
    expect(await page.textContent('table.headline')).toContain(`Sharpe per ${summary.risk.intervalSeconds} s`);

    for (const id of ['drawdown', 'inventory-histogram', 'latency', 'markout-scatter', 'fill-distance', 'queue'])
      await page.locator(`#chart-${id}`).screenshot({ path: join(tmp, `chart-${id}.png`) });
    await page.close();
  });

  it('the hour breakdown lists hours in the order the run met them, across midnight', async () => {
    const late = join(tmp, 'midnight');
    const r = spreadlab(
      'backtest',
      'scenarios/demo.json',
      '--set',
      'data.start=2024-01-01T23:50:00Z',
      '--set',
      'durationSeconds=1200',
      '--out',
      late,
      '--quiet',
    );
    expect(r.status).toBe(0);
    const { page, problems } = await openPage(context, join(late, 'report.html'));
    expect(problems).toEqual([]);
    const labels = await page.$$eval('#chart-breakdown svg .role-axis-label text', (els) => els.map((e) => e.textContent));
    expect(labels.filter((l) => l === '23' || l === '00')).toEqual(['23', '00']);
    await page.close();
  });
});

describe('run report of the adaptive strategy in chromium', () => {
  it('charts the series the strategy recorded, a panel each, with the values of strategy-series.csv', async () => {
    const run = join(tmp, 'adaptive');
    const result = spreadlab('backtest', 'scenarios/adaptive-spread-demo.json', '--set', 'durationSeconds=600', '--out', run, '--quiet');
    expect(result.status).toBe(0);
    const rows = parse(readFileSync(join(run, 'strategy-series.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const { page, problems, blocked } = await openPage(context, join(run, 'report.html'));
    expect(problems).toEqual([]);
    expect(blocked).toEqual([]);
    const charts = await chartStates(page);
    expect(charts.map((c) => c.id)).toEqual([...RUN_CHART_IDS.slice(0, 3), 'strategy-series', ...RUN_CHART_IDS.slice(3)]);
    const chart = charts.find((c) => c.id === 'strategy-series')!;
    expect(chart).toMatchObject({ rendered: true, error: null });
    const names = [...new Set(rows.map((r) => r.name))];
    expect(names).toEqual(['spreadBps', 'netRealizedBps']);
    // one step line per series
    expect(await page.locator('#chart-strategy-series svg g.mark-line.role-mark path').count()).toBe(names.length);
    // the chart's data are the file's points (to 8 decimals, plus each series held to the end of the run)
    const specs = JSON.parse((await page.textContent('#spreadlab-specs'))!);
    const values = specs['strategy-series'].data.values as { t: number; name: string; value: number }[];
    for (const name of names) {
      const fromFile = rows
        .filter((r) => r.name === name)
        .map((r) => [Math.round(Number(r.ts_us) / 1000), Number(Number(r.value).toFixed(8))]);
      const shown = values.filter((v) => v.name === name).map((v) => [v.t, v.value]);
      expect(shown.slice(0, -1), name).toEqual(fromFile);
    }
    await page.locator('#chart-strategy-series').screenshot({ path: join(tmp, 'strategy-series.png') });
    await page.close();
  });
});

describe('comparison page in chromium', () => {
  it('renders both overlays; each run column shows its own summary.json figures', async () => {
    const a = join(tmp, 'narrow');
    const b = join(tmp, 'wide');
    shortBacktest(a);
    shortBacktest(b, '--set', 'strategy.spreadBps=20');
    const out = join(tmp, 'cmp.html');
    expect(spreadlab('report', a, b, '--out', out).status).toBe(0);
    const summaries = [a, b].map((d) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')));
    const page = await checkComparisonPage(context, out, summaries);
    await page.screenshot({ path: join(tmp, 'cmp.png'), fullPage: true });
    await page.close();
  });
});

describe('sweep, tune and walk-forward pages in chromium', () => {
  const SHORT = ['--set', 'durationSeconds=120', '--workers', '2'];
  const dirs = {
    oneD: join(tmp, 'sweep-1d'),
    twoD: join(tmp, 'sweep-2d'),
    random: join(tmp, 'sweep-random'),
    tune: join(tmp, 'tune'),
    wf: join(tmp, 'wf'),
  };
  beforeAll(() => {
    const run = (...args: string[]) => expect(spreadlab(...args).status, args.join(' ')).toBe(0);
    run('sweep', 'scenarios/demo.json', '--grid', 'strategy.spreadBps=4:10:2', '--seeds', '2', ...SHORT, '--out', dirs.oneD);
    run(
      'sweep',
      'scenarios/demo.json',
      '--grid',
      'strategy.spreadBps=4,8,16',
      '--grid',
      'strategy.skewFactor=0,1',
      ...SHORT,
      '--out',
      dirs.twoD,
    );
    run(
      'sweep',
      'scenarios/demo.json',
      '--grid',
      'strategy.spreadBps=4:20:2',
      '--grid',
      'strategy.skewFactor=0:1:0.25',
      '--random',
      '7',
      ...SHORT,
      '--out',
      dirs.random,
    );
    run('tune', 'scenarios/demo.json', '--start', '20', '--step', '4', '--min-fills', '10', ...SHORT, '--out', dirs.tune);
    run(
      'sweep',
      'scenarios/demo.json',
      '--grid',
      'strategy.spreadBps=4,8',
      '--folds',
      '2',
      '--min-fills',
      '10',
      '--set',
      'durationSeconds=240',
      '--workers',
      '2',
      '--out',
      dirs.wf,
    );
  });

  /** Every table cell with a data-value, by row (its config or fold cell) and column. */
  const tableValues = (page: Page, table: string, key: string) =>
    page.$$eval(
      `#${table} tbody tr`,
      (trs, key) =>
        trs.flatMap((tr) => {
          const id = tr.querySelector(`td[data-column="${key}"]`)!.getAttribute('data-sort');
          return Array.from(tr.querySelectorAll('td[data-value]') as ArrayLike<{ getAttribute(name: string): string | null }>).map(
            (td) => ({
              id,
              column: td.getAttribute('data-column'),
              value: td.getAttribute('data-value'),
            }),
          );
        }),
      key,
    );

  async function openSweep(dir: string, page = 'sweep.html') {
    const opened = await openPage(context, join(dir, page));
    expect(opened.problems).toEqual([]);
    expect(opened.blocked).toEqual([]);
    const charts = await chartStates(opened.page);
    for (const chart of charts) expect(chart.rendered && chart.error === null && chart.svgs > 0, chart.id!).toBe(true);
    return { page: opened.page, charts };
  }

  /** The page's table figures equal configs.csv, cell by cell. */
  async function expectTableEqualsConfigs(page: Page, dir: string) {
    const configs = csv(join(dir, 'configs.csv'));
    const cells = await tableValues(page, 'sweep-table', 'config');
    expect(cells.length).toBeGreaterThan(configs.length * 3);
    for (const cell of cells) {
      const row = configs.find((c) => c.config === cell.id)!;
      expect(cell.value, `config ${cell.id} ${cell.column}`).toBe(row[cell.column!] === 'NA' ? 'null' : row[cell.column!]);
    }
  }

  it('1-D sweep: a line with error bars and a point per configuration; table = configs.csv; chooser and panels work', async () => {
    const { page, charts } = await openSweep(dirs.oneD);
    expect(charts.map((c) => c.id)).toContain('metric-0');
    const pnl = charts.find((c) => c.id === 'metric-0')!;
    // 4 configurations + the ring around the chosen one
    expect(pnl.symbols).toBe(4 + 1);
    expect(
      await page.locator('#chart-metric-0 svg g.mark-rule.role-mark path, #chart-metric-0 svg g.mark-rule.role-mark line').count(),
    ).toBeGreaterThan(4);
    expect(await page.locator('#chart-metric-0 svg g.mark-line.role-mark path').count()).toBe(1);
    expect(await page.textContent('[data-runs]')).toBe(String(csv(join(dirs.oneD, 'results.csv')).length));
    expect(await page.textContent('[data-rule]')).toContain('(maximised)');
    await expectTableEqualsConfigs(page, dirs.oneD);
    // the chooser shows a hidden column
    const hidden = () => page.locator('#sweep-table th[data-column="realizedSpreadBps.30s"]').isVisible();
    expect(await hidden()).toBe(false);
    await page.check('input[data-toggle="realizedSpreadBps.30s"]');
    expect(await hidden()).toBe(true);
    // the panel select
    const visible = () =>
      page.$$eval('[data-panel]', (els) =>
        els.filter((e) => (e as unknown as { offsetParent: unknown }).offsetParent !== null).map((e) => e.id),
      );
    expect(await visible()).toEqual(['chart-metric-0']);
    await page.selectOption('#panel-select', 'metric-1');
    expect(await visible()).toEqual(['chart-metric-1']);
    // sorting by the objective, descending, puts the best on top
    await page.click('#sweep-table th[data-column="pnl.total"]');
    await page.click('#sweep-table th[data-column="pnl.total"]');
    const best = JSON.parse(readFileSync(join(dirs.oneD, 'best.json'), 'utf8'));
    expect(await page.$eval('#sweep-table tbody tr', (tr) => tr.hasAttribute('data-best'))).toBe(true);
    expect(await page.$eval('#sweep-table tbody tr[data-best] td[data-column="config"]', (td) => td.textContent)).toBe(
      String(best.best.config),
    );
    await page.screenshot({ path: join(tmp, 'sweep-1d.png'), fullPage: true });
    await page.close();
  });

  it('2-D sweep: a heatmap cell per parameter pair, the chosen one outlined; table = configs.csv', async () => {
    const { page, charts } = await openSweep(dirs.twoD);
    // 6 cells, 6 labels, 1 outline
    expect(charts.find((c) => c.id === 'metric-0')!.marks).toBe(13);
    await expectTableEqualsConfigs(page, dirs.twoD);
    await page.screenshot({ path: join(tmp, 'sweep-2d.png'), fullPage: true });
    await page.close();
  });

  it('random sweep: one scatter point per configuration drawn', async () => {
    const { page, charts } = await openSweep(dirs.random);
    expect(charts.find((c) => c.id === 'metric-0')!.symbols).toBe(7 + 1);
    await expectTableEqualsConfigs(page, dirs.random);
    const results = csv(join(dirs.random, 'results.csv'));
    for (const r of results) expect(Number(r['strategy.spreadBps']) % 2).toBe(0);
    await page.screenshot({ path: join(tmp, 'sweep-random.png'), fullPage: true });
    await page.close();
  });

  it("tune page: the spreads tried as a line with each run's interval, tune's rule in the banner", async () => {
    const { page, charts } = await openSweep(dirs.tune);
    const configs = csv(join(dirs.tune, 'configs.csv'));
    const net = charts.find((c) => c.id === 'metric-0')!;
    expect(net.symbols).toBe(configs.length + (JSON.parse(readFileSync(join(dirs.tune, 'best.json'), 'utf8')).best ? 1 : 0));
    expect(await page.textContent('[data-rule]')).toMatch(/^Chosen by tune/);
    expect(await page.textContent('[data-rule]')).not.toContain('maximised');
    await expectTableEqualsConfigs(page, dirs.tune);
    await page.screenshot({ path: join(tmp, 'tune.png'), fullPage: true });
    await page.close();
  });

  it('walk-forward page: per fold in- and out-of-sample figures = walkforward.csv, the stitched curve, the right counts', async () => {
    const { page, charts } = await openSweep(dirs.wf, 'walkforward.html');
    expect(charts.map((c) => c.id)).toEqual(['wf-objective', 'wf-pnl', 'wf-params']);
    for (const chart of charts) expect(chart.marks, chart.id!).toBeGreaterThan(1);
    const folds = csv(join(dirs.wf, 'walkforward.csv'));
    expect(folds).toHaveLength(2);
    // bars: in and out per fold
    expect(await page.locator('#chart-wf-objective svg g.mark-rect.role-mark path').count()).toBe(4);
    const record = JSON.parse(readFileSync(join(dirs.wf, 'walkforward.json'), 'utf8'));
    const trainRuns = record.folds.reduce((a: number, f: { trainRuns: number }) => a + f.trainRuns, 0);
    expect(trainRuns).toBe(4);
    expect(await page.textContent('[data-runs]')).toBe(String(trainRuns + 2));
    expect(await page.textContent('[data-folds]')).toBe('2');
    const cells = await tableValues(page, 'wf-table', 'fold');
    expect(cells).toHaveLength(2 * 2 * record.figures.length);
    for (const cell of cells) {
      const [side, column] = cell.column!.split(/:(.*)/);
      const expected = folds.find((f) => f.fold === cell.id)![`${side === 'in' ? 'train' : 'test'}.${column}`];
      expect(cell.value, `${cell.id} ${cell.column}`).toBe(expected === 'NA' ? 'null' : expected);
    }
    const stitched = Number(await page.getAttribute('[data-key="stitchedPnl"]', 'data-value'));
    expect(stitched).toBeCloseTo(
      folds.reduce((a, f) => a + Number(f['test.pnl.total']), 0),
      9,
    );
    // nothing cut off: the table fits its card
    const fits = await page.$eval('#wf-table', (t) => {
      const table = t as unknown as { scrollWidth: number; parentElement: { clientWidth: number } };
      return table.scrollWidth <= table.parentElement.clientWidth;
    });
    expect(fits).toBe(true);
    await page.screenshot({ path: join(tmp, 'walkforward.png'), fullPage: true });
    await page.close();
  });
});

describe('reconcile page in chromium', () => {
  it('a paper run and its simulation side by side, fill by fill: the figures of summary.json, reconcile.json and reconcile.csv', async () => {
    const out = join(tmp, 'paper');
    await paperRun(
      new FakeFeed(),
      stopWhen(() => false, 3_000),
      { out },
    );
    await reconcile({ dir: out, toleranceMs: 1000 });

    const { page, problems, blocked } = await openPage(context, join(out, 'reconcile.html'));
    expect(problems).toEqual([]);
    expect(blocked).toEqual([]);
    const charts = await chartStates(page);
    expect(charts.map((c) => c.id)).toEqual(['reconcile-fills', 'reconcile-pnl', 'reconcile-timing']);
    for (const chart of charts) expect(chart.rendered && chart.error === null && chart.svgs > 0 && chart.marks > 2, chart.id!).toBe(true);

    const sources: Record<string, unknown> = {
      live: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')),
      sim: JSON.parse(readFileSync(join(out, 'sim', 'summary.json'), 'utf8')),
      reconcile: JSON.parse(readFileSync(join(out, 'reconcile.json'), 'utf8')),
    };
    const figures = await shownFigures(page);
    expect(new Set(figures.map((f) => f.run))).toEqual(new Set(['live', 'sim', 'reconcile']));
    expect(figures.filter((f) => f.key === 'pnl.total').map((f) => f.run)).toEqual(['live', 'sim']);
    for (const f of figures) {
      const expected = valueAt(sources[f.run!], f.key);
      expect(f.value, `${f.run} ${f.key}`).toBe(expected === null ? 'null' : String(expected));
      expectShown(f.text, expected, f.scale, `${f.run} ${f.key}`);
    }

    // the table is reconcile.csv, row by row
    const rows = csv(join(out, 'reconcile.csv'));
    const table = await page.$$eval('#reconcile-table tbody tr', (trs) =>
      trs.map((tr) => ({
        status: tr.getAttribute('data-status'),
        values: Array.from(tr.querySelectorAll('td[data-value]') as ArrayLike<{ getAttribute(name: string): string | null }>).map((td) =>
          td.getAttribute('data-value'),
        ),
      })),
    );
    expect(table).toHaveLength(rows.length);
    const cell = (x: string) => (x === 'NA' ? 'null' : String(Number(x)));
    rows.forEach((row, i) => {
      expect(table[i].status).toBe(row.status);
      expect(table[i].values).toEqual(
        ['live_ts_us', 'live_price', 'live_size', 'sim_ts_us', 'sim_price', 'sim_size', 'dt_ms', 'price_diff'].map((c) => cell(row[c])),
      );
    });
    // one mark per live and per simulated fill
    const record = sources.reconcile as { liveFills: number; simFills: number; matched: number };
    expect(charts.find((c) => c.id === 'reconcile-fills')!.symbols).toBe(record.liveFills + record.simFills);
    expect(
      await page
        .locator('#chart-reconcile-fills svg g.mark-rule.role-mark line, #chart-reconcile-fills svg g.mark-rule.role-mark path')
        .count(),
    ).toBe(record.matched);
    await page.screenshot({ path: join(tmp, 'reconcile.png'), fullPage: true });
    await page.close();
  }, 60_000);
});
