import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The broken-file corpus (test/fixtures/bad): each file has one defect; `spreadlab data validate
 * --on-error stop` must exit 2 with one line naming file:line(:column), the value and what was expected,
 * and no stack trace. A replay scenario over a broken file fails the same way.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BAD = 'test/fixtures/bad';
const run = promisify(execFile);

async function spreadlab(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['bin/spreadlab.js', ...args], { cwd: ROOT, env: { ...process.env, CI: '1', NO_COLOR: '1' }, timeout: 120_000 });
    return { status: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { status: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const EXPECTED: Record<string, string> = {
  'wrong-header.csv': ':1:1: unrecognised header "exchange,symbol,ts,',
  'wrong-column-count.csv': ':4:1: wrong column count: got 7, expected 8',
  'non-numeric-price.csv': ':4:37: price "1OO.00": expected a decimal number',
  'negative-price.csv': ':4:37: price "-100.00": expected a non-negative number',
  'negative-size.csv': ':4:44: amount "-0.5": expected a non-negative number',
  'price-not-whole-tick.csv': ':4:37: price "100.005": expected a whole number of tickSize 0.01',
  'timestamps-backwards.csv': ':4:22: local_timestamp "1999": went backwards: expected >= 2000',
  'crossed-book.csv': ':4: book crossed after the message at local_timestamp 2001: best bid 100.20 >= best ask 100.10',
  'delta-before-snapshot.csv': ':2: delta before any snapshot',
  'truncated.csv.gz': ': truncated gzip file (unexpected end of data after line',
  'binance-sequence-gap.txt': ':4: sequence gap in depth diffs: got U=17, expected U=16 (previous u + 1)',
};

function expectOneLine(r: { status: number; stderr: string }, file: string, text: string): void {
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0].startsWith(`spreadlab: ${file}`)).toBe(true);
  expect(lines[0]).toContain(text);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('bad-input corpus', () => {
  it('covers every file in the corpus folder', () => {
    expect(readdirSync(join(ROOT, BAD)).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('data validate --on-error stop: exit 2, one clear line per broken file', async () => {
    const names = Object.keys(EXPECTED);
    for (let i = 0; i < names.length; i += 4) {
      const batch = names.slice(i, i + 4);
      const results = await Promise.all(batch.map((name) => spreadlab('data', 'validate', '--on-error', 'stop', '--tick-size', '0.01', '--lot-size', '0.1', `${BAD}/${name}`)));
      batch.forEach((name, j) => expectOneLine(results[j], `${BAD}/${name}`, EXPECTED[name]));
    }
  });

  it('data validate lists every problem (skip) and still exits 2', async () => {
    const r = await spreadlab('data', 'validate', '--tick-size', '0.01', '--lot-size', '0.1', `${BAD}/crossed-book.csv`, `${BAD}/negative-size.csv`);
    expect(r.status).toBe(2);
    expect(r.stdout.trim().split('\n')).toEqual([
      `${BAD}/crossed-book.csv:4: book crossed after the message at local_timestamp 2001: best bid 100.20 >= best ask 100.10 (expected bid < ask after a complete message)`,
      `${BAD}/crossed-book.csv:5: book crossed after the message at local_timestamp 2002: best bid 100.20 >= best ask 100.10 (expected bid < ask after a complete message)`,
      `${BAD}/negative-size.csv:4:44: amount "-0.5": expected a non-negative number`,
    ]);
    expect(r.stderr).toBe('spreadlab: 3 problems\n');
    const ok = await spreadlab('data', 'validate', '../shared/data/format-samples/deribit_incremental_book_L2_BTC-PERPETUAL.csv');
    expect([ok.status, ok.stdout]).toEqual([0, 'ok: 1 file(s), no problems\n']);
  });

  it('a replay scenario over a broken file stops with the same one line; onError skip runs on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spreadlab-bad-'));
    const scenario = {
      name: 'bad',
      market: { symbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.1 },
      data: { kind: 'replay', files: [join(ROOT, BAD, 'price-not-whole-tick.csv')], cache: false },
      strategy: { name: 'fixed-spread', spreadBps: 10, size: 0.1 },
    };
    writeFileSync(join(dir, 's.json'), JSON.stringify(scenario));
    const r = await spreadlab('backtest', join(dir, 's.json'), '--out', join(dir, 'out'), '--quiet');
    expectOneLine(r, join(ROOT, BAD, 'price-not-whole-tick.csv'), ':4:37: price "100.005": expected a whole number of tickSize 0.01');
    const csv = join(dir, 'book.csv');
    writeFileSync(csv, ['exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount', 'b,BTCUSDT,1000000,1000000,true,bid,100.00,1', 'b,BTCUSDT,1000000,1000000,true,ask,100.10,1', 'b,BTCUSDT,2000000,2000000,false,bid,100.005,1', 'b,BTCUSDT,9000000,9000000,false,bid,99.00,1'].join('\n'));
    const stop = await spreadlab('backtest', join(dir, 's.json'), '--set', `data.files=["${csv}"]`, '--out', join(dir, 'out'), '--quiet');
    expectOneLine(stop, csv, ':4:37: price "100.005"');
    const skip = await spreadlab('backtest', join(dir, 's.json'), '--set', `data.files=["${csv}"]`, '--set', 'data.onError=skip', '--out', join(dir, 'out'), '--quiet');
    expect(skip.status, skip.stderr).toBe(0);
  });
});
