import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSweepPage } from '../../src/report/sweep-page.ts';
import { chartStates, expectShown, launch, openPage, shortBacktest, shownFigures, spreadlab, valueAt } from './helpers.ts';
import { handRows } from './sweep-rows.ts';

/**
 * The reports in a real browser: Debian chromium, headless, a fresh profile, opened from file:// with every
 * non-file request blocked. Screenshots are saved in the temp folder; set SPREADLAB_KEEP_SCREENSHOTS=1 to
 * keep them (their paths are printed) and look at them.
 */
const keep = process.env.SPREADLAB_KEEP_SCREENSHOTS === '1';
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
    expect(charts.map((c) => c.id)).toEqual(['pnl', 'quotes', 'inventory', 'markouts', 'histogram', 'breakdown']);
    for (const chart of charts) {
      expect(chart, chart.id!).toMatchObject({ rendered: true, error: null });
      expect(chart.svgs, chart.id!).toBeGreaterThan(0);
      expect(chart.marks, chart.id!).toBeGreaterThan(2);
    }
    // one marker per fill (the run is short: no downsampling)
    expect(charts.find((c) => c.id === 'quotes')!.symbols).toBe(fillCount);

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
    expect(await page.textContent('[data-verdict]')).toContain(
      `realized spread at 30s ${summary.realizedSpreadStats['30s'].mean >= 0 ? '+' : ''}${summary.realizedSpreadStats['30s'].mean.toFixed(2)} bps`,
    );

    // times are UTC whatever the browser's zone (Asia/Tokyo here): the run starts at 00:00:00 UTC
    const axisLabels = await page.$$eval('#chart-pnl svg .role-axis-label text', (els) => els.map((e) => e.textContent));
    expect(axisLabels).toContain('00:00:00');
    expect(axisLabels).not.toContain('09:00:00');

    // a tooltip appears on hover
    const box = (await page.locator('#chart-pnl svg').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('#vg-tooltip-element.visible', { timeout: 5000 });
    expect(await page.textContent('#vg-tooltip-element')).toContain('time (UTC)');

    await page.screenshot({ path: join(tmp, 'report.png'), fullPage: true });
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
    const { page, problems, blocked } = await openPage(context, out);
    expect(problems).toEqual([]);
    expect(blocked).toEqual([]);
    const charts = await chartStates(page);
    expect(charts.map((c) => c.id)).toEqual(['compare-pnl', 'compare-markouts']);
    for (const chart of charts) expect(chart.rendered && chart.svgs > 0 && chart.marks > 2, chart.id!).toBe(true);
    const summaries = [a, b].map((d) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')));
    const figures = await shownFigures(page);
    // the headline table and the full table each show pnl.total for both runs
    expect(figures.filter((f) => f.key === 'pnl.total').map((f) => f.run)).toEqual(['0', '1', '0', '1']);
    for (const f of figures) {
      const expected = valueAt(summaries[Number(f.run)], f.key);
      expect(f.value, `${f.key} run ${f.run}`).toBe(expected === null ? 'null' : String(expected));
      expectShown(f.text, expected, f.scale, `${f.key} run ${f.run}`);
    }
    // two runs → two coloured PnL lines
    expect(await page.locator('#chart-compare-pnl svg g.mark-line.role-mark > path').count()).toBe(2);
    await page.screenshot({ path: join(tmp, 'cmp.png'), fullPage: true });
    await page.close();
  });
});

describe('sweep page in chromium', () => {
  it('renders the heatmaps, switches panels, sorts the table and marks the best', async () => {
    const rows = handRows(true);
    const best = rows.find((r) => r['strategy.spreadBps'] === 10 && r['strategy.skewFactor'] === 0.5)!;
    const file = join(tmp, 'sweep.html');
    writeFileSync(
      file,
      renderSweepPage({
        rows,
        axes: ['strategy.spreadBps', 'strategy.skewFactor'],
        objective: 'pnl.total',
        best,
        title: 'hand-made sweep',
      }),
    );
    const { page, problems, blocked } = await openPage(context, file);
    expect(problems).toEqual([]);
    expect(blocked).toEqual([]);
    const charts = await chartStates(page);
    expect(charts).toHaveLength(4);
    for (const chart of charts) {
      expect(chart.rendered && chart.svgs > 0, chart.id!).toBe(true);
      // 9 cells + 9 labels + the best cell's outline
      expect(chart.marks, chart.id!).toBe(19);
    }
    const visible = () =>
      page.$$eval('[data-panel]', (els) =>
        els.filter((e) => (e as unknown as { offsetParent: unknown }).offsetParent !== null).map((e) => e.id),
      );
    expect(await visible()).toEqual(['chart-heatmap-0']);
    await page.selectOption('#panel-select', 'heatmap-2');
    expect(await visible()).toEqual(['chart-heatmap-2']);
    await page.selectOption('#panel-select', 'heatmap-0');

    const column = (name: string) =>
      page.$$eval(`#sweep-table tbody td[data-column="${name}"]`, (tds) => tds.map((td) => Number(td.getAttribute('data-sort'))));
    await page.click('#sweep-table th[data-column="pnl.total"]');
    const ascending = await column('pnl.total');
    expect(ascending).toEqual([...ascending].sort((x, y) => x - y));
    await page.click('#sweep-table th[data-column="pnl.total"]');
    const descending = await column('pnl.total');
    expect(descending).toEqual([...ascending].reverse());
    // the best configuration is on top when sorted by the objective, descending
    expect(await page.$$eval('#sweep-table tbody tr', (trs) => trs.slice(0, 2).map((tr) => tr.hasAttribute('data-best')))).toEqual([
      true,
      true,
    ]);
    expect(await page.locator('#sweep-table tbody tr[data-best]').count()).toBe(2);
    await page.screenshot({ path: join(tmp, 'sweep.png'), fullPage: true });
    await page.close();
  });
});
