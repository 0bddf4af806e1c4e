import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpreadlabError } from '../../src/core/errors.ts';
import {
  composeLibraryScripts,
  formatFigure,
  jsonForScript,
  LIBRARY_ASSET,
  pageBytes,
  renderPage,
  renderComparison,
  withConfig,
} from '../../src/report/html.ts';
import { loadRun, type LoadedRun } from '../../src/report/load-run.ts';
import { renderReport } from '../../src/report/run-report.ts';
import { runCharts } from '../../src/report/run-charts.ts';
import { compareMarkoutSpec, comparePnlSpec, downsample, markoutCurve, stride } from '../../src/report/specs.ts';
import { quoteCurrencyOf } from '../../src/report/currency.ts';
import { drawdownSeries, fillsByDistance, groupValues, inventoryShares, wilson } from '../../src/report/execution-specs.ts';
import { compileWarnings, externalReferences, shortBacktest, spreadlab, RUN_CHART_IDS } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const runA = join(tmp, 'wide-a');
const runB = join(tmp, 'wide-b');
let a: LoadedRun;
let b: LoadedRun;

beforeAll(() => {
  shortBacktest(runA);
  shortBacktest(runB, '--set', 'strategy.spreadBps=20');
  a = loadRun(runA);
  b = loadRun(runB);
});

describe('vega-lite specs', () => {
  it('the run charts compile with vega-lite without a warning', () => {
    const charts = runCharts(a);
    expect(charts.map((c) => c.id)).toEqual(RUN_CHART_IDS);
    for (const chart of charts) {
      expect(compileWarnings(withConfig(chart.spec)), chart.id).toEqual([]);
      const title = chart.spec.title as { text: string };
      expect(title.text.length, `${chart.id} has a title`).toBeGreaterThan(5);
    }
  });

  it('the comparison charts compile without a warning', () => {
    expect(compileWarnings(withConfig(comparePnlSpec([a, b], ['a', 'b'])))).toEqual([]);
    expect(compileWarnings(withConfig(compareMarkoutSpec([a, b], ['a', 'b'])))).toEqual([]);
  });

  it('every axis has a title with its unit', () => {
    const text = JSON.stringify(runCharts(a).map((c) => c.spec));
    for (const unit of [
      'time (UTC)',
      'PnL (USD)', // the demo's symbol is SYN-USD
      'price (USD)',
      'drawdown (USD)',
      'distance from the mid when placed (ticks',
      'queue ahead when placed (base units)',
      'order age at the fill (s)',
      'share of time',
      'position (base units)',
      'mean markout (bps',
      'markout at 30s (bps)',
      'size-weighted mean markout at 30s, bps',
    ]) {
      expect(text).toContain(unit);
    }
  });

  it('the markout curve agrees with summary.json (same weighted statistic)', () => {
    const curve = markoutCurve(a, ['all']);
    for (const h of a.horizons) {
      const point = curve.find((p) => p.label === h)!;
      const stat = a.summary.realizedSpreadStats[h];
      expect(point.n).toBe(stat.count);
      expect(point.mean).toBeCloseTo(stat.mean!, 3);
      expect(point.lo).toBeCloseTo(stat.ci95Low!, 3);
    }
    const effective = curve.find((p) => p.horizon === 0)!;
    expect(effective.mean).toBeCloseTo(a.summary.effectiveSpreadBps!, 3);
  });
});

describe('the execution and risk charts', () => {
  it('fills by distance: orders that rested, filled, fills and the Wilson interval per distance', () => {
    const rows = fillsByDistance(a);
    const rested = a.orders.filter((o) => o.type === 'limit' && o.status !== 'rejected' && o.placedDistanceTicks !== null);
    expect(rows.reduce((n, r) => n + r.orders, 0)).toBe(rested.length);
    expect(rows.reduce((n, r) => n + r.fills, 0)).toBe(a.fills.length);
    for (const row of rows) {
      const here = rested.filter((o) => o.placedDistanceTicks === row.center);
      expect(row.orders).toBe(here.length); // at most 60 distances: each its own group
      expect(row.filledOrders).toBe(here.filter((o) => o.filled > 0).length);
      expect(row.probability).toBeCloseTo(row.filledOrders / row.orders, 12);
      expect(row.lo).toBeLessThanOrEqual(row.probability);
      expect(row.hi).toBeGreaterThanOrEqual(row.probability);
    }
    // Wilson: 5 of 10 → 23.7 % to 76.3 %; 0 of 10 → 0 to 27.8 %
    expect(wilson(5, 10).lo).toBeCloseTo(0.2366, 4);
    expect(wilson(5, 10).hi).toBeCloseTo(0.7634, 4);
    expect(wilson(0, 10)).toEqual({ lo: 0, hi: expect.closeTo(0.2775, 4) });
  });

  it('groups values exactly when few, in bins of a round width when many', () => {
    const exact = groupValues([4.5, 5.5, 5.5, 6], 60);
    expect(exact(5.5)).toEqual({ center: 5.5, from: 5.25, to: 5.75 });
    const many = Array.from({ length: 500 }, (_, i) => 1000 + i * 1.5);
    const binned = groupValues(many, 60);
    expect(binned(1000)).toEqual({ center: 1010, from: 1000, to: 1020 }); // range 748.5 / 60 → width 20
    expect(binned(1019.9).from).toBe(1000);
    expect(binned(1020).from).toBe(1020);
  });

  it('drawdown: total PnL less its running peak; its deepest point is summary.json risk.maxDrawdown', () => {
    const series = drawdownSeries(a);
    expect(series).toHaveLength(a.timeseries.length);
    expect(Math.max(...series.map((s) => s.drawdown))).toBe(0);
    expect(-Math.min(...series.map((s) => s.drawdown))).toBeCloseTo(a.summary.risk.maxDrawdown, 9);
  });

  it('inventory histogram: each sample counted once, in the group that holds its position; shares sum to 1', () => {
    const shares = inventoryShares(a);
    expect(shares.length).toBeLessThanOrEqual(30);
    expect(shares.reduce((x, r) => x + r.share, 0)).toBeCloseTo(1, 12);
    for (const row of shares) {
      const inside = a.timeseries.filter((s) => s.inventory >= row.from - 1e-12 && s.inventory < row.to - 1e-12).length;
      expect(row.samples, `${row.from}..${row.to}`).toBe(inside);
    }
  });

  it('names the quote currency from the symbol', () => {
    expect(quoteCurrencyOf('BTCUSDT')).toBe('USDT');
    expect(quoteCurrencyOf('BTC/USDT:USDT')).toBe('USDT');
    expect(quoteCurrencyOf('SYN-USD')).toBe('USD');
    expect(quoteCurrencyOf('ETHBTC')).toBe('BTC');
    expect(quoteCurrencyOf('BTCTUSD')).toBe('TUSD');
    expect(quoteCurrencyOf('AMZN')).toBeNull();
    expect(quoteCurrencyOf('my market')).toBeNull();
  });
});

describe('downsampling for display', () => {
  const rows = Array.from({ length: 100_000 }, (_, i) => ({ i, v: i === 54_321 ? 1e6 : i === 77_777 ? -1e6 : Math.sin(i / 1000) }));

  it('M4 keeps at most the limit, the first and last rows, and every spike', () => {
    const kept = downsample(rows, 2000, (r) => r.v);
    expect(kept.length).toBeLessThanOrEqual(2001);
    expect(kept[0].i).toBe(0);
    expect(kept[kept.length - 1].i).toBe(99_999);
    expect(kept.some((r) => r.v === 1e6)).toBe(true);
    expect(kept.some((r) => r.v === -1e6)).toBe(true);
    expect(kept.every((r, k) => k === 0 || r.i > kept[k - 1].i)).toBe(true);
    expect(downsample(rows.slice(0, 10), 2000, (r) => r.v)).toHaveLength(10);
  });

  it('keeps the rows asked for besides (the edges of a gap in our quotes)', () => {
    const kept = downsample(
      rows,
      2000,
      (r) => r.v,
      (i) => i === 12_345,
    );
    expect(kept.some((r) => r.i === 12_345)).toBe(true);
    expect(kept.every((r, k) => k === 0 || r.i > kept[k - 1].i)).toBe(true);
  });

  it("the quotes chart holds its sampled series once: the mid, bid and ask lines read the chart's data", () => {
    const spec = runCharts(a).find((c) => c.id === 'quotes')!.spec as {
      data: { values: { t: number }[] };
      layer: { data?: unknown; encoding: { y: { field: string } } }[];
    };
    expect(spec.data.values.length).toBeGreaterThan(100);
    expect(spec.layer.filter((l) => l.data === undefined).map((l) => l.encoding.y.field)).toEqual(['mid', 'bid', 'ask']);
    expect(spec.layer.filter((l) => l.data !== undefined).map((l) => l.encoding.y.field)).toEqual(['price']); // the fills
  });

  it('stride keeps the last row', () => {
    const kept = stride(rows, 999);
    expect(kept.length).toBeLessThanOrEqual(1000);
    expect(kept[kept.length - 1].i).toBe(99_999);
  });
});

describe('report.html', () => {
  it('spreadlab backtest writes report.html, and spreadlab report re-renders it byte for byte', () => {
    const written = readFileSync(join(runA, 'report.html'));
    const r = spreadlab('report', runA);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`wrote ${join(runA, 'report.html')}`);
    expect(readFileSync(join(runA, 'report.html')).equals(written)).toBe(true);
    expect(renderReport(loadRun(runA))).toBe(written.toString('utf8'));
  });

  it("the compiled package reads the vega libraries from the build's asset, which holds what the sources compose", () => {
    const asset = readFileSync(new URL(`../../dist/report/${LIBRARY_ASSET}`, import.meta.url), 'utf8');
    expect(asset).toBe(composeLibraryScripts());
    expect((asset.match(/<script>\/\* vega/g) ?? []).length).toBe(3);
  });

  it("writes a page's bytes as the UTF-8 of its text, the libraries copied as bytes (non-ASCII text around them included)", () => {
    const parts = { title: 'µ → ≥ “quoted”', head: '<p>spread − 1 tick…</p>', charts: runCharts(a), tail: '<p>–</p>', script: 'void 0;' };
    expect(Buffer.concat(pageBytes(parts)).equals(Buffer.from(renderPage(parts), 'utf8'))).toBe(true);
  });

  it('is self-contained: no http(s) script, link, src or href, and no network URL outside the inlined libraries', () => {
    const html = renderReport(a);
    expect(externalReferences(html)).toEqual([]);
    expect(html).not.toMatch(/sourceMappingURL/);
    expect(html.length).toBeLessThan(5e6);
  });

  it('holds no wall-clock time: two renders at different moments are identical', async () => {
    const first = renderReport(a);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(renderReport(loadRun(runA))).toBe(first);
    const today = new Date().toISOString().slice(0, 10);
    expect(first.includes(today)).toBe(false);
  });

  it('carries the headline figures with their summary.json keys and exact values', () => {
    const html = renderReport(a);
    for (const key of [
      'pnl.total',
      'realizedSpreadStats.30s.mean',
      'realizedSpreadStats.30s.ci95Low',
      'realizedSpreadStats.30s.ci95High',
      'fills.count',
      'quotes.twoSidedUptime',
      'risk.sharpe',
      'risk.maxDrawdown',
    ]) {
      const m = html.match(new RegExp(`data-key="${key.replace(/\./g, '\\.')}" data-value="([^"]*)"`));
      expect(m, key).not.toBeNull();
      expect(m![1]).toBe(String(key.split('.').reduce<any>((o, k) => o[k], a.summary)));
    }
    expect(html).toContain(a.record.scenarioSha256);
    expect(html).toContain('verdict: realized spread at 30s');
  });

  it('escapes < in inlined JSON, so a hostile label cannot close the script', () => {
    const hostile = { ...b, label: '</script><script>alert(1)</script>' };
    const html = renderComparison([a, hostile]);
    const json = html.match(/<script type="application\/json" id="spreadlab-specs">([\s\S]*?)<\/script>/)![1];
    expect(json).not.toContain('<');
    expect(JSON.parse(json)['compare-pnl'].data.values.some((v: { run: string }) => v.run === hostile.label)).toBe(true);
    expect(html).not.toContain('<script>alert(1)');
    expect(jsonForScript({ s: '<\u2028<\u2029' })).toBe('{"s":"\\u003c\\u2028\\u003c\\u2029"}');
  });

  it('formats figures: money to 4 significant digits, bps to 2 decimals, a true minus sign', () => {
    expect(formatFigure(0.040928316, 'money')).toBe('0.04093');
    expect(formatFigure(-1234.567, 'money')).toBe('\u22121,234.57');
    expect(formatFigure(-0.0831, 'bps')).toBe('\u22120.08');
    expect(formatFigure(-0.001, 'bps')).toBe('0.00');
    expect(formatFigure(0.66, 'pct')).toBe('66.0');
    expect(formatFigure(null, 'bps')).toBe('n/a');
  });
});

describe('spreadlab report: comparison and errors', () => {
  it('compares runs into --out, self-contained, one figures column per run', () => {
    const out = join(tmp, 'cmp', 'cmp.html');
    const r = spreadlab('report', runA, runB, '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(externalReferences(html)).toEqual([]);
    expect(html).toContain('Comparison of 2 runs');
    expect(html).toContain(`data-key="pnl.total" data-value="${a.summary.pnl.total}" data-run="0"`);
    expect(html).toContain(`data-key="pnl.total" data-value="${b.summary.pnl.total}" data-run="1"`);
  });

  it('a missing run folder is a user error naming it (exit 2)', () => {
    const r = spreadlab('report', join(tmp, 'nope'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^spreadlab: .*nope: not a run folder/);
    expect(r.stderr).not.toMatch(/^\s{4}at /m);
  });

  it('a missing or malformed file is a SpreadlabError naming the file, line and column', () => {
    const broken = join(tmp, 'broken');
    cpSync(runA, broken, { recursive: true });
    rmSync(join(broken, 'timeseries.csv'));
    expect(() => loadRun(broken)).toThrow(SpreadlabError);
    expect(() => loadRun(broken)).toThrow(/timeseries\.csv: missing/);

    cpSync(join(runA, 'timeseries.csv'), join(broken, 'timeseries.csv'));
    const fills = readFileSync(join(runA, 'fills.csv'), 'utf8').split('\n');
    fills[3] = fills[3].replace(/^(\d+,[^,]+,\d+,\w+,)[^,]+/, '$1abc');
    writeFileSync(join(broken, 'fills.csv'), fills.join('\n'));
    expect(() => loadRun(broken)).toThrow(/fills\.csv line 4, column price: expected a number, got "abc"/);
    writeFileSync(join(broken, 'fills.csv'), [fills[0], '', ...fills.slice(1)].join('\n')); // a blank line: the rows below move down
    expect(() => loadRun(broken)).toThrow(/fills\.csv line 5, column price: expected a number, got "abc"/);
    fills[3] = `${readFileSync(join(runA, 'fills.csv'), 'utf8').split('\n')[3]},extra`;
    writeFileSync(join(broken, 'fills.csv'), fills.join('\n'));
    expect(() => loadRun(broken)).toThrow(
      /fills\.csv line 4: not a valid CSV \(expected \d+ fields \(as many as the first record\), got \d+\)/,
    );
    writeFileSync(join(broken, 'orders.csv'), `${readFileSync(join(runA, 'orders.csv'), 'utf8')}"unclosed,buy\n`);
    cpSync(join(runA, 'fills.csv'), join(broken, 'fills.csv'));
    expect(() => loadRun(broken)).toThrow(/orders\.csv line \d+: not a valid CSV \(a quoted field is not closed\)/);
    cpSync(join(runA, 'orders.csv'), join(broken, 'orders.csv'));

    cpSync(join(runA, 'fills.csv'), join(broken, 'fills.csv'));
    writeFileSync(join(broken, 'summary.json'), '{"scenario": "x"');
    expect(() => loadRun(broken)).toThrow(/summary\.json:\d+:\d+: not valid JSON/);
    const summary = JSON.parse(readFileSync(join(runA, 'summary.json'), 'utf8'));
    delete summary.pnl.total;
    writeFileSync(join(broken, 'summary.json'), JSON.stringify(summary));
    expect(() => loadRun(broken)).toThrow(/summary\.json: pnl\.total: expected a number, got nothing/);

    const r = spreadlab('report', broken);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('summary.json: pnl.total');
    expect(existsSync(join(broken, 'report.html'))).toBe(true); // the old report was left alone
  });
});
