import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { ROOT, spreadlabOk as cli } from '../spawn-cli.ts';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'spreadlab-wf-'));

const csvRows = (text: string): Record<string, string>[] => parse(text, { columns: true });

describe('spreadlab tune on an informed-flow market', () => {
  it('widens until realized spread net of fees is consistently positive, then narrows while it stays so', () => {
    const out = tmp();
    const { stdout } = cli([
      'tune',
      'scenarios/informed-flow-demo.json',
      '--set',
      'durationSeconds=600',
      '--start',
      '2',
      '--workers',
      '2',
      '--out',
      out,
    ]);
    const steps = [
      ...stdout.matchAll(/^(widen|narrow)\s+([\d.]+) bps: net of fees ([+-]?[\d.]+) bps.*: (consistently positive|.*)$/gm),
    ].map((m) => ({ phase: m[1], spread: Number(m[2]), net: Number(m[3]), positive: m[4] === 'consistently positive' }));
    // Informed takers (30 %) trade before ±10-tick jumps: at 2 bps the spread is too narrow.
    expect(steps[0]).toMatchObject({ phase: 'widen', spread: 2, positive: false });
    const firstPositive = steps.findIndex((s) => s.positive);
    expect(firstPositive).toBeGreaterThan(0);
    expect(steps.slice(0, firstPositive).every((s, i) => s.phase === 'widen' && s.spread === 2 + 5 * i)).toBe(true);
    const chosen = Number(/^chosen: strategy\.spreadBps=([\d.]+), the narrowest spread/m.exec(stdout)![1]);
    expect(steps.find((s) => s.spread === chosen)!.positive).toBe(true);
    // The narrowing stopped at the first spread that was no longer consistently positive (or at 1 bp).
    const last = steps[steps.length - 1];
    expect(!last.positive || last.spread === chosen).toBe(true);
    expect(steps.filter((s) => s.spread < chosen).every((s) => !s.positive || s.phase === 'widen')).toBe(true);
    const best = JSON.parse(readFileSync(join(out, 'best.json'), 'utf8'));
    expect(best.kind).toBe('tune');
    expect(best.best.params['strategy.spreadBps']).toBe(chosen);
    expect(best.rule).toMatch(/^Chosen by tune/);
    // one configuration per spread tried, measured once
    const rows = csvRows(readFileSync(join(out, 'results.csv'), 'utf8'));
    expect(rows.map((r) => Number(r['strategy.spreadBps'])).sort((a, b) => a - b)).toEqual(
      [...new Set(steps.map((s) => s.spread))].sort((a, b) => a - b),
    );
    const configs = csvRows(readFileSync(join(out, 'configs.csv'), 'utf8'));
    expect(
      configs
        .filter((c) => c.considered === 'true')
        .map((c) => Number(c['strategy.spreadBps']))
        .sort((a, b) => a - b),
    ).toEqual(
      steps
        .filter((s) => s.positive)
        .map((s) => s.spread)
        .filter((v, i, all) => all.indexOf(v) === i)
        .sort((a, b) => a - b),
    );
  });
});

describe('spreadlab tune on the recorded BTCUSDT replay (10 bps fees)', () => {
  it('counts the fees and does not choose on noise: no spread, and says what would help', () => {
    const out = tmp();
    const { stdout } = cli(['tune', 'scenarios/btcusdt-spot-replay.json', '--start', '2', '--workers', '2', '--out', out]);
    // Before fees some spreads look positive; net of the 10 bps fee none is.
    expect(stdout).toMatch(/before fees \+[\d.]+ bps/);
    expect(stdout).not.toMatch(/: consistently positive$/m);
    expect(stdout).toMatch(/^no spread chosen: .*Next: run longer \/ more data/m);
    const best = JSON.parse(readFileSync(join(out, 'best.json'), 'utf8'));
    expect(best.best).toBeNull();
    expect(best.reason).toMatch(/fewer than 30/);
  });
});

describe('walk-forward', () => {
  const SAMPLE = join(ROOT, 'data/synthetic/synthetic_GM-USD_informed-flow_seed1');
  const START_US = 1704067200000000; // the sample's first second
  const TEST_FROM_US = START_US + 15 * 60 * 1_000_000;
  const ARGS = ['--grid', 'strategy.spreadBps=3,6,12', '--train', '0s..15m', '--test', '15m..30m', '--workers', '2'];

  /** A copy of the sample in which every other trade inside the test window is removed. */
  function alteredCopy(): string[] {
    const dir = tmp();
    const files = ['incremental_book_L2', 'trades', 'quotes'].map((kind) => join(dir, `sample_${kind}.csv.gz`));
    copyFileSync(`${SAMPLE}_incremental_book_L2.csv.gz`, files[0]);
    copyFileSync(`${SAMPLE}_quotes.csv.gz`, files[2]);
    const lines = gunzipSync(readFileSync(`${SAMPLE}_trades.csv.gz`))
      .toString('utf8')
      .trimEnd()
      .split('\n');
    const altered = lines.filter((line, i) => i === 0 || Number(line.split(',')[2]) < TEST_FROM_US || i % 2 === 0);
    expect(altered).not.toEqual(lines);
    writeFileSync(files[1], gzipSync(`${altered.join('\n')}\n`));
    return files;
  }

  it('chooses on the training window only: changing data inside the test window does not change the choice', () => {
    const original = tmp();
    cli(['sweep', 'scenarios/informed-flow-replay.json', ...ARGS, '--out', original]);
    const altered = tmp();
    cli([
      'sweep',
      'scenarios/informed-flow-replay.json',
      ...ARGS,
      '--set',
      `data.files=${JSON.stringify(alteredCopy())}`,
      '--out',
      altered,
    ]);
    const [a] = csvRows(readFileSync(join(original, 'walkforward.csv'), 'utf8'));
    const [b] = csvRows(readFileSync(join(altered, 'walkforward.csv'), 'utf8'));
    expect(b['strategy.spreadBps']).toBe(a['strategy.spreadBps']);
    expect(b['train.pnl.total']).toBe(a['train.pnl.total']);
    // The change was real: what the chosen config earned out of sample differs.
    expect(b['test.fills.count'] === a['test.fills.count'] && b['test.pnl.total'] === a['test.pnl.total']).toBe(false);
    // Out-of-sample figures come from the test window alone: they equal a backtest of that window.
    const run = tmp();
    cli([
      'backtest',
      'scenarios/informed-flow-replay.json',
      '--set',
      `strategy.spreadBps=${a['strategy.spreadBps']}`,
      '--set',
      'window.from=15m',
      '--set',
      'window.to=30m',
      '--out',
      run,
      '--quiet',
    ]);
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    expect(Number(a['test.pnl.total'])).toBe(summary.pnl.total);
    expect(summary.period.start).toBe('2024-01-01T00:15:00.000000Z');
    // ... and the out-of-sample run folder is that backtest, with its report
    const oos = join(original, 'fold-0', 'test', 'seed-1');
    expect(readFileSync(join(oos, 'summary.json'), 'utf8')).toBe(readFileSync(join(run, 'summary.json'), 'utf8'));
    expect(existsSync(join(oos, 'report.html'))).toBe(true);
    // the choice had enough fills in-sample, and `spreadlab report` re-renders the page byte for byte
    const record = JSON.parse(readFileSync(join(original, 'walkforward.json'), 'utf8'));
    expect(record.folds[0].train['fills.count']).toBeGreaterThanOrEqual(30);
    expect(record.folds[0]).toMatchObject({ trainRuns: 3, testRuns: ['fold-0/test/seed-1'] });
    const page = readFileSync(join(original, 'walkforward.html'), 'utf8');
    cli(['report', original]);
    expect(readFileSync(join(original, 'walkforward.html'), 'utf8')).toBe(page);
  });
});
