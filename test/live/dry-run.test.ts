import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MarketUnits } from '../../src/core/market.ts';

import { DryRunVenue } from '../../src/live/dry-run-venue.ts';
import { runLive } from '../../src/live/live-run.ts';
import { EventLog, RunTape } from '../../src/live/tape.ts';
import { finalStatus } from '../../src/sim/order-log.ts';
import { loadStrategyModule } from '../../src/strategy/resolve.ts';
import type { Seen } from '../fixtures/strategies/listen-hooks.ts';
import { FakeFeed, stopWhen } from './fake-feed.ts';
import { testLiveConfig } from './paper-run.ts';

const LISTEN_HOOKS = resolve('test/fixtures/strategies/listen-hooks.ts');

function config() {
  return testLiveConfig({ name: 'dry-hooks', strategy: { module: LISTEN_HOOKS }, provenance: false });
}

describe('dry-run market data', () => {
  it("a dry-run strategy's onBook and onTrade hooks fire, as they do live", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dry-hooks-')), 'run');
    await loadStrategyModule(LISTEN_HOOKS, '.', 'test'); // loaded before the clock starts, as the timing below assumes
    // stop once the hooks have seen what the checks below need (books, trades of both sides, a snapshot)
    const seenSoFar = () => (globalThis as { listenHooksSeen?: Seen }).listenHooksSeen;
    const stop = stopWhen(() => {
      const s = seenSoFar();
      return !!s && s.books.length > 3 && s.snapshot !== null && s.trades.length > 3;
    });
    const result = await runLive({
      config: config(),
      configFile: 'c.json',
      exchange: 'fake',
      mode: 'dry-run',
      sandbox: false,
      out,
      allowUnpromoted: true,
      feed: new FakeFeed(),
      stopSignal: stop,
    });
    expect(result.stopReason).toBe('stopped by the caller');
    const seen = (globalThis as { listenHooksSeen?: Seen }).listenHooksSeen!;

    // Books: only when the top changed (it moves every update here), with the run's market and a mid.
    expect(seen.books.length).toBeGreaterThan(3);
    for (const b of seen.books) {
      expect(b.market).toBe('BTCUSDT');
      expect(b.mid).toBeCloseTo((b.bestBid + b.bestAsk) / 2, 9);
      expect(b.bestBid).toBeLessThan(b.bestAsk);
    }
    // Trades: every printed trade, as the feed gave it.
    expect(seen.trades.length).toBeGreaterThan(3);
    expect(seen.trades.some((t) => t.takerSide === 'sell' && t.price === 99.9)).toBe(true);
    expect(seen.trades.some((t) => t.takerSide === 'buy' && t.price === 100.1)).toBe(true);
    expect(seen.trades.every((t) => t.market === 'BTCUSDT' && t.size === 0.5)).toBe(true);
    // getSnapshot answers from the feed's book.
    expect(seen.snapshot?.bids.length).toBe(1);
    expect(seen.snapshot?.mid).toBeGreaterThan(99.9);
    expect(seen.snapshot?.mid).toBeLessThan(100.1);
    // The run files are written into the run folder itself (marked as spreadlab's): nothing staged beside it
    // (not even its lock, once the run is over) or left half-written.
    expect(readdirSync(out).sort()).toEqual([
      '.spreadlab',
      'fills.csv',
      'live.json',
      'market.raw.gz',
      'orders.csv',
      'orders.jsonl',
      'report.html',
      'run.json',
      'summary.json',
      'timeseries.csv',
    ]);
    expect(readdirSync(dirname(out))).toEqual(['run']);
  }, 30_000);
});

describe('dry-run orders', () => {
  it('rest as logged, amend in place, cancel, and count: nothing is sent or filled', async () => {
    const units = new MarketUnits({ symbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.001, makerFeeBps: 0, takerFeeBps: 0 });
    const tape = new RunTape(units, 0);
    const venue = new DryRunVenue('BTCUSDT', units, tape, new EventLog(null, []));
    const market = 'BTCUSDT';
    expect(await venue.placeOrder({ market, side: 'buy', price: 99.5, size: 0.01 })).toEqual({
      id: 'dry-1',
      status: 'open',
      filled: 0,
      remaining: 0.01,
    });
    expect(await venue.placeOrder({ market, side: 'sell', price: 100.5, size: 0.02 })).toMatchObject({ id: 'dry-2', status: 'open' });
    expect(await venue.amendOrder(market, 'dry-1', { price: 99.6 })).toEqual({ id: 'dry-1', status: 'open', filled: 0, remaining: 0.01 });
    expect(await venue.getOpenOrders(market)).toEqual([
      { id: 'dry-1', market, side: 'buy', price: 99.6, remaining: 0.01, filled: 0 },
      { id: 'dry-2', market, side: 'sell', price: 100.5, remaining: 0.02, filled: 0 },
    ]);
    // Our quotes on the tape: the latest is the amended bid and the ask (ticks).
    const quotes = tape.quotePath;
    expect([quotes.values[0][quotes.length - 1], quotes.values[1][quotes.length - 1]]).toEqual([9960, 10050]);
    // no venue to ask: the REST reads answer as the dry run's own record
    expect(await venue.fetchOpenOrders(market)).toEqual(await venue.getOpenOrders(market));
    expect(await venue.fetchPosition(market)).toBe(0);
    expect(await venue.fetchSnapshot(market)).toMatchObject({ market, bids: [], asks: [] });
    expect(await venue.cancelOrder(market, 'dry-9')).toMatchObject({ status: 'rejected' });
    expect(await venue.cancelOrder(market, 'dry-2')).toMatchObject({ status: 'cancelled' });
    expect(await venue.cancelAllOrders(market)).toBe(1);
    expect(await venue.getPosition(market)).toBe(0);
    expect([tape.ordersSent, tape.cancels, tape.fills.length]).toEqual([2, 2, 0]);
    // The order log: both orders, sent and acknowledged at once (nothing reaches a venue), cancelled.
    expect(
      tape.orders.records().map((r) => [r.id, finalStatus(r), r.ackTs === r.sentTs, Number.isNaN(r.venueTs), r.cancelTs >= r.sentTs]),
    ).toEqual([
      ['dry-1', 'cancelled', true, true, true],
      ['dry-2', 'cancelled', true, true, true],
    ]);
    await expect(venue.placeOrder({ market: 'ETHUSDT', side: 'buy', price: 1, size: 1 })).rejects.toThrow('unknown market "ETHUSDT"');
  });
});
