import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRowObjects } from '../../src/live/promote.ts';
import { formatReconcile, reconcile } from '../../src/live/reconcile.ts';
import type { ExchangeServer } from '../../src/live/server/server.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { parseScenario } from '../../src/sim/scenario.ts';
import { orderEvents, sleep, spawnLive, spotPerpSetup, waitFor } from './live-helpers.ts';

/**
 * `spreadlab live --dry-run` and `spreadlab live` over two markets, as real processes (real ccxt
 * binanceusdm clients, one per venue, `--venue-url`) against two local exchange servers: the recorded
 * spot + perpetual scenario, one server per market (`market` spot and perp). The dry run sends nothing to
 * either; the live run quotes the spot on the spot server, a print through its bid (the server's trade
 * hook) fills it, and the hedge is sent to the perp server, which fills it against its book. Each stop
 * cancels every market's orders.
 */
const API_KEY = 'k3y-SPREADLAB-live-markets-01';
const SECRET = 's3cr3t-SPREADLAB-live-markets-02';

describe('live and dry-run over two markets, each served by its own local server', () => {
  const servers: ExchangeServer[] = [];
  const children: ChildProcess[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-live-markets-'));
  let config = '';

  function start(mode: 'dry-run' | 'live', name: string, minutes: string) {
    const out = join(tmp, name);
    const [spot, perp] = servers;
    const args = ['--config', config, '--exchange', 'binanceusdm', '--minutes', minutes];
    if (mode === 'dry-run') args.push('--dry-run');
    args.push('--venue-url', `binance=${spot.url}`, '--venue-url', `binance-usdm=${perp.url}`);
    const live = spawnLive(args, out, { apiKey: API_KEY, secret: SECRET });
    children.push(live.child);
    return live;
  }

  beforeAll(async () => {
    config = join(tmp, 'spot-perp.json');
    servers.push(...(await spotPerpSetup(config, 'spot-perp-live', { apiKey: API_KEY, secret: SECRET })));
  }, 60_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const server of servers) await server.close();
  });

  it('--dry-run: logs each market’s orders under its name, sends nothing, cancels every market at the stop', async () => {
    const run = start('dry-run', 'dry', '0.25');
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output()).toMatch(/dry-run run of spot-perp-live on spot \(binanceusdm BTCUSDT\) \+ perp \(binanceusdm BTCUSDT\) started/);
    for (const server of servers) expect(server.state().orders).toHaveLength(0);
    const log = orderEvents(run.out);
    const placed = log.filter((e) => e.event === 'would-place');
    expect(placed.length).toBeGreaterThan(0);
    expect(new Set(placed.map((e) => e.market))).toEqual(new Set(['spot'])); // nothing fills, so nothing to hedge
    const stopping = log.slice(log.findIndex((e) => e.event === 'stop'));
    expect(stopping.filter((e) => e.event === 'would-cancel-all').map((e) => e.market)).toEqual(['spot', 'perp']);
    const summary = JSON.parse(readFileSync(join(run.out, 'summary.json'), 'utf8'));
    expect(summary.markets.spot.orders.sent).toBe(placed.length);
    expect(summary.markets.perp.orders.sent).toBe(0);
    expect(summary.markets.spot.fills.count + summary.markets.perp.fills.count).toBe(0);
    const record = JSON.parse(readFileSync(join(run.out, 'run.json'), 'utf8'));
    const replay = await runScenario(parseScenario(record.scenario, 'run.json'), run.out);
    expect(replay.markets.map((m) => m.result.marketEvents > 0)).toEqual([true, true]);
  }, 90_000);

  it('live: quotes the spot on its server, hedges a fill on the perp server, cancels both at the stop; fills equal the servers’', async () => {
    const [spot, perp] = servers;
    const run = start('live', 'live', '2');
    const openSides = () => new Set(spot.state().openOrders.map((o) => String(o.side)));
    await waitFor(() => openSides().has('BUY') && openSides().has('SELL'), 40_000, 'two-sided spot quotes');
    // A print through our bid fills it as maker (retried when it lands between a cancel and a re-post).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const bid = Number(spot.state().openOrders.find((o) => o.side === 'BUY')?.price);
      if (Number.isFinite(bid)) {
        const before = spot.state().fills.length;
        await fetch(`${spot.url}/_spreadlab/trade?side=sell&price=${(bid - 0.05).toFixed(2)}&qty=0.05`, { method: 'POST' });
        if (spot.state().fills.length > before) break;
      }
      if (Date.now() > deadline) throw new Error('no spot bid of ours was filled within 20 s');
      await sleep(20);
    }
    await waitFor(() => perp.state().fills.length > 0, 15_000, 'the hedge to fill on the perp server');
    expect(perp.state().fills[0].side).toBe('sell');
    run.child.kill('SIGTERM');
    expect(await Promise.race([run.exited, sleep(20_000).then(() => 'timeout')]), run.output()).toBe(0);

    for (const server of servers) expect(server.state().openOrders).toEqual([]);
    const liveJson = JSON.parse(readFileSync(join(run.out, 'live.json'), 'utf8'));
    expect(liveJson.openOrdersLeft).toBe(0);
    const log = orderEvents(run.out);
    expect(log.filter((e) => e.event === 'final-cancel-all').map((e) => e.market)).toEqual(['spot', 'perp']);
    expect(log.filter((e) => e.event === 'resync' && e.why === 'start').map((e) => e.market)).toEqual(['spot', 'perp']);

    // Each market's fills are its server's.
    const fills = csvRowObjects(readFileSync(join(run.out, 'fills.csv'), 'utf8'));
    for (const [id, server] of [
      ['spot', spot],
      ['perp', perp],
    ] as const) {
      const own = fills.filter((f) => f.market === id);
      expect(
        own.map((f) => [f.side, f.price, f.size, String(f.order_id)]),
        id,
      ).toEqual(server.state().fills.map((f) => [f.side, f.price, f.qty, String(f.orderId)]));
    }
    const summary = JSON.parse(readFileSync(join(run.out, 'summary.json'), 'utf8'));
    expect(summary.markets.spot.inventory.final).toBeCloseTo(spot.state().position.qty, 9);
    expect(summary.markets.perp.inventory.final).toBeCloseTo(perp.state().position.qty, 9);
    expect(summary.hedge.fills).toBe(perp.state().fills.length);

    // reconcile pairs each market's fills with its own replay's, and writes the figures per market.
    const { rows, summary: rec } = await reconcile({ dir: run.out, toleranceMs: 5000 });
    expect(Object.keys(rec.markets!)).toEqual(['spot', 'perp']);
    for (const [id, server] of [
      ['spot', spot],
      ['perp', perp],
    ] as const) {
      const figures = rec.markets![id];
      expect(figures.liveFills, id).toBe(server.state().fills.length);
      expect(figures.matched + figures.missed, id).toBe(figures.liveFills);
      expect(figures.live.pnl, id).toBe(summary.markets[id].pnl.total);
      expect(rows.filter((r) => r.market === id && r.live).length, id).toBe(figures.liveFills);
    }
    expect(rec.liveFills).toBe(rec.markets!.spot.liveFills + rec.markets!.perp.liveFills);
    expect(rec.live).toEqual({ pnl: summary.pnl.total, realizedSpreadBps: null, position: summary.netDelta.final });
    const csv = csvRowObjects(readFileSync(join(run.out, 'reconcile.csv'), 'utf8'));
    expect(
      csv
        .filter((r) => r.live_ts_us !== null)
        .map((r) => r.market)
        .sort(),
    ).toEqual(fills.map((f) => f.market).sort());
    expect(formatReconcile(rec)).toMatch(/^final net delta {5}live -?[\d.e-]+ \/ sim/m);
    expect(formatReconcile(rec)).toContain(
      `market perp: fills live / sim ${rec.markets!.perp.liveFills} / ${rec.markets!.perp.simFills}, matched ${rec.markets!.perp.matched},`,
    );
    const written = JSON.parse(readFileSync(join(run.out, 'reconcile.json'), 'utf8'));
    expect(written.markets.perp.liveFills).toBe(perp.state().fills.length);
  }, 120_000);

  it('after a SIGKILL, the next live run cancels the orders left on each market before its strategy starts', async () => {
    const [spot] = servers;
    const quoting = () => spot.state().openOrders.length >= 2;
    const killed = start('live', 'killed', '2');
    await waitFor(quoting, 40_000, 'spot quotes');
    killed.child.kill('SIGKILL'); // no chance to cancel: its quotes stay on the spot server
    await killed.exited;
    const left = spot.state().openOrders.map((o) => String(o.orderId));
    expect(left.length).toBeGreaterThan(0);
    const next = start('live', 'restart', '2');
    await waitFor(() => orderEvents(next.out).some((e) => e.event === 'start'), 40_000, 'the restarted strategy');
    // The server's market goes on meanwhile: a leftover order may fill before the restart reads them.
    const leftovers = orderEvents(next.out).filter((e) => e.event === 'leftover-orders');
    expect(leftovers).toMatchObject([{ market: 'spot' }]);
    expect(leftovers[0].count).toBeGreaterThan(0);
    expect((leftovers[0].ids as string[]).every((id) => left.includes(String(id)))).toBe(true);
    expect(next.output()).toMatch(new RegExp(`found ${leftovers[0].count} open order\\(s\\) on spot left by an earlier run`));
    expect(spot.state().openOrders.filter((o) => left.includes(String(o.orderId)))).toEqual([]);
    next.child.kill('SIGTERM');
    expect(await Promise.race([next.exited, sleep(20_000).then(() => 'timeout')]), next.output()).toBe(0);
    for (const server of servers) expect(server.state().openOrders).toEqual([]);
  }, 120_000);
});
