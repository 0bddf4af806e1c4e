import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import * as vl from 'vega-lite';
import { expect } from 'vitest';
import { spreadlab } from '../spawn-cli.ts';

export { ROOT, spreadlab } from '../spawn-cli.ts';

/** The charts of a run report, in page order (without a strategy series). */
export const RUN_CHART_IDS = [
  'pnl',
  'drawdown',
  'quotes',
  'inventory',
  'inventory-histogram',
  'latency',
  'markouts',
  'histogram',
  'markout-scatter',
  'breakdown',
  'fill-distance',
  'queue',
];
export const CHROMIUM = '/usr/bin/chromium';

/** A short real backtest (300 simulated seconds of the demo) into `out`. */
export function shortBacktest(out: string, ...extra: string[]): void {
  const run = spreadlab('backtest', 'scenarios/demo.json', '--set', 'durationSeconds=300', '--out', out, '--quiet', ...extra);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
}

/** Compiles a vega-lite spec, returning every warning or error the compiler logged. */
export function compileWarnings(spec: Record<string, unknown>): string[] {
  const messages: string[] = [];
  const logger = {
    level: () => logger,
    info: () => logger,
    debug: () => logger,
    warn: (...a: unknown[]) => (messages.push(`warn: ${a.join(' ')}`), logger),
    error: (...a: unknown[]) => (messages.push(`error: ${a.join(' ')}`), logger),
  };
  const out = vl.compile(spec as unknown as vl.TopLevelSpec, { logger: logger as never });
  expect(out.spec).toBeTruthy();
  return messages;
}

/**
 * External references in a page: src/href attributes, <link>, <script src>, and any http(s) text outside
 * the three inlined library scripts (whose minified code holds namespace strings such as the SVG URI).
 */
export function externalReferences(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?\/\//gi)) found.push(m[0]);
  const withoutLibraries = html.replace(/<script>\/\* vega(?:-lite|-embed)? [\d.]+ \*\/[\s\S]*?<\/script>/g, '<script>LIB</script>');
  expect((html.match(/<script>\/\* vega/g) ?? []).length).toBe(3);
  for (const m of withoutLibraries.matchAll(/<link\b[^>]*>|<script\b[^>]*\bsrc\b[^>]*>|<iframe\b|<img\b|<object\b|@import|url\(/gi))
    found.push(m[0]);
  for (const m of withoutLibraries.matchAll(/https?:\/\/[^\s"'<>)]*/gi)) found.push(m[0]);
  return found;
}

export interface OpenedPage {
  page: Page;
  /** Console errors and warnings, page errors, and every request that was not a file: URL (all blocked). */
  problems: string[];
  blocked: string[];
}

/** Headless Debian chromium, a fresh profile, nothing but file: URLs allowed. */
export async function launch(): Promise<{ context: BrowserContext; dir: string }> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does this`);
  const dir = mkdtempSync(join(tmpdir(), 'spreadlab-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    viewport: { width: 1100, height: 900 },
    // far from UTC, so a chart that formats times in local time would show it
    timezoneId: 'Asia/Tokyo',
    locale: 'en-US',
  });
  return { context, dir };
}

export async function openPage(context: BrowserContext, file: string): Promise<OpenedPage> {
  const page = await context.newPage();
  const problems: string[] = [];
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-charts-done]', { timeout: 30_000 });
  return { page, problems, blocked };
}

/** Per chart container: rendered flag, error, svg count and the number of drawn data marks. */
export async function chartStates(page: Page) {
  return page.$$eval('[data-chart]', (els) =>
    els.map((el) => ({
      id: el.getAttribute('data-chart'),
      rendered: el.getAttribute('data-rendered') === 'true',
      error: el.getAttribute('data-error'),
      svgs: el.querySelectorAll('svg').length + el.querySelectorAll('canvas').length,
      marks: el.querySelectorAll(
        'svg g.role-mark > path, svg g.role-mark > line, svg g.role-mark > rect, svg g.role-mark > text, svg g.role-mark > g',
      ).length,
      symbols: el.querySelectorAll('svg g.mark-symbol.role-mark > path').length,
    })),
  );
}

/** Every element carrying data-key: its key, run column, exact value, scale and displayed text. */
export async function shownFigures(page: Page) {
  return page.$$eval('[data-key]', (els) =>
    els.map((el) => ({
      key: el.getAttribute('data-key')!,
      run: el.getAttribute('data-run'),
      value: el.getAttribute('data-value'),
      scale: Number(el.getAttribute('data-scale') ?? '1'),
      text: (el.textContent ?? '').trim(),
    })),
  );
}

export function valueAt(object: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), object);
}

/** The displayed text matches the value to the precision shown (or says n/a for null). */
export function expectShown(text: string, value: unknown, scale: number, what: string): void {
  if (value === null) {
    expect(text, what).toBe('n/a');
    return;
  }
  expect(typeof value, what).toBe('number');
  const clean = text.replace(/\u2212/g, '-').replace(/,/g, '');
  expect(clean, what).toMatch(/^-?\d+(\.\d+)?$/);
  const decimals = clean.includes('.') ? clean.split('.')[1].length : 0;
  const tolerance = 0.5 * 10 ** -decimals + 1e-9;
  expect(Math.abs(Number(clean) - (value as number) * scale), `${what}: shown ${text} for ${String(value)}`).toBeLessThanOrEqual(tolerance);
}

/**
 * Opens a comparison page of two runs and checks it: no page errors or outside requests, both overlays
 * (PnL and markouts) drawn, two PnL lines, and every figure shown equal to its run's summary in
 * `summaries` (the headline and the full table each show pnl.total for both runs). Returns the page.
 */
export async function checkComparisonPage(context: BrowserContext, file: string, summaries: unknown[]): Promise<Page> {
  const { page, problems, blocked } = await openPage(context, file);
  expect(problems).toEqual([]);
  expect(blocked).toEqual([]);
  const charts = await chartStates(page);
  expect(charts.map((c) => c.id)).toEqual(['compare-pnl', 'compare-markouts']);
  for (const chart of charts) expect(chart.rendered && chart.svgs > 0 && chart.marks > 2, chart.id!).toBe(true);
  const figures = await shownFigures(page);
  expect(figures.filter((f) => f.key === 'pnl.total').map((f) => f.run)).toEqual(['0', '1', '0', '1']);
  for (const f of figures) {
    const expected = valueAt(summaries[Number(f.run)], f.key);
    expect(f.value, `${f.key} run ${f.run}`).toBe(expected === null ? 'null' : String(expected));
    expectShown(f.text, expected, f.scale, `${f.key} run ${f.run}`);
  }
  expect(await page.locator('#chart-compare-pnl svg g.mark-line.role-mark > path').count()).toBe(2);
  return page;
}
