import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpreadlabError } from '../../../src/core/errors.ts';
import { FLAG_ASK, FLAG_LAST, FLAG_SNAPSHOT_START, Kind, openColumns } from '../../../src/data/columns.ts';
import { ProblemLog } from '../../../src/data/problems.ts';
import { bookSnapshotHeader, readTardisFile, TARDIS_HEADERS, tardisEstimate } from '../../../src/data/tardis/reader.ts';
import { contentSample, gzipContentBytes } from '../../../src/data/input.ts';
import { bookStates, BTC_TARDIS, SHARED, tempDir, units, writeTemp } from '../helpers.ts';

const L2 = 'exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount';
const u = units(0.01, 0.001);
const read = (text: string, mode: 'stop' | 'skip' = 'stop', name = 'book.csv') => {
  const problems = new ProblemLog(mode);
  return readTardisFile(writeTemp(name, text), { units: u, problems, display: name }).then((r) => ({ ...r, problems }));
};

describe('tardis incremental_book_L2', () => {
  const dir = tempDir();
  const text = [
    L2,
    'x,S,90,100,true,bid,99.00,1.5',
    'x,S,90,100,true,ask,101.00,2',
    'x,S,95,105,false,bid,99.50,1',
    'x,S,95,105,false,bid,99.00,0',
    'x,S,96,106,false,ask,100.00,3',
    'x,S,97,110,true,bid,98.00,1',
    'x,S,97,110,true,ask,98.50,1',
    '',
  ].join('\n');

  it('groups rows by local_timestamp into messages, marks the last delta, and a later snapshot resets', async () => {
    const { columns: c, format, symbol, exchange } = await read(text);
    expect([format, symbol, exchange]).toEqual(['tardis incremental_book_L2', 'S', 'x']);
    expect(Array.from(c.kind)).toEqual([Kind.SNAPSHOT, Kind.SNAPSHOT, Kind.DELTA, Kind.DELTA, Kind.DELTA, Kind.SNAPSHOT, Kind.SNAPSHOT]);
    // FLAG_LAST ends every message, a snapshot-only one too
    expect(Array.from(c.flags)).toEqual([FLAG_SNAPSHOT_START, FLAG_ASK | FLAG_LAST, 0, FLAG_LAST, FLAG_ASK | FLAG_LAST, FLAG_SNAPSHOT_START, FLAG_ASK | FLAG_LAST]);
    expect(Array.from(c.price)).toEqual([9900, 10100, 9950, 9900, 10000, 9800, 9850]);
    expect(Array.from(c.size)).toEqual([1500, 2000, 1000, 0, 3000, 1000, 1000]);
    expect(Array.from(c.exchTs)).toEqual([90, 90, 95, 95, 96, 97, 97]);
    const states = bookStates(c);
    expect(states.map((s) => [s.bestBid, s.bestAsk])).toEqual([
      [9900, 10100],
      [9950, 10100],
      [9950, 10000],
      [9800, 9850],
    ]);
    // the events a replay sees: the snapshot replaces the book
    const src = openColumns(c)();
    const first = src.next();
    expect(first).toMatchObject({ kind: 'snapshot', bidPrices: [9900], askPrices: [10100] });
  });

  it('reads .gz the same as plain text', async () => {
    const plain = await read(text);
    const gz = await read(text, 'stop', 'book.csv.gz');
    expect(Array.from(gz.columns.price)).toEqual(Array.from(plain.columns.price));
  });

  it('rejects a delta before any snapshot, or drops it under skip (tardis rule)', async () => {
    const early = [L2, 'x,S,1,5,false,bid,99.00,1', 'x,S,2,6,true,bid,99.00,1', 'x,S,2,6,true,ask,99.10,1'].join('\n');
    await expect(read(early)).rejects.toThrow(/book\.csv:2: delta before any snapshot/);
    const r = await read(early, 'skip');
    expect(r.columns.length).toBe(2);
    expect(r.problems.count).toBe(1);
  });

  it('checks the book only between messages', async () => {
    // crossed inside the message at 6, sound after it
    const ok = [L2, 'x,S,1,5,true,bid,99.00,1', 'x,S,1,5,true,ask,99.10,1', 'x,S,2,6,false,bid,99.20,1', 'x,S,2,6,false,ask,99.10,0', 'x,S,2,6,false,ask,99.30,1'].join('\n');
    await expect(read(ok)).resolves.toBeTruthy();
    const crossed = [L2, 'x,S,1,5,true,bid,99.00,1', 'x,S,1,5,true,ask,99.10,1', 'x,S,2,6,false,bid,99.20,1', 'x,S,3,7,false,bid,98.00,1'].join('\n');
    await expect(read(crossed)).rejects.toThrow(/book\.csv:4: book crossed after the message at local_timestamp 6: best bid 99\.20 >= best ask 99\.10/);
  });

  it('names file, line, column, value and expectation for bad fields', async () => {
    const bad = (row: string) => read([L2, 'x,S,1,5,true,bid,99.00,1', row].join('\n'));
    await expect(bad('x,S,2,6,false,bid,99.005,1')).rejects.toThrow('book.csv:3:19: price "99.005": expected a whole number of tickSize 0.01');
    await expect(bad('x,S,2,6,false,bid,abc,1')).rejects.toThrow('book.csv:3:19: price "abc": expected a decimal number');
    await expect(bad('x,S,2,6,false,bid,99.00,-1')).rejects.toThrow('book.csv:3:25: amount "-1": expected a non-negative number');
    await expect(bad('x,S,2,4,false,bid,99.00,1')).rejects.toThrow('book.csv:3:7: local_timestamp "4": went backwards: expected >= 5');
    await expect(bad('x,S,2,6,false,bid,99.00')).rejects.toThrow('book.csv:3:1: wrong column count: got 7, expected 8');
    await expect(bad('x,S,2,6,maybe,bid,99.00,1')).rejects.toThrow('book.csv:3:9: is_snapshot "maybe": expected true or false');
    await expect(bad('x,T,2,6,false,bid,99.00,1')).rejects.toThrow('book.csv:3:3: symbol "T": expected S (one symbol per file)');
    await expect(read('a,b,c\n1,2,3\n')).rejects.toThrow(/book\.csv:1:1: unrecognised header "a,b,c"/);
  });

  it('reads each row on its one-pass path exactly as by the rules: the same columns and the same problems', async () => {
    // Rows after the first that start with the first row's `exchange,symbol,` take the one-pass path; the same
    // rows under another exchange name of the same length (not checked) take the general path, the reference.
    const field = (plain: string[], odd: string[]) => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...plain) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });
    const price = field(['99.00', '99.5', '100', '100.50', '0099.10', '98.'], ['1e2', '9.95e1', '-1', '99.001', '99.0000000', '12345678901234567890', '', '0', '0.00', '1.2.3', '+1', '-0', '.5', '99,0', ' 99']);
    const amount = field(['1', '0', '0.5', '2.000', '10', '007'], ['1e-3', '0.0001', '-0', '-1', '', '1.', '.', 'x', '9007199254740.993', '1,5']);
    const row = fc.record({
      symbol: field(['S'], ['T', 'SS', '']),
      dt: fc.constantFrom(0, 0, 0, 1, 3, -1),
      exchTsOffset: field(['-5', '0', '2'], ['', 'x', '+1', '99999999999999', '-99999999999999999999']),
      snap: field(['true', 'false'], ['txxe', 'fals', 'True', '', 'false ']),
      side: field(['bid', 'ask'], ['bidx', 'BID', 'ak', '']),
      price,
      amount,
      ending: field(['', '', '', '\r'], [',', ',1', '\r\r']),
      again: fc.boolean(),
    });
    const scale = fc.constantFrom([0.01, 0.001], [0.5, 0.5], [0.5, 10]);
    await fc.assert(
      fc.asyncProperty(scale, fc.array(row, { maxLength: 30 }), async ([tick, lot], rows) => {
        const lines = (exchange: string) => {
          let lts = 100;
          const out = ['binance,S,90,100,true,bid,99.00,1'];
          for (const r of rows) {
            lts += r.dt;
            const ts = /^-?\d+$/.test(r.exchTsOffset) ? String(lts + Number(r.exchTsOffset)) : r.exchTsOffset;
            const line = `${exchange},${r.symbol},${ts},${lts},${r.snap},${r.side},${r.price},${r.amount}${r.ending}`;
            out.push(line);
            if (r.again) out.push(line);
          }
          return [L2, ...out, ''].join('\n');
        };
        const decode = async (exchange: string) => {
          const problems = new ProblemLog('collect');
          const r = await readTardisFile(writeTemp('book.csv', lines(exchange), dir), { units: units(tick, lot), problems, display: 'book.csv' });
          return { columns: r.columns, lines: r.lines, problems: problems.list };
        };
        const [onePass, general] = [await decode('binance'), await decode('BINANCE')];
        expect(onePass).toEqual(general);
      }),
      { numRuns: 150 },
    );
  });

  it('skips bad rows and keeps going under skip', async () => {
    const r = await read([L2, 'x,S,1,5,true,bid,99.00,1', 'x,S,2,6,false,bid,9x,1', 'x,S,3,7,false,bid,98.00,1'].join('\n'), 'skip');
    expect(r.problems.list.map((p) => p.line)).toEqual([3]);
    expect(r.columns.length).toBe(2);
  });
});

describe('tardis trades, quotes and book snapshots', () => {
  it('reads trades with the taker side and drops unknown sides', async () => {
    const name = 'trades.csv';
    const path = writeTemp(name, ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount', 'x,S,1,2,a1,buy,100.01,0.5', 'x,S,1,3,a2,sell,100.00,1', 'x,S,1,4,a3,unknown,100.00,1'].join('\n'));
    const r = await readTardisFile(path, { units: u, problems: new ProblemLog(), display: name });
    expect(Array.from(r.columns.kind)).toEqual([Kind.TRADE, Kind.TRADE]);
    expect(Array.from(r.columns.flags)).toEqual([0, FLAG_ASK]);
    expect(r.dropped).toBe(1);
    const src = openColumns(r.columns)();
    expect(src.next()).toMatchObject({ kind: 'trade', takerSide: 'buy', price: 10001, size: 500 });
    expect(src.next()).toMatchObject({ kind: 'trade', takerSide: 'sell', price: 10000, size: 1000 });
  });

  it('reads quotes, an empty side is NaN price and size 0', async () => {
    const name = 'quotes.csv';
    const path = writeTemp(name, ['exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount', 'x,S,1,2,2,100.02,100.01,1', 'x,S,1,3,,,100.01,1'].join('\n'));
    const r = await readTardisFile(path, { units: u, problems: new ProblemLog(), display: name });
    const src = openColumns(r.columns)();
    expect({ ...src.next() }).toEqual({ kind: 'quote', exchTs: 1, localTs: 2, bidPrice: 10001, bidSize: 1000, askPrice: 10002, askSize: 2000 });
    expect(src.next()).toMatchObject({ bidPrice: 10001, askPrice: NaN, askSize: 0 });
  });

  it('reads the binance-futures book_snapshot_25 sample: each row replaces the book', async () => {
    const path = join(SHARED, 'format-samples/binance-futures_book_snapshot_25_BTCUSDT.csv');
    const r = await readTardisFile(path, { units: units(0.01, 0.001), problems: new ProblemLog(), display: 'snap' });
    expect(r.format).toBe('tardis book_snapshot_25');
    const src = openColumns(r.columns)();
    const first = src.next();
    expect(first).toMatchObject({ kind: 'snapshot', bidPrices: expect.arrayContaining([1165707]), askPrices: expect.arrayContaining([1165708]) });
    if (first?.kind !== 'snapshot') throw new Error('expected a snapshot');
    expect(first.bidPrices.length).toBe(25);
    expect(first.askPrices.slice(0, 3)).toEqual([1165708, 1165754, 1165756]);
    expect(first.bidSizes[0]).toBe(10896);
    let snapshots = 1;
    while (src.next()) snapshots++;
    expect(snapshots).toBe(r.lines);
  });

  it('reads the deribit incremental sample at tick 0.5 and lot 10', async () => {
    const path = join(SHARED, 'format-samples/deribit_incremental_book_L2_BTC-PERPETUAL.csv');
    const r = await readTardisFile(path, { units: units(0.5, 10), problems: new ProblemLog(), display: 'deribit' });
    expect(r.symbol).toBe('BTC-PERPETUAL');
    expect(r.columns.price[0]).toBe(12843);
    expect(r.columns.size[0]).toBe(1864);
    await expect(readTardisFile(path, { units: units(1, 10), problems: new ProblemLog(), display: 'deribit' })).rejects.toThrow(SpreadlabError);
  });
});

describe('tardisEstimate: the rows a file decodes to, estimated from its start (sizes the cache entry written in place)', () => {
  it('at least the rows, and not far more, on the real files and the book_snapshot_25 sample; quotes use price2/size2', async () => {
    const files = [`${BTC_TARDIS}incremental_book_L2.csv.gz`, `${BTC_TARDIS}trades.csv.gz`, `${BTC_TARDIS}quotes.csv.gz`, join(SHARED, 'format-samples/binance-futures_book_snapshot_25_BTCUSDT.csv')];
    for (const path of files) {
      const rows = (await readTardisFile(path, { units: units(0.01, 0.000001), problems: new ProblemLog(), display: path })).columns.length;
      const estimate = tardisEstimate(path)!;
      expect(estimate.rowsAtMost, path).toBeGreaterThanOrEqual(rows);
      expect(estimate.rowsAtMost, path).toBeLessThanOrEqual(rows * 1.15 + 2048);
      expect(estimate.secondValues, path).toBe(path.includes('quotes'));
    }
  });

  it('counts the levels snapshot lines hold, and passes over empty lines', () => {
    const dir = tempDir();
    const header = bookSnapshotHeader(25);
    const line = (i: number) => `binance-futures,BTCUSDT,${1e15 + i},${1e15 + i + 5},101,1,99,2,102,1,98,2${',,,,'.repeat(23)}`; // 2 levels a side of 25
    const lines = Array.from({ length: 20_000 }, (_, i) => line(i));
    const twoLevels = writeTemp('x_book_snapshot_25.csv', `${header}\n${lines.join('\n')}\n`, dir);
    expect(tardisEstimate(twoLevels)!.rowsAtMost).toBeLessThanOrEqual(80_000 * 1.15 + 2048);
    const blanks = writeTemp('y_book_snapshot_25.csv', `${header}\n${'\n'.repeat(1_000_000)}${lines.slice(0, 10).join('\n')}\n`, dir);
    expect(tardisEstimate(blanks)!.rowsAtMost).toBeLessThan(50_000); // 40 rows; counting the empty lines as lines of 50 rows gave 50 M
  });

  it('nothing to go on: an empty file, a header alone, or a start that gunzips to more than 1 MiB (a bomb, refused in bounded memory)', () => {
    const dir = tempDir();
    expect(tardisEstimate(writeTemp('e_trades.csv', '', dir))).toBeNull();
    expect(tardisEstimate(writeTemp('h_trades.csv', `${TARDIS_HEADERS.trades}\n`, dir))).toBeNull();
    const bomb = join(dir, 'b_trades.csv.gz');
    writeFileSync(bomb, gzipSync(Buffer.concat([Buffer.from(`${TARDIS_HEADERS.trades}\n`), Buffer.alloc(20 << 20, 10)])));
    expect(tardisEstimate(bomb)).toBeNull();
  });

  it("samples a gzip file's first 64 KiB (at most 1 MiB of content, not the 13 MB its first MiB holds), and still knows its whole size", () => {
    const path = `${BTC_TARDIS}incremental_book_L2.csv.gz`; // 1.7 MB, 21 MB of content
    const content = gunzipSync(readFileSync(path));
    const { bytes, sample } = contentSample(path);
    expect(bytes).toBe(content.length);
    expect(sample.length).toBeGreaterThan(100_000);
    expect(sample.length).toBeLessThanOrEqual(1 << 20);
    expect(content.subarray(0, sample.length).equals(sample)).toBe(true);
  });

  it("a gzip file's content size: its ISIZE taken with the multiple of 4 GiB that brings it nearest the estimate", () => {
    expect(gzipContentBytes(253_496_887, 2.4e8)).toBe(253_496_887);
    expect(gzipContentBytes(996_113_915, 5.1e9)).toBe(996_113_915 + 2 ** 32); // a day's book file of 5.3 GB
    expect(gzipContentBytes(996_113_915, 3.2e9)).toBe(996_113_915 + 2 ** 32);
    expect(gzipContentBytes(4e9, 1e9)).toBe(4e9); // never below the ISIZE
  });
});
