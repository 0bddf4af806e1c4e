import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBinanceRaw } from '../../src/data/binance/raw.ts';
import { writeTardis } from '../../src/data/convert.ts';
import { datasetUrl, fetchTardis } from '../../src/data/fetch.ts';
import { ProblemLog } from '../../src/data/problems.ts';
import { readTardisFile } from '../../src/data/tardis/reader.ts';
import { BTC_TARDIS, bookStates, SHARED, tempDir, units } from './helpers.ts';

describe('data convert --to tardis', () => {
  it('Binance raw → tardis CSV.gz → read back: the same book after every message, the same trades', async () => {
    const u = units(0.01, 0.000001);
    const raw = await readBinanceRaw([{ path: join(SHARED, 'binance-raw/spot/btcusdt_20240808.gz'), display: 'raw' }], { units: u, problems: new ProblemLog(), onGap: 'stop' });
    const dir = tempDir();
    const files = await writeTardis(raw.columns, { dir, prefix: 'binance_BTCUSDT', exchange: 'binance', symbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.000001 });
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['binance_BTCUSDT_incremental_book_L2.csv.gz', 'binance_BTCUSDT_trades.csv.gz', 'binance_BTCUSDT_quotes.csv.gz']);
    const back = await readTardisFile(files[0], { units: u, problems: new ProblemLog(), display: 'l2' });
    const a = bookStates(raw.columns);
    const b = bookStates(back.columns);
    expect(b.length).toBe(a.length);
    expect(b.map((s) => [s.hash, s.localTs, s.exchTs])).toEqual(a.map((s) => [s.hash, s.localTs, s.exchTs]));
    const trades = await readTardisFile(files[1], { units: u, problems: new ProblemLog(), display: 'trades' });
    const rawTrades = [...raw.columns.kind.keys()].filter((i) => raw.columns.kind[i] === 2);
    expect(Array.from(trades.columns.price)).toEqual(rawTrades.map((i) => raw.columns.price[i]));
    expect(Array.from(trades.columns.flags)).toEqual(rawTrades.map((i) => raw.columns.flags[i]));
  });
});

describe('data fetch tardis (local server on 127.0.0.1)', () => {
  const source = `${BTC_TARDIS}trades.csv.gz`;
  const body = readFileSync(source);
  let server: Server;
  let base = '';
  const requests: { url: string; range?: string }[] = [];
  let cutNext = false;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push({ url: req.url ?? '', range: req.headers.range });
      if (req.url !== '/v1/binance/trades/2024/08/01/BTCUSDT.csv.gz') {
        res.writeHead(req.headers.authorization ? 404 : 401).end();
        return;
      }
      const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(m ? 206 : 200, { 'content-length': body.length - start, ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
      if (cutNext) {
        cutNext = false;
        res.write(body.subarray(start, start + 50_000), () => res.socket?.end()); // a graceful cut: the bytes sent arrive
        return;
      }
      res.end(body.subarray(start));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const opts = (outDir: string) => ({ baseUrl: base, exchange: 'binance', symbol: 'BTCUSDT', date: '2024-08-01', types: ['trades'], outDir });

  it('builds tardis.dev dataset URLs', () => {
    expect(datasetUrl('https://datasets.tardis.dev/v1', 'binance-futures', 'incremental_book_L2', '2024-08-01', 'BTCUSDT')).toBe('https://datasets.tardis.dev/v1/binance-futures/incremental_book_L2/2024/08/01/BTCUSDT.csv.gz');
  });

  it('downloads, verifies size and gzip, and does not download a finished file again', async () => {
    const dir = tempDir();
    const progress: number[] = [];
    const [f] = await fetchTardis({ ...opts(dir), onProgress: (_f, received) => progress.push(received) });
    expect(f.status).toBe('downloaded');
    expect(f.path).toBe(join(dir, 'binance_trades_2024-08-01_BTCUSDT.csv.gz'));
    expect(readFileSync(f.path).equals(body)).toBe(true);
    expect(progress[progress.length - 1]).toBe(body.length);
    const again = await fetchTardis(opts(dir));
    expect(again[0].status).toBe('present');
    expect(again[0].sha256).toBe(f.sha256);
    expect(f.sha256).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('resumes an interrupted download with a Range request', async () => {
    const dir = tempDir();
    cutNext = true;
    const cut = await fetchTardis(opts(dir)).catch((e: Error) => e);
    expect(String(cut)).toMatch(/run again to resume/);
    const part = join(dir, 'binance_trades_2024-08-01_BTCUSDT.csv.gz.part');
    expect(statSync(part).size, String(cut)).toBe(50_000);
    requests.length = 0;
    const [f] = await fetchTardis(opts(dir));
    expect(f.status).toBe('resumed');
    expect(requests).toEqual([{ url: '/v1/binance/trades/2024/08/01/BTCUSDT.csv.gz', range: 'bytes=50000-' }]);
    expect(readFileSync(f.path).equals(body)).toBe(true);
    expect(existsSync(part)).toBe(false);
  });

  it('refuses a corrupt part instead of keeping it', async () => {
    const dir = tempDir();
    const part = join(dir, 'binance_trades_2024-08-01_BTCUSDT.csv.gz.part');
    const bad = Buffer.from(body);
    bad[1000] ^= 0xff;
    writeFileSync(part, bad.subarray(0, 100_000));
    await expect(fetchTardis(opts(dir))).rejects.toThrow(/not a complete gzip file/);
    expect(statSync(part).size).toBe(0);
    expect((await fetchTardis(opts(dir)))[0].status).toBe('downloaded');
  });

  it('explains HTTP errors: no key for a paid day, no such dataset', async () => {
    const dir = tempDir();
    await expect(fetchTardis({ ...opts(dir), date: '2024-08-02' })).rejects.toThrow(/HTTP 401 \(tardis.dev serves the first day of each month without a key; set TARDIS_API_KEY/);
    await expect(fetchTardis({ ...opts(dir), date: '2024-08-02', apiKey: 'k' })).rejects.toThrow(/HTTP 404 \(no such exchange, data type, symbol or date\)/);
    await expect(fetchTardis({ ...opts(dir), date: '2024-8-1' })).rejects.toThrow('--date "2024-8-1": expected YYYY-MM-DD');
  });
});
