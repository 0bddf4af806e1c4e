import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runLive } from '../../src/live/live-run.ts';
import { reconcile } from '../../src/live/reconcile.ts';
import { loadRun } from '../../src/report/load-run.ts';
import { FakeFeed, runEvents, stopWhen } from './fake-feed.ts';
import { paperConfig as config, paperRun } from './paper-run.ts';

describe('paper mode', () => {
  it('a config without provenance is refused unless allowUnpromoted', async () => {
    const out = mkdtempSync(join(tmpdir(), 'paper-'));
    await expect(
      runLive({
        config: config(false),
        configFile: 'c.json',
        exchange: 'fake',
        mode: 'paper',
        sandbox: false,
        out,
        allowUnpromoted: false,
        feed: new FakeFeed(),
      }),
    ).rejects.toThrow(/no provenance/);
  });

  it('live mode without keys in the environment is refused before connecting', async () => {
    const out = mkdtempSync(join(tmpdir(), 'paper-'));
    await expect(
      runLive({
        config: config(),
        configFile: 'c.json',
        exchange: 'binanceusdm',
        mode: 'live',
        sandbox: false,
        out,
        allowUnpromoted: false,
      }),
    ).rejects.toThrow(/SPREADLAB_API_KEY/);
  });

  it('the same strategy quotes on live data, the simulated venue fills it, the run folder matches a backtest’s; reconcile replays it', async () => {
    const feed = new FakeFeed();
    // for 24 prints of the market (alternately through our bid and our ask), however long a loaded machine takes
    const { result, out } = await paperRun(
      feed,
      stopWhen(() => feed.tradesPrinted >= 24, 60_000),
    );
    expect(result.stopReason).toBe('stopped by the caller');
    for (const f of ['summary.json', 'fills.csv', 'timeseries.csv', 'run.json', 'orders.csv', 'live.json', 'orders.jsonl', 'market.raw.gz'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const summary = result.analysis.summary;
    expect(summary.fills.count).toBeGreaterThan(2);
    expect(summary.fills.buys).toBeGreaterThan(0);
    expect(summary.fills.sells).toBeGreaterThan(0);
    expect(summary.orders.sent).toBeGreaterThan(4);
    expect(Math.abs(summary.inventory.max)).toBeLessThanOrEqual(0.05 + 1e-9);
    // Fills are maker fills at our own quote prices (5 bps either side of the skewed mid, near 100).
    const fills = readFileSync(join(out, 'fills.csv'), 'utf8').trim().split('\n').slice(1);
    for (const line of fills) {
      const [, , , side, price, , liquidity] = line.split(',');
      expect(liquidity).toBe('maker');
      expect(['buy', 'sell']).toContain(side);
      expect(Math.abs(Number(price) - 100)).toBeLessThanOrEqual(0.1);
    }
    // The order log: every order sent, each 5 ms to the simulated venue and 5 ms back (the config's latency);
    // the run cancels what still rests when it stops.
    const { orders } = loadRun(out);
    expect(orders).toHaveLength(summary.orders.sent);
    for (const o of orders) {
      expect([o.venueTs! - o.sentTs, o.ackTs! - o.venueTs!]).toEqual([5_000, 5_000]);
      expect(['filled', 'cancelled']).toContain(o.status);
    }
    // The recorded market is a Binance raw capture.
    const raw = gunzipSync(readFileSync(join(out, 'market.raw.gz')))
      .toString('utf8')
      .split('\n');
    expect(raw[0]).toMatch(/^\d+ \{"lastUpdateId":/);
    expect(raw.some((l) => l.includes('"e":"trade"'))).toBe(true);

    const { summary: rec, rows } = await reconcile({ dir: out, toleranceMs: 1000 });
    expect(existsSync(join(out, 'reconcile.csv'))).toBe(true);
    expect(existsSync(join(out, 'sim', 'summary.json'))).toBe(true);
    expect(rec.liveFills).toBe(summary.fills.count);
    expect(rec.simFills).toBeGreaterThan(0);
    // Same venue model, same data: most fills pair up (timing differs by the replay's start alignment).
    expect(rec.matched).toBeGreaterThanOrEqual(Math.floor(rec.liveFills / 2));
    expect(rows.filter((r) => r.status === 'matched').every((r) => r.live!.side === r.sim!.side)).toBe(true);
  }, 30_000);

  it('a rerun into the same folder keeps the previous run aside until it has written its own; a failed rerun leaves it there', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'paper-')), 'run');
    const rerun = (feed: FakeFeed, stopSignal = new AbortController().signal) => paperRun(feed, stopSignal, { out });
    const first = new FakeFeed();
    await rerun(
      first,
      stopWhen(() => first.tradesPrinted >= 2, 60_000),
    );
    const firstSummary = readFileSync(join(out, 'summary.json'), 'utf8');
    class BrokenFeed extends FakeFeed {
      override start(): void {
        throw new Error('the feed is down');
      }
    }
    await expect(rerun(new BrokenFeed())).rejects.toThrow(/the feed is down/);
    expect(readFileSync(join(out, 'previous-run', 'summary.json'), 'utf8')).toBe(firstSummary);
    // A recording no run of this folder wrote is the user's: never set aside, never removed.
    writeFileSync(join(out, 'market-mine.raw.gz'), 'not ours');
    // One a previous run's live.json lists (a run of two markets, say) is that run's: set aside, then removed.
    writeFileSync(join(out, 'market-spot.raw.gz'), 'an earlier run of two markets');
    writeFileSync(join(out, 'live.json'), JSON.stringify({ marketFile: ['market-spot.raw.gz'] }));
    const third = new FakeFeed();
    await rerun(
      third,
      stopWhen(() => third.tradesPrinted >= 2, 60_000),
    );
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    expect(existsSync(join(out, 'previous-run'))).toBe(false);
    expect(readFileSync(join(out, 'market-mine.raw.gz'), 'utf8')).toBe('not ours');
    expect(existsSync(join(out, 'market-spot.raw.gz'))).toBe(false);
  }, 60_000);

  it('prints a status line every few seconds and logs it; a clean stop is reported as a stop, not as the risk guard', async () => {
    const printed: string[] = [];
    const statusLines = () => printed.filter((l) => l.includes(' paper BTCUSDT · position '));
    const { out, events } = await paperRun(
      new FakeFeed(),
      stopWhen(() => statusLines().length >= 3 && /fills [1-9]/.test(statusLines().at(-1)!)),
      { print: (line) => printed.push(line), statusEverySeconds: 0.5, printStatus: true },
    );
    const lines = statusLines();
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines)
      expect(line).toMatch(
        /^\d\d:\d\d:\d\d paper BTCUSDT · position [+−]?[\d.]+ · PnL [+−]?[\d.e-]+ USDT · open orders \d+ \(\d+ buy, \d+ sell\) · fills \d+ \(\d+ buys, \d+ sells\) · risk guard ok$/,
      );
    const statuses = events.filter((e) => e.event === 'status');
    expect(statuses).toHaveLength(lines.length);
    // the last status agrees with what the run had booked by then, at most
    const last = statuses.at(-1) as unknown as { fills: { buys: number; sells: number } };
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(last.fills.buys + last.fills.sells).toBeLessThanOrEqual(summary.fills.count);
    expect(last.fills.buys + last.fills.sells).toBeGreaterThan(0);
    expect(printed).toContain('stopping: stopped by the caller');
    expect(printed.some((l) => l.startsWith('risk guard'))).toBe(false);
    // in the log too: one 'stop' with its reason, no guard event (but the refusal of an order the strategy
    // sent while the run was stopping, which a loaded machine can let through: that is the stop, not a decision)
    expect(events.filter((e) => e.event === 'stop')).toEqual([expect.objectContaining({ reason: 'stopped by the caller' })]);
    const guardEvents = events.filter((e) => String(e.event).startsWith('guard-'));
    expect(guardEvents.filter((e) => !(e.event === 'guard-refused' && e.reason === 'the run is stopping'))).toEqual([]);
  }, 30_000);

  it('stale feed: the guard pauses quoting and cancels; the run keeps going and records the pause', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'paper-')), 'run');
    await paperRun(
      new FakeFeed(600),
      stopWhen(() => {
        const events = runEvents(out);
        const pause = events.findIndex((e) => e.event === 'guard-pause');
        return pause >= 0 && events.slice(pause).some((e) => e.event === 'guard-refused');
      }),
      { out },
    );
    const events = readFileSync(join(out, 'orders.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; ts_us: number });
    const pause = events.find((e) => e.event === 'guard-pause');
    expect(pause).toBeDefined();
    expect(events.some((e) => e.event === 'guard-refused' && e.ts_us > pause!.ts_us)).toBe(true);
  }, 30_000);

  it('dry-run logs the orders it would send and fills nothing', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dry-')), 'run');
    const { result } = await paperRun(
      new FakeFeed(),
      stopWhen(() => runEvents(out).filter((e) => e.event === 'would-place').length >= 4),
      { out, mode: 'dry-run' },
    );
    expect(result.analysis.summary.fills.count).toBe(0);
    const log = readFileSync(join(out, 'orders.jsonl'), 'utf8');
    expect(log).toMatch(/"event":"would-place","id":"dry-1","side":"buy","price":99\.95/);
    expect(result.analysis.summary.quotes.twoSidedUptime).toBeGreaterThan(0);
  }, 30_000);
});
