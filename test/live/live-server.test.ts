import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRowObjects } from '../../src/live/promote.ts';
import { reconcile } from '../../src/live/reconcile.ts';
import { recordMarket } from '../../src/live/record.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { parseScenario } from '../../src/sim/scenario.ts';
import { startExchangeServer, type ExchangeServer, type ServerState } from '../../src/live/server/server.ts';
import { orderEvents, sleep, spawnLive, waitFor, type LiveProcess } from './live-helpers.ts';

/**
 * `spreadlab live` as a real process (real ccxt binanceusdm client, real sockets) against the local
 * exchange server running in this test process. Fills are forced with the server's trade hook (a print
 * through our quote fills it as maker). The server charges a 10 bp maker fee, more than the 5 bp half
 * spread the strategy captures, so every fill loses a little: that is what the kill-switch run trips on.
 */
const API_KEY = 'k3y-SPREADLAB-live-test-0001';
const SECRET = 's3cr3t-SPREADLAB-live-test-0002';

const serverScenario = parseScenario(
  {
    name: 'live-server-test',
    seed: 3,
    durationSeconds: 900,
    market: { symbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.001, makerFeeBps: 10, takerFeeBps: 10 },
    data: {
      kind: 'synthetic',
      model: 'random-walk',
      startPrice: 100,
      volatility: 0.002,
      spreadTicks: 1,
      levels: 20,
      levelSize: 0.02,
      churn: 0.1,
      tradesPerSecond: 1,
      tradeSize: 0.001,
      refreshMs: 100,
    },
    strategy: { name: 'fixed-spread', spreadBps: 10, size: 0.01, requoteMs: 1000 },
  },
  'live-server-test',
);

function liveConfig(dir: string, name: string, risk: Record<string, number>): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      kind: 'spreadlab-live-config',
      version: 1,
      name,
      scenario: {
        name,
        durationSeconds: 60,
        market: { symbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.001, makerFeeBps: 10, takerFeeBps: 10 },
        data: serverScenario.data,
        venue: { queue: { model: 'risk-averse' }, latency: { model: 'constant', entryMs: 2, responseMs: 2 } },
        analytics: { horizonsSeconds: [1], mainHorizonSeconds: 1 },
        strategy: { name: 'fixed-spread', spreadBps: 10, size: 0.01, requoteMs: 400 },
      },
      risk: { maxPosition: 1, maxLoss: 1000, maxOrdersPerMinute: 1000, staleDataSeconds: 1.5, priceBandBps: 100, ...risk },
      provenance: { source: 'test' },
    }),
  );
  return file;
}

describe('spreadlab live against the local exchange server (real ccxt, real sockets)', () => {
  let server: ExchangeServer;
  let tmp: string;
  const children: ChildProcess[] = [];

  const state = (): ServerState => server.state();
  const hook = async (path: string) => (await fetch(`${server.url}/_spreadlab/${path}`, { method: 'POST' })).json();
  const events = orderEvents;
  const openSides = () => new Set(state().openOrders.map((o) => String(o.side)));
  const quoting = () => openSides().has('BUY') && openSides().has('SELL');
  const openPrice = (side: 'BUY' | 'SELL') => Number(state().openOrders.find((o) => o.side === side)?.price);

  function startLive(name: string, risk: Record<string, number> = {}): LiveProcess {
    const out = join(tmp, `run-${name}`);
    const live = spawnLive(
      ['--config', liveConfig(tmp, name, risk), '--exchange', 'binanceusdm', '--base-url', server.url, '--minutes', '2'],
      out,
      { apiKey: API_KEY, secret: SECRET },
    );
    children.push(live.child);
    return live;
  }

  /**
   * A print through our quote on `side`: fills it as maker. The strategy cancels and re-posts its quotes
   * every cycle, so a print can land in the gap when no quote of ours rests: the server matches the print
   * at once, so its fill count tells whether it hit us; if not, print again at the quote now resting (until
   * a deadline).
   */
  async function fillOur(side: 'BUY' | 'SELL'): Promise<void> {
    const taker = side === 'BUY' ? 'sell' : 'buy';
    const deadline = Date.now() + 20_000;
    for (;;) {
      const price = openPrice(side);
      if (Number.isFinite(price)) {
        const before = state().fills.length;
        const through = side === 'BUY' ? price - 0.05 : price + 0.05;
        await hook(`trade?side=${taker}&price=${through.toFixed(2)}&qty=0.05`);
        if (state().fills.length > before) return;
      }
      if (Date.now() > deadline) throw new Error(`no quote of ours on the ${side} side was filled within 20 s`);
      await sleep(20);
    }
  }

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'live-server-'));
    server = await startExchangeServer({ scenario: serverScenario, baseDir: '.', port: 0, speed: 1, apiKey: API_KEY, secret: SECRET });
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await server?.close();
  });

  it('quotes appear, fills arrive, reconnect after dropped sockets, stale-feed pause, cancel-on-exit; live records equal the server’s; no secret written', async () => {
    const live = startLive('main');
    try {
      await waitFor(quoting, 40_000, 'two-sided quotes on the server');
      await fillOur('BUY');
      await waitFor(
        () => events(live.out).some((e) => e.event === 'fill' && e.side === 'buy'),
        5_000,
        'the buy fill to reach the live run',
      );
      await waitFor(quoting, 5_000, 'quotes again');
      await fillOur('SELL');
      await waitFor(
        () => events(live.out).some((e) => e.event === 'fill' && e.side === 'sell'),
        5_000,
        'the sell fill to reach the live run',
      );

      // The server drops every socket and one of our orders fills while the run is disconnected: the run
      // reconnects, resyncs, and reads the missed fill back.
      await waitFor(quoting, 5_000, 'quotes');
      expect(server.dropSockets()).toBeGreaterThan(0);
      await fillOur('BUY');
      await waitFor(
        () => events(live.out).some((e) => e.event === 'resync' && e.why === 'reconnect'),
        10_000,
        'a resync after the reconnect',
      );
      await waitFor(() => events(live.out).filter((e) => e.event === 'fill').length >= 3, 8_000, 'the fill made during the outage');
      expect(events(live.out).some((e) => e.event === 'fills-recovered')).toBe(true);
      await waitFor(quoting, 5_000, 'quotes after the reconnect');

      // Stale feed: the guard cancels everything and pauses; fresh data resumes quoting.
      await hook('feed?paused=true');
      await waitFor(() => events(live.out).some((e) => e.event === 'guard-pause'), 6_000, 'the stale-feed pause');
      await waitFor(() => state().openOrders.length === 0, 3_000, 'no open orders while paused');
      await sleep(500);
      expect(state().openOrders).toEqual([]);
      await hook('feed?paused=false');
      await waitFor(() => events(live.out).some((e) => e.event === 'guard-resume'), 5_000, 'the resume');
      await waitFor(quoting, 5_000, 'quotes after the pause');

      // Cancel on exit.
      live.child.kill('SIGTERM');
      const code = await Promise.race([live.exited, sleep(15_000).then(() => 'timeout')]);
      expect(code, live.output()).toBe(0);
    } finally {
      await hook('feed?paused=false');
    }
    expect(state().openOrders).toEqual([]);
    const liveJson = JSON.parse(readFileSync(join(live.out, 'live.json'), 'utf8'));
    expect(liveJson.stopReason).toBe('signal SIGTERM');
    expect(liveJson.openOrdersLeft).toBe(0);

    // The live run's fills and position equal the server's records.
    const serverFills = state().fills;
    const liveFills = csvRowObjects(readFileSync(join(live.out, 'fills.csv'), 'utf8'));
    expect(liveFills.length).toBe(serverFills.length);
    expect(liveFills.map((f) => [f.side, f.price, f.size, String(f.order_id)])).toEqual(
      serverFills.map((f) => [f.side, f.price, f.qty, String(f.orderId)]),
    );
    const summary = JSON.parse(readFileSync(join(live.out, 'summary.json'), 'utf8'));
    expect(summary.inventory.final).toBeCloseTo(state().position.qty, 9);
    expect(summary.pnl.fees + summary.pnl.rebates).toBeCloseTo(-(state().balance.feesPaid - state().balance.rebatesEarned), 9);
    for (const f of ['summary.json', 'fills.csv', 'timeseries.csv', 'run.json', 'market.raw.gz', 'orders.jsonl'])
      expect(existsSync(join(live.out, f)), f).toBe(true);

    // No secret anywhere: run folder (the market file unzipped too) and the process's output.
    const texts = [
      live.output(),
      ...readdirSync(live.out).map((f) =>
        f.endsWith('.gz') ? gunzipSync(readFileSync(join(live.out, f))).toString('utf8') : readFileSync(join(live.out, f), 'utf8'),
      ),
    ];
    for (const text of texts) {
      expect(text.includes(API_KEY)).toBe(false);
      expect(text.includes(SECRET)).toBe(false);
    }

    // Record + reconcile: the recorded market replays through the simulator.
    const { summary: rec } = await reconcile({ dir: live.out, toleranceMs: 5000 });
    expect(rec.liveFills).toBe(serverFills.length);
    expect(existsSync(join(live.out, 'reconcile.csv'))).toBe(true);
    expect(rec.matched + rec.missed).toBe(rec.liveFills);
  }, 100_000);

  it('kill switch: a loss beyond maxLoss cancels everything, stops the run and exits 3', async () => {
    const before = state().fills.length;
    const live = startLive('kill', { maxLoss: 0.0001 });
    await waitFor(quoting, 40_000, 'two-sided quotes on the server');
    await fillOur('BUY');
    const code = await Promise.race([live.exited, sleep(15_000).then(() => 'timeout')]);
    expect(code, live.output()).toBe(3);
    expect(state().fills.length).toBe(before + 1);
    expect(state().openOrders).toEqual([]);
    const ev = events(live.out);
    expect(ev.some((e) => e.event === 'guard-kill')).toBe(true);
    expect(JSON.parse(readFileSync(join(live.out, 'live.json'), 'utf8')).killed).toBe(true);
  }, 60_000);

  it('after a SIGKILL, the next run cancels the orders left behind before its strategy starts, and says so', async () => {
    const killed = startLive('killed');
    await waitFor(quoting, 40_000, 'two-sided quotes on the server');
    killed.child.kill('SIGKILL'); // no chance to cancel: its quotes stay on the exchange
    await killed.exited;
    const left = state().openOrders.map((o) => String(o.orderId));
    expect(left.length).toBeGreaterThan(0);
    const next = startLive('restart');
    await waitFor(() => /found \d+ open order\(s\) on BTCUSDT left by an earlier run/.test(next.output()), 40_000, 'the leftover notice');
    expect(next.output()).toMatch(
      new RegExp(
        `found ${left.length} open order\\(s\\) on BTCUSDT left by an earlier run that did not stop cleanly \\(killed\\?\\): cancelling them before the strategy starts`,
      ),
    );
    await waitFor(() => !state().openOrders.some((o) => left.includes(String(o.orderId))), 10_000, 'the leftovers to be cancelled');
    expect(events(next.out).find((e) => e.event === 'leftover-orders')).toMatchObject({ count: left.length });
    next.child.kill('SIGTERM');
    expect(await Promise.race([next.exited, sleep(15_000).then(() => 'timeout')]), next.output()).toBe(0);
    expect(state().openOrders).toEqual([]);
  }, 100_000);

  it('SIGINT: the run stops, cancels its orders and exits 0', async () => {
    const live = startLive('sigint');
    await waitFor(quoting, 40_000, 'two-sided quotes on the server');
    live.child.kill('SIGINT');
    const code = await Promise.race([live.exited, sleep(15_000).then(() => 'timeout')]);
    expect(code, live.output()).toBe(0);
    expect(state().openOrders).toEqual([]);
    expect(JSON.parse(readFileSync(join(live.out, 'live.json'), 'utf8')).stopReason).toBe('signal SIGINT');
  }, 60_000);

  it('record: the server’s live market into a Binance raw capture that a backtest replays', async () => {
    const out = join(tmp, 'rec', 'btcusdt.raw.gz');
    const r = await recordMarket({ exchange: 'binanceusdm', symbol: 'BTCUSDT', out, minutes: 0.05, sandbox: false, baseUrl: server.url });
    expect(r.tickSize).toBe(0.01);
    expect(r.lotSize).toBe(0.001);
    expect(r.lines).toBeGreaterThan(5);
    const scenario = parseScenario(
      {
        name: 'replay-recorded',
        market: { symbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.001 },
        data: { kind: 'replay', files: [out], cache: false },
        strategy: { name: 'fixed-spread', spreadBps: 10, size: 0.01, requoteMs: 500 },
      },
      'replay-recorded',
    );
    const run = await runScenario(scenario, tmp);
    expect(run.result.marketEvents).toBeGreaterThan(5);
    expect(Number.isFinite(run.result.finalMid2)).toBe(true);
    const mid = run.units.price(run.result.finalMid2) / 2;
    const s = state().book;
    expect(Math.abs(mid - (s.bestBid! + s.bestAsk!) / 2)).toBeLessThan(1);
  }, 30_000);
});
