import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MarketUnits } from '../../src/core/market.ts';
import { readBinanceRaw } from '../../src/data/binance/raw.ts';
import { openColumns } from '../../src/data/columns.ts';
import { ProblemLog } from '../../src/data/problems.ts';
import type { BookUpdate } from '../../src/live/feed.ts';
import { RawRecorder } from '../../src/live/record.ts';

const units = new MarketUnits({ symbol: 'BTCUSDT', tickSize: 0.1, lotSize: 0.001, makerFeeBps: 0, takerFeeBps: 0 });

/** A seeded sequence of full book states (decimals), with one jump to a wholly different book (a reconnect). */
function states(count: number): BookUpdate[] {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out: BookUpdate[] = [];
  for (let i = 0; i < count; i++) {
    const mid = i === Math.floor(count / 2) ? 61_000 : 60_000 + Math.round(rand() * 20 - 10) / 10;
    const level = (k: number, side: 1 | -1) => [
      Number((mid + side * (k + 1) * 0.1).toFixed(1)),
      Number((0.001 * (1 + Math.floor(rand() * 50))).toFixed(3)),
    ];
    const n = 3 + Math.floor(rand() * 5);
    const ts = 1_700_000_000_000_000 + i * 100_000;
    out.push({
      exchTs: ts,
      localTs: ts + 1_000,
      bids: Array.from({ length: n }, (_, k) => level(k, -1)),
      asks: Array.from({ length: n }, (_, k) => level(k, 1)),
    });
  }
  return out;
}

const key = (m: Map<number, number>) => JSON.stringify([...m.entries()].sort((a, b) => a[0] - b[0]));

describe('record: live book states → Binance raw capture → replay reader', () => {
  it('the replayed book equals every recorded state, through a jump to an unrelated book; trades keep their side', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'record-')), 'm.raw.gz');
    const recorder = new RawRecorder(file, units, 'BTCUSDT');
    const input = states(60);
    for (const [i, s] of input.entries()) {
      recorder.book(s);
      if (i % 10 === 5)
        recorder.trade({
          exchTs: s.exchTs + 10,
          localTs: s.localTs + 10,
          id: String(i),
          price: 60_000.1,
          size: 0.002,
          takerSide: i % 20 === 5 ? 'sell' : 'buy',
        });
    }
    await recorder.close();
    const decoded = await readBinanceRaw([{ path: file, display: 'm.raw.gz' }], { units, problems: new ProblemLog('stop'), onGap: 'stop' });
    expect(decoded.gaps).toBe(0);
    expect(decoded.format).toBe('binance-raw futures');

    const expected = input.map((s) => {
      const side = (levels: BookUpdate['bids']) =>
        new Map(Array.from(levels, (l) => [units.roundToTick(l[0]!), Math.round(l[1]! / units.spec.lotSize)] as [number, number]));
      return key(side(s.bids)) + key(side(s.asks));
    });
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    const seen: string[] = [];
    const trades: string[] = [];
    const source = openColumns(decoded.columns)();
    const set = (m: Map<number, number>, p: number, q: number) => (q === 0 ? m.delete(p) : m.set(p, q));
    for (let e = source.next(); e; e = source.next()) {
      if (e.kind === 'snapshot') {
        bids.clear();
        asks.clear();
        e.bidPrices.forEach((p, i) => bids.set(p, e.bidSizes[i]));
        e.askPrices.forEach((p, i) => asks.set(p, e.askSizes[i]));
        seen.push(key(bids) + key(asks)); // the first state (the empty diff that follows it has no rows)
      } else if (e.kind === 'delta') {
        set(e.side === 'bid' ? bids : asks, e.price, e.size);
        if (e.last) seen.push(key(bids) + key(asks));
      } else if (e.kind === 'trade') trades.push(`${e.takerSide}@${units.price(e.price)}x${units.size(e.size)}`);
    }
    // Every state that changed the book appears once, in order (a state equal to its predecessor writes nothing).
    const changed = expected.filter((s, i) => i === 0 || s !== expected[i - 1]);
    expect(seen).toEqual(changed);
    expect(trades).toEqual([
      'sell@60000.1x0.002',
      'buy@60000.1x0.002',
      'sell@60000.1x0.002',
      'buy@60000.1x0.002',
      'sell@60000.1x0.002',
      'buy@60000.1x0.002',
    ]);
  });
});
