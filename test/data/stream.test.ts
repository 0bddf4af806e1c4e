import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCacheFile, type CacheFile } from '../../src/data/cache.ts';
import { onWarning } from '../../src/core/warnings.ts';
import { openColumns } from '../../src/data/columns.ts';
import { openColumnsByExchTime } from '../../src/data/exchange-order.ts';
import type { MarketEvent, MarketEventSource, OpenMarketEvents } from '../../src/core/events.ts';
import type { ReplayInput } from '../../src/data/format.ts';
import { loadReplay, prepareStream } from '../../src/data/replay.ts';
import { AUTO_STREAM_BYTES } from '../../src/data/replay-config.ts';
import { streamsReplay } from '../../src/data/replay-open.ts';
import { READ_AHEAD_SLOTS } from '../../src/data/read-ahead.ts';
import { DEFAULT_CHUNK_ROWS, openCacheRows } from '../../src/data/stream.ts';
import { writeRunFolder } from '../../src/report/run-folder.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import { BTC_TARDIS, corruptFile, SHARED, tempDir, units } from './helpers.ts';

const SCENARIO = join(import.meta.dirname, '../../scenarios/btcusdt-spot-replay.json');
const BTC_FILES: ReplayInput[] = ['incremental_book_L2', 'trades', 'quotes'].map((t) => ({ path: `${BTC_TARDIS}${t}.csv.gz`, display: t }));
const opts = { units: units(0.01, 0.000001), format: 'auto' as const, onError: 'stop' as const, onGap: 'stop' as const, timezone: 'America/New_York', alignLocalTime: true };

/** A copy of an event's fields (sources reuse their objects). */
function fields(e: MarketEvent): unknown[] {
  switch (e.kind) {
    case 'snapshot':
      return [e.kind, e.exchTs, e.localTs, [...e.bidPrices], [...e.bidSizes], [...e.askPrices], [...e.askSizes]];
    case 'delta':
      return [e.kind, e.exchTs, e.localTs, e.side, e.price, e.size, e.last];
    case 'trade':
      return [e.kind, e.exchTs, e.localTs, e.price, e.size, e.takerSide];
    case 'quote':
      return [e.kind, e.exchTs, e.localTs, e.bidPrice, e.bidSize, e.askPrice, e.askSize];
    case 'order':
      return [e.kind, e.exchTs, e.localTs, e.action, e.orderId, e.side, e.price, e.size];
  }
}

/** Walks two sources in lockstep comparing every field of every event; returns the event count. */
function expectSameEvents(a: MarketEventSource, b: MarketEventSource): number {
  let n = 0;
  for (;;) {
    const x = a.next();
    const fx = x && fields(x);
    const y = b.next();
    const fy = y && fields(y);
    if (fx === null || fy === null) {
      expect(fy, `event ${n}: one source ended first`).toEqual(fx);
      return n;
    }
    // toEqual per event is slow over 390k events: compare cheaply, report with toEqual on a mismatch
    if (JSON.stringify(fx) !== JSON.stringify(fy)) expect(fy, `event ${n}`).toEqual(fx);
    n++;
  }
}

function countEvents(open: OpenMarketEvents): number {
  const s = open();
  let n = 0;
  while (s.next()) n++;
  return n;
}

describe('streaming replay on the real BTCUSDT spot tardis files', () => {
  it('yields exactly the in-memory sequence, across many chunk boundaries, from a fresh decode and from the cache', async () => {
    const dir = tempDir();
    const memory = await loadReplay(BTC_FILES, { ...opts, cache: null });
    const n = memory.columns.length;
    const fresh = (await prepareStream(BTC_FILES, { ...opts, cache: { dir } }))!;
    expect(fresh.inputs.map((i) => i.fromCache)).toEqual([false, false, false]);
    expect(fresh.rows).toBe(n);
    expect(fresh.localShiftUs).toBe(memory.localShiftUs);
    expect(fresh.startTs).toBe(memory.columns.localTs[0]);
    expect(fresh.lastTs).toBe(Math.max(memory.columns.localTs[n - 1], memory.columns.exchTs[n - 1]));
    expect(fresh.files).toEqual(memory.files);
    // a small prime chunk puts chunk boundaries inside snapshots and messages
    const events = expectSameEvents(openColumns(memory.columns)(), openCacheRows(fresh.feed, 97)());
    expect(events).toBeGreaterThan(300_000);
    expect(expectSameEvents(openColumnsByExchTime(memory.columns, memory.venueOrder)(), openCacheRows(fresh.venue, 89)())).toBe(events);
    const again = (await prepareStream(BTC_FILES, { ...opts, cache: { dir } }))!;
    expect(again.inputs.map((i) => i.fromCache)).toEqual([true, true, true]);
    expect([again.rows, again.startTs, again.lastTs, again.localShiftUs, again.maxFeedLagUs]).toEqual([fresh.rows, fresh.startTs, fresh.lastTs, fresh.localShiftUs, fresh.maxFeedLagUs]);
    expect(again.files).toEqual(fresh.files);
    const open = openCacheRows(again.feed, 4096);
    expect(expectSameEvents(openColumns(memory.columns)(), open())).toBe(events);
    // two opens of one stream (the simulator's two timelines) give identical sequences, also interleaved
    expect(expectSameEvents(open(), open())).toBe(events);
    expect(countEvents(open)).toBe(events);
  });

  it('keeps the tie rule when the files are listed against it (quotes, book, trades share timestamps)', async () => {
    const files = [BTC_FILES[2], BTC_FILES[0], BTC_FILES[1]];
    const memory = await loadReplay(files, { ...opts, cache: null });
    const s = (await prepareStream(files, { ...opts, cache: { dir: tempDir() } }))!;
    expect(s.lastTs).toBe(Math.max(memory.columns.localTs.at(-1)!, memory.columns.exchTs.at(-1)!));
    expect(expectSameEvents(openColumns(memory.columns)(), openCacheRows(s.feed, 1000)())).toBeGreaterThan(300_000);
    expect(expectSameEvents(openColumnsByExchTime(memory.columns, memory.venueOrder)(), openCacheRows(s.venue, 1000)())).toBeGreaterThan(300_000);
  });

  it('reads the cache entries the in-memory path wrote; a corrupt entry is decoded again and rewritten, with a warning', async () => {
    const dir = tempDir();
    const memory = await loadReplay(BTC_FILES.slice(1), { ...opts, cache: { dir } });
    const s = (await prepareStream(BTC_FILES.slice(1), { ...opts, cache: { dir } }))!;
    expect(s.inputs.map((i) => i.fromCache)).toEqual([true, true]);
    // the trades unit's entry (the quotes unit's stores price2 and size2)
    const path = readdirSync(dir)
      .filter((f) => f.endsWith('.cols'))
      .map((f) => join(dir, f))
      .find((f) => !(openCacheFile(f) as CacheFile).secondValues)!;
    const intact = openCacheFile(path) as CacheFile;
    corruptFile(path);
    expect(openCacheFile(path)).toBe('corrupt');
    // the streamed replay entry holds everything a warm load needs: the damaged unit entry is not read
    const warm = (await prepareStream(BTC_FILES.slice(1), { ...opts, cache: { dir } }))!;
    expect(warm.inputs.map((i) => i.fromCache)).toEqual([true, true]);
    rmSync(join(dir, 'streams'), { recursive: true });
    const warnings: string[] = [];
    const restore = onWarning((w) => warnings.push(w));
    try {
      const again = (await prepareStream(BTC_FILES.slice(1), { ...opts, cache: { dir } }))!;
      expect(again.inputs.map((i) => i.fromCache)).toEqual([false, true]);
      expect(expectSameEvents(openColumns(memory.columns)(), openCacheRows(again.feed)())).toBeGreaterThan(10_000);
    } finally {
      restore();
    }
    expect(warnings).toEqual([expect.stringMatching(/cache entry .* is corrupt \(it fails its checksum\): decoding the data again/)]);
    expect((openCacheFile(path) as CacheFile).stats).toEqual(intact.stats);
  });

  it('keys a LOBSTER pair named by its message file alone the same in memory and streamed: one cache entry', async () => {
    const dir = tempDir();
    const files = [{ path: join(SHARED, 'lobster/AMZN_2012-06-21_34200000_57600000_message_1.csv'), display: 'amzn' }];
    const lobster = { ...opts, units: units(0.01, 1) };
    const memory = await loadReplay(files, { ...lobster, cache: { dir } });
    expect(memory.inputs[0].fromCache).toBe(false);
    const s = (await prepareStream(files, { ...lobster, cache: { dir } }))!;
    expect(s.inputs[0].fromCache).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.cols'))).toHaveLength(1);
    expect(readdirSync(join(dir, 'streams')).sort()).toEqual([expect.stringMatching(/\.feed\.cols$/), expect.stringMatching(/\.venue\.cols$/)]);
    expect(expectSameEvents(openColumns(memory.columns)(), openCacheRows(s.feed, 4096)())).toBeGreaterThan(50_000);
  });

  it('streams a Binance raw capture (clock alignment shift, snapshots) exactly as in memory', async () => {
    const files = [{ path: join(SHARED, 'binance-raw/spot/btcusdt_20240808.gz'), display: 'raw' }];
    const raw = { ...opts, onGap: 'resync' as const };
    const memory = await loadReplay(files, { ...raw, cache: null });
    const s = (await prepareStream(files, { ...raw, cache: { dir: tempDir() } }))!;
    expect(s.localShiftUs).toBe(memory.localShiftUs);
    expect(s.localShiftUs).toBeGreaterThan(0);
    expect(s.startTs).toBe(memory.columns.localTs[0]);
    const events = expectSameEvents(openColumns(memory.columns)(), openCacheRows(s.feed, 53)());
    expect(events).toBeGreaterThan(1000);
    expect(expectSameEvents(openColumnsByExchTime(memory.columns, memory.venueOrder)(), openCacheRows(s.venue, 53)())).toBe(events);
  });
});

describe('a backtest of scenarios/btcusdt-spot-replay.json with streaming on', () => {
  let cacheDir: string;
  beforeAll(() => {
    cacheDir = tempDir();
    process.env.SPREADLAB_CACHE_DIR = cacheDir;
  });
  afterAll(() => {
    delete process.env.SPREADLAB_CACHE_DIR;
  });

  it('writes byte-identical fills.csv and summary.json to streaming off', async () => {
    const out = tempDir();
    const base = join(SCENARIO, '..');
    const off = await runScenario(await loadScenario(SCENARIO), base);
    writeRunFolder(join(out, 'off'), off, []);
    const streamed = await runScenario(await loadScenario(SCENARIO, ['data.stream=true', 'data.chunkRows=1000']), base);
    writeRunFolder(join(out, 'on'), streamed, []);
    expect(off.result.fills.length).toBeGreaterThan(50);
    expect(streamed.result.startTs).toBe(off.result.startTs);
    expect(streamed.result.endTs).toBe(off.result.endTs);
    for (const file of ['fills.csv', 'summary.json']) {
      expect(readFileSync(join(out, 'on', file)).equals(readFileSync(join(out, 'off', file))), file).toBe(true);
    }
    expect(readdirSync(cacheDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses stream without the cache, with a message naming the setting', async () => {
    await expect(runScenario(await loadScenario(SCENARIO, ['data.stream=true', 'data.cache=false']), join(SCENARIO, '..'))).rejects.toThrow(/data\.stream.*data\.cache/);
  });
});

describe('streaming chosen by default by the size of the files', () => {
  /** Files of these sizes (sparse: no disk used), as replay inputs. */
  const filesOf = (...sizes: number[]): ReplayInput[] => {
    const dir = tempDir();
    return sizes.map((size, i) => {
      const path = join(dir, `f${i}.csv.gz`);
      writeFileSync(path, '');
      truncateSync(path, size);
      return { path, display: path };
    });
  };

  it('left out: streamed when the cache is on and the files total AUTO_STREAM_BYTES or more', () => {
    expect(AUTO_STREAM_BYTES).toBe(128 * 2 ** 20);
    expect(streamsReplay({ cache: true }, filesOf(AUTO_STREAM_BYTES))).toBe(true);
    expect(streamsReplay({ cache: true }, filesOf(AUTO_STREAM_BYTES - 1))).toBe(false);
    expect(streamsReplay({ cache: true }, filesOf(AUTO_STREAM_BYTES - 1, 1))).toBe(true); // the files together
    expect(streamsReplay({ cache: false }, filesOf(AUTO_STREAM_BYTES))).toBe(false); // streaming reads the cache
    expect(streamsReplay({ cache: true }, [{ path: join(tempDir(), 'missing.csv.gz'), display: 'missing' }])).toBe(false); // its decode says what is wrong
  });

  it('as the scenario says when it says', () => {
    expect(streamsReplay({ cache: true, stream: false }, filesOf(AUTO_STREAM_BYTES))).toBe(false);
    expect(streamsReplay({ cache: true, stream: true }, filesOf(1))).toBe(true);
  });

  it('the shipped BTCUSDT replay (a few MB) is decoded in memory by default: no streamed entry in the cache', async () => {
    const cacheDir = tempDir();
    process.env.SPREADLAB_CACHE_DIR = cacheDir;
    try {
      const run = await runScenario(await loadScenario(SCENARIO), join(SCENARIO, '..'));
      expect(run.result.marketEvents).toBeGreaterThan(100_000);
      expect(existsSync(join(cacheDir, 'streams'))).toBe(false); // a streamed replay's entry would be made there
    } finally {
      delete process.env.SPREADLAB_CACHE_DIR;
    }
  });
});

describe('streaming memory', () => {
  it('replays an input far larger than its chunks with bounded heap and buffer growth', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const used = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    // a long synthetic market: 1.6 M trades and 0.8 M quotes (plain CSV), 2.4 M rows decoded = 120 MB of columns
    const dir = tempDir();
    const trades = join(dir, 'big_trades.csv');
    const quotes = join(dir, 'big_quotes.csv');
    const N = 1_600_000;
    const t0 = 1_700_000_000_000_000;
    writeCsv(trades, 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount', N, (i) => {
      const ts = t0 + i * 10;
      const cents = 10_000 + (i % 97);
      return `binance,X,${ts},${ts + 3},${i},${i % 3 === 0 ? 'sell' : 'buy'},${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')},${1 + (i % 7)}.5`;
    });
    writeCsv(quotes, 'exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount', N / 2, (i) => {
      const ts = t0 + i * 20;
      const bid = 100 + (i % 89) / 100;
      return `binance,X,${ts},${ts + 3},${2 + (i % 5)},${(bid + 0.01).toFixed(2)},${bid.toFixed(2)},${1 + (i % 3)}`;
    });
    const inputs = [
      { path: trades, display: 'big_trades.csv' },
      { path: quotes, display: 'big_quotes.csv' },
    ];
    const u = { ...opts, units: units(0.01, 0.1), alignLocalTime: false, cache: { dir: join(dir, 'cache') } };

    gc();
    const base = used();
    let peakDecode = 0;
    const sampler = setInterval(() => {
      gc();
      peakDecode = Math.max(peakDecode, used() - base);
    }, 100);
    const s = (await prepareStream(inputs, u))!;
    clearInterval(sampler);
    const decodedBytes = s.rows * 50;
    expect(s.rows).toBe(N + N / 2);
    // the entry's two files: 50 bytes a row (quote rows use price2 and size2)
    expect(statSync(s.feed.path).size).toBeGreaterThan(s.rows * 50);
    expect(statSync(s.venue.path).size).toBeGreaterThan(s.rows * 50);

    gc();
    const before = used();
    let peakReplay = 0;
    // both timelines open at once, as a backtest of a long replay reads them: read ahead by a thread each
    const source = openCacheRows(s.feed, DEFAULT_CHUNK_ROWS, true)();
    const venue = openCacheRows(s.venue, DEFAULT_CHUNK_ROWS, true)();
    let n = 0;
    let lastTs = -Infinity;
    for (let e = source.next(); e; e = source.next()) {
      if (e.localTs < lastTs) throw new Error(`event ${n} out of order`);
      lastTs = e.localTs;
      if (!venue.next()) throw new Error(`the venue timeline ended before event ${n}`);
      if (++n % 200_000 === 0) {
        gc();
        peakReplay = Math.max(peakReplay, used() - before);
      }
    }
    expect(n).toBe(s.rows);
    const mb = (x: number) => `${(x / 2 ** 20).toFixed(1)} MB`;
    console.log(`streaming memory: ${s.rows} rows (${mb(decodedBytes)} decoded); peak growth decoding ${mb(peakDecode)}, replaying ${mb(peakReplay)}`);
    // two timelines, each read ahead (read-ahead.ts) in READ_AHEAD_SLOTS chunks of 65536 rows × 50 bytes: 19.7 MB while replaying
    expect(peakReplay).toBeLessThan(2 * READ_AHEAD_SLOTS * 65_536 * 50 + 4 * 2 ** 20);
    expect(peakDecode).toBeLessThan(decodedBytes / 3);
  }, 180_000); // a cold streamed load of 2.4 M rows: decode, merge, and the streamed replay entry written (two passes)
});

function writeCsv(path: string, header: string, rows: number, row: (i: number) => string): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, `${header}\n`);
    for (let start = 0; start < rows; start += 50_000) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(rows, start + 50_000); i++) lines.push(row(i));
      writeSync(fd, `${lines.join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
}
