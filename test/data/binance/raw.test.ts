import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBinanceRaw } from '../../../src/data/binance/raw.ts';
import { ProblemLog } from '../../../src/data/problems.ts';
import { readTardisFile } from '../../../src/data/tardis/reader.ts';
import { BTC_TARDIS, bookStates, countKinds, forEachMessage, SHARED, units, writeTemp } from '../helpers.ts';

const spot = (name: string) => ({ path: join(SHARED, 'binance-raw/spot', name), display: name });

describe('Binance spot raw capture = its tardis conversion', () => {
  it('replays to the same book after every message (both days, sync carried across files)', async () => {
    const u = units(0.01, 0.000001);
    const raw = await readBinanceRaw([spot('btcusdt_20240808.gz'), spot('btcusdt_20240809.gz')], { units: u, problems: new ProblemLog(), onGap: 'stop' });
    const tardis = await readTardisFile(`${BTC_TARDIS}incremental_book_L2.csv.gz`, { units: u, problems: new ProblemLog(), display: 'l2' });
    expect(raw.format).toBe('binance-raw spot');
    expect(raw.symbol).toBe('BTCUSDT');
    expect(raw.gaps).toBe(0);
    const a = bookStates(raw.columns);
    const b = bookStates(tardis.columns);
    expect(a.length).toBe(6493); // 3,451 + 3,042 depth diffs, the first merged with the snapshot
    expect(a.length).toBe(b.length);
    let differ = 0;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const y = b[i];
      const same = x.hash === y.hash && x.bids === y.bids && x.asks === y.asks && x.bestBid === y.bestBid && x.bestAsk === y.bestAsk && x.exchTs === y.exchTs;
      // the first message (snapshot + first diff) is stamped when the snapshot arrived, not at the first diff
      const sameTime = i === 0 ? x.localTs >= y.localTs : x.localTs === y.localTs;
      if (!(same && sameTime) && differ++ < 3) expect.soft({ message: i, raw: x, tardis: y }).toBeUndefined();
    }
    expect(differ).toBe(0);
    // full level-by-level comparison at a sample of messages
    const full = (c: typeof raw.columns, at: Set<number>) => {
      const out: string[] = [];
      let i = 0;
      forEachMessage(c, (_s, book) => {
        if (at.has(i++)) out.push(JSON.stringify([[...book.bids].sort((p, q) => p[0] - q[0]), [...book.asks].sort((p, q) => p[0] - q[0])]));
      });
      return out;
    };
    const sample = new Set([0, 1, 2, 1000, 3450, 3451, a.length - 1]);
    expect(full(raw.columns, sample)).toEqual(full(tardis.columns, sample));
    // trades and quotes are kept too, also the 1 trade and 3 bookTickers the conversion dropped before the sync
    expect(countKinds(raw.columns)).toMatchObject({ trade: 19_903 + 1, quote: 73_171 + 3 });
  });
});

describe('Binance USD-M futures raw capture', () => {
  it('our best bid/ask and sizes equal every bookTicker that carries a depth diff’s update id', async () => {
    const u = units(0.1, 0.001);
    const depthAfter = new Map<number, number>(); // u → rows after that depth message
    const tickers: { u: number; rows: number }[] = [];
    const raw = await readBinanceRaw([{ path: join(SHARED, 'binance-raw/usdm/btcusdt_20240808.gz'), display: 'usdm' }], {
      units: u,
      problems: new ProblemLog(),
      onGap: 'stop',
      onMessage: (m) => {
        if (m.type === 'depth' || m.type === 'sync') depthAfter.set(m.u, m.rows);
        if (m.type === 'bookTicker') tickers.push({ u: m.u, rows: m.rows });
      },
    });
    expect(raw.format).toBe('binance-raw futures');
    const c = raw.columns;
    const stateAt = new Map<number, { bb: number; ba: number; bbs: number; bas: number }>();
    forEachMessage(c, (s) => stateAt.set(s.row, { bb: s.bestBid, ba: s.bestAsk, bbs: s.bestBidSize, bas: s.bestAskSize }));
    let checked = 0;
    let wrong = 0;
    for (const t of tickers) {
      const rows = depthAfter.get(t.u);
      if (rows === undefined) continue;
      const s = stateAt.get(rows);
      const q = t.rows - 1; // the quote row
      expect(s).toBeDefined();
      if (!s) continue;
      checked++;
      if (!(s.bb === c.price[q] && s.bbs === c.size[q] && s.ba === c.price2[q] && s.bas === c.size2[q])) {
        if (wrong++ < 3) expect.soft({ u: t.u, book: s, ticker: [c.price[q], c.size[q], c.price2[q], c.size2[q]] }).toBeUndefined();
      }
    }
    expect(checked).toBeGreaterThan(600);
    expect(wrong).toBe(0);
  });

  it('COIN-M syncs without gaps', async () => {
    const r = await readBinanceRaw([{ path: join(SHARED, 'binance-raw/cm/btcusd_perp_20240808.gz'), display: 'cm' }], { units: units(0.1, 1), problems: new ProblemLog(), onGap: 'stop' });
    expect(r.gaps).toBe(0);
    expect(bookStates(r.columns).length).toBeGreaterThan(1000);
  });
});

describe('Binance sync rules and gaps (hand-made captures)', () => {
  const u = units(0.01, 0.001);
  const diff = (ns: number, U: number, last: number, b: string[][], a: string[][]) => `${ns} ${JSON.stringify({ stream: 's@depth', data: { e: 'depthUpdate', E: ns / 1e6, s: 'S', U, u: last, b, a } })}`;
  const snap = (ns: number, id: number) => `${ns} ${JSON.stringify({ lastUpdateId: id, bids: [['10.00', '1']], asks: [['10.10', '1']] })}`;
  const lines = [
    diff(1_000_000, 1, 5, [['9.00', '1']], []), // dropped: u <= lastUpdateId
    diff(2_000_000, 6, 8, [['10.00', '2']], []), // first applied: U <= 7 <= u
    snap(3_000_000, 6),
    diff(4_000_000, 9, 9, [], [['10.20', '3']]),
    diff(5_000_000, 11, 12, [['9.90', '1']], []), // gap: expected U=10
    diff(6_000_000, 13, 13, [['9.80', '1']], []),
    snap(7_000_000, 13),
    diff(8_000_000, 14, 14, [['9.70', '1']], []),
  ];
  const file = () => ({ path: writeTemp('cap.txt', lines.join('\n')), display: 'cap.txt' });

  it('stops at a sequence gap with the line and what was expected', async () => {
    await expect(readBinanceRaw([file()], { units: u, problems: new ProblemLog(), onGap: 'stop' })).rejects.toThrow('cap.txt:5: sequence gap in depth diffs: got U=11, expected U=10 (previous u + 1)');
  });

  it('resyncs at the next snapshot: buffered diff applied at the snapshot’s arrival; the book is cleared at the gap', async () => {
    const r = await readBinanceRaw([file()], { units: u, problems: new ProblemLog(), onGap: 'resync' });
    expect(r.gaps).toBe(1);
    const states = bookStates(r.columns);
    expect(states.map((s) => [s.localTs, s.bestBid, s.bestAsk, s.bids, s.asks])).toEqual([
      [3000, 1000, 1010, 1, 1], // snapshot + diff 6..8 at the snapshot's arrival (3 ms)
      [4000, 1000, 1010, 1, 2],
      [5000, NaN, NaN, 0, 0], // gap: every level deleted
      // the next snapshot (13, at 7 ms) covers every buffered diff, so it waits for diff 14 (8 ms)
      [8000, 1000, 1010, 2, 1],
    ]);
  });

  it('keeps only the latest maxBufferedDiffs diffs waiting for a snapshot', async () => {
    // five diffs 1..5 before any snapshot, two kept: 4 and 5
    const early = [1, 2, 3, 4, 5].map((id) => diff(id * 1_000_000, id, id, [['9.00', String(id)]], []));
    const read = (lastUpdateId: number) =>
      readBinanceRaw([{ path: writeTemp('cap.txt', [...early, snap(6_000_000, lastUpdateId)].join('\n')), display: 'cap.txt' }], { units: u, problems: new ProblemLog(), onGap: 'stop', maxBufferedDiffs: 2 });
    // lastUpdateId 3: diff 4 is the first to apply
    const levels: [number, number][] = [];
    forEachMessage((await read(3)).columns, (s, book) => levels.push([s.localTs, book.bids.get(900) ?? 0]));
    expect(levels).toEqual([[6000, 5000]]); // one sync message at the snapshot; 9.00 holds diff 5's size
    // lastUpdateId 2 needs diff 3, which was forgotten
    await expect(read(2)).rejects.toThrow('cap.txt:6: depth snapshot lastUpdateId=2 is older than the buffered diffs (first has U=4, u=4; expected U <= 3 <= u)');
  });
});
