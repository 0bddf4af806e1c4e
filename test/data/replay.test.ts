import { readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCache } from '../../src/data/cache.ts';
import { COLUMN_NAMES } from '../../src/data/columns.ts';
import { venueRowOrder } from '../../src/data/exchange-order.ts';
import { alignLocalTime, loadReplay } from '../../src/data/replay.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import { BTC_TARDIS, SHARED, tempDir, units, writeTemp } from './helpers.ts';

const SCENARIO = join(import.meta.dirname, '../../scenarios/btcusdt-spot-replay.json');

describe('the shipped BTCUSDT spot replay scenario', () => {
  it('resolves its data to ../shared/data, produces fills, and the same summary on every run, cached or not', async () => {
    process.env.SPREADLAB_CACHE_DIR = tempDir();
    const scenario = await loadScenario(SCENARIO);
    const first = await runScenario(scenario, join(SCENARIO, '..'));
    const second = await runScenario(await loadScenario(SCENARIO), join(SCENARIO, '..')); // from the cache
    const uncached = await runScenario(await loadScenario(SCENARIO, ['data.cache=false']), join(SCENARIO, '..'));
    delete process.env.SPREADLAB_CACHE_DIR;
    expect(first.dataFiles.map((f) => f.path.split('/').pop())).toEqual([
      'binance_BTCUSDT_2024-08-08T2354_2024-08-09T0005_incremental_book_L2.csv.gz',
      'binance_BTCUSDT_2024-08-08T2354_2024-08-09T0005_trades.csv.gz',
      'binance_BTCUSDT_2024-08-08T2354_2024-08-09T0005_quotes.csv.gz',
    ]);
    expect(first.dataFiles.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
    expect(first.result.fills.length).toBeGreaterThan(50);
    expect(first.result.marketEvents).toBeGreaterThan(300_000);
    const key = (r: typeof first) => JSON.stringify({ fills: r.result.fills, events: r.result.marketEvents, orders: r.result.ordersSent, end: r.result.endTs }, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    expect(key(second)).toBe(key(first));
    expect(key(uncached)).toBe(key(first));
  });
});

describe('loadReplay', () => {
  const u = units(0.01, 0.000001);
  const opts = { units: u, format: 'auto' as const, onError: 'stop' as const, onGap: 'stop' as const, timezone: 'America/New_York', alignLocalTime: false };

  it('merges book, trades and quotes of one market in localTs order and reports every file with its hash', async () => {
    const files = ['incremental_book_L2', 'trades', 'quotes'].map((t) => ({ path: `${BTC_TARDIS}${t}.csv.gz`, display: t }));
    const r = await loadReplay(files, opts);
    expect(r.columns.length).toBe(300_094 + 19_903 + 73_171);
    for (let i = 1; i < r.columns.length; i++) if (r.columns.localTs[i] < r.columns.localTs[i - 1]) throw new Error(`row ${i} out of order`);
    expect(r.inputs.map((i) => i.format)).toEqual(['tardis incremental_book_L2', 'tardis trades', 'tardis quotes']);
    expect(r.files.map((f) => f.path)).toEqual(['incremental_book_L2', 'trades', 'quotes']);
  });

  it('aligns a capture clock that runs behind the exchange: no book or trade row is seen before it happened', async () => {
    const files = [{ path: join(SHARED, 'binance-raw/spot/btcusdt_20240808.gz'), display: 'raw' }];
    const r = await loadReplay(files, { ...opts, alignLocalTime: true });
    // the capture host ran about 1.27 s behind Binance
    expect(r.localShiftUs).toBeGreaterThan(1_200_000);
    expect(r.localShiftUs).toBeLessThan(1_400_000);
    let minLag = Infinity;
    for (let i = 0; i < r.columns.length; i++) if (r.columns.kind[i] !== 3) minLag = Math.min(minLag, r.columns.localTs[i] - r.columns.exchTs[i]);
    expect(minLag).toBe(0);
    const c = { length: 1, kind: new Uint8Array(1), flags: new Uint8Array(1), exchTs: new Float64Array([10]), localTs: new Float64Array([12]), price: new Float64Array(1), size: new Float64Array(1), price2: new Float64Array(1), size2: new Float64Array(1) };
    expect(alignLocalTime(c)).toBe(0);
  });

  it('finds the LOBSTER orderbook partner and the day from the file name', async () => {
    const r = await loadReplay([{ path: join(SHARED, 'lobster/GOOG_2012-06-21_34200000_57600000_message_1.csv'), display: 'goog' }], { ...opts, units: units(0.01, 1) });
    expect(r.inputs[0]).toMatchObject({ format: 'lobster level 1', symbol: 'GOOG', lines: 49_482 });
    expect(r.files).toHaveLength(1);
  });

  it('caches decoded columns keyed by size, mtime and content; a touched or changed file is decoded again', async () => {
    const dir = tempDir();
    const cache = { dir: tempDir() };
    const text = ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount', 'x,S,1,2,a,buy,1.00,1', 'x,S,1,3,b,sell,1.01,2'].join('\n');
    const path = writeTemp('t.csv', text, dir);
    const a = await loadReplay([{ path, display: 't.csv' }], { ...opts, cache });
    const b = await loadReplay([{ path, display: 't.csv' }], { ...opts, cache });
    expect([a.inputs[0].fromCache, b.inputs[0].fromCache]).toEqual([false, true]);
    for (const name of COLUMN_NAMES) expect(Array.from(b.columns[name] as Float64Array)).toEqual(Array.from(a.columns[name] as Float64Array));
    const entries = readdirSync(cache.dir).filter((f) => f.endsWith('.cols'));
    expect(entries).toHaveLength(1);
    const entry = readCache(join(cache.dir, entries[0]));
    if (typeof entry !== 'object') throw new Error(`cache entry ${entry}`);
    expect(entry.meta).toMatchObject({ format: 'tardis trades', symbol: 'S' });
    expect(entry.columns.price2).toHaveLength(0); // trades only: price2 and size2 are not stored
    expect(entry.columns.price).toHaveLength(2);
    utimesSync(path, 1, 1);
    expect((await loadReplay([{ path, display: 't.csv' }], { ...opts, cache })).inputs[0].fromCache).toBe(false);
    writeTemp('t.csv', text.replace('1.01,2', '1.01,3'), dir);
    const changed = await loadReplay([{ path, display: 't.csv' }], { ...opts, cache });
    expect(changed.inputs[0].fromCache).toBe(false);
    expect(changed.columns.size[1]).toBe(3_000_000);
    // other market units are another key
    expect((await loadReplay([{ path, display: 't.csv' }], { ...opts, units: units(0.01, 0.001), cache })).inputs[0].fromCache).toBe(false);
  });

  it('keeps a whole replay (merged, aligned, with its venue row order) as one replay entry, which a warm load reads alone', async () => {
    const cache = { dir: tempDir() };
    const files = [{ path: join(SHARED, 'binance-raw/spot/btcusdt_20240808.gz'), display: 'raw' }, { path: `${BTC_TARDIS}trades.csv.gz`, display: 'trades' }];
    const aligned = { ...opts, alignLocalTime: true, cache };
    const cold = await loadReplay(files, aligned);
    const warm = await loadReplay(files, aligned);
    expect(readdirSync(join(cache.dir, 'replays'))).toHaveLength(1);
    expect(warm.inputs).toEqual(cold.inputs.map((input) => ({ ...input, fromCache: true })));
    expect(warm.localShiftUs).toBe(cold.localShiftUs);
    expect(warm.localShiftUs).toBeGreaterThan(0);
    for (const name of COLUMN_NAMES) expect(Buffer.from(warm.columns[name].buffer, warm.columns[name].byteOffset, warm.columns[name].byteLength).equals(Buffer.from(cold.columns[name].buffer, cold.columns[name].byteOffset, cold.columns[name].byteLength))).toBe(true);
    expect(Array.from(warm.venueOrder)).toEqual(Array.from(venueRowOrder(cold.columns)));
    // the unit entries are not read: without them the warm load is the same
    for (const f of readdirSync(cache.dir).filter((name) => name.endsWith('.cols'))) rmSync(join(cache.dir, f));
    expect((await loadReplay(files, aligned)).inputs.every((input) => input.fromCache)).toBe(true);
    // the alignment setting is part of its key
    expect((await loadReplay(files, { ...aligned, alignLocalTime: false })).inputs[0].fromCache).toBe(false);
  });

  it("remembers each input's SHA-256 under its path and change stamps, and hashes it again once touched", async () => {
    const cache = { dir: tempDir() };
    const path = writeTemp('t.csv', ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount', 'x,S,1,2,a,buy,1.00,1'].join('\n'));
    const first = await loadReplay([{ path, display: 't.csv' }], { ...opts, cache });
    const [memo] = readdirSync(join(cache.dir, 'sha256'));
    expect(readFileSync(join(cache.dir, 'sha256', memo), 'latin1')).toBe(first.files[0].sha256);
    const remembered = 'f'.repeat(64);
    writeFileSync(join(cache.dir, 'sha256', memo), remembered);
    expect((await loadReplay([{ path, display: 't.csv' }], { ...opts, cache })).files[0].sha256).toBe(remembered);
    utimesSync(path, 2, 2);
    expect((await loadReplay([{ path, display: 't.csv' }], { ...opts, cache })).files[0].sha256).toBe(first.files[0].sha256);
  });

  it('replays problems recorded under skip from the cache', async () => {
    const cache = { dir: tempDir() };
    const path = writeTemp('t.csv', ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount', 'x,S,1,2,a,buy,1.00,1', 'x,S,1,3,b,sell,1.011,2'].join('\n'));
    const a = await loadReplay([{ path, display: 't.csv' }], { ...opts, onError: 'skip', cache });
    const b = await loadReplay([{ path, display: 't.csv' }], { ...opts, onError: 'skip', cache });
    expect(b.inputs[0].fromCache).toBe(true);
    expect(b.problems.list).toEqual(a.problems.list);
    expect(a.problems.list).toHaveLength(1);
  });

  it('names a missing file', async () => {
    await expect(loadReplay([{ path: '/nonexistent/x.csv', display: 'data/x.csv' }], opts)).rejects.toThrow('data/x.csv: cannot read data file: no such file or folder (ENOENT)');
  });
});
