import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLiveConfig } from '../../src/live/config.ts';
import { runLive } from '../../src/live/live-run.ts';
import { startExchangeServer, type ExchangeServer } from '../../src/live/server/server.ts';
import { loadRun } from '../../src/report/load-run.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { parseScenario } from '../../src/sim/scenario.ts';
import { interpolate, readLatencyRecording } from '../../src/venue/recorded-latency.ts';

/**
 * The recorded latency model end to end: a paper session against `spreadlab serve` (real ccxt binanceusdm
 * market data over real sockets; orders simulated with a lognormal latency) records every order's times in
 * its order log; a backtest of the market it recorded then takes its order latencies from that log.
 */
const SECRET = 's3cr3t-recorded-latency';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const market = { symbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.001, makerFeeBps: 0, takerFeeBps: 0 };
const randomWalk = {
  kind: 'synthetic',
  model: 'random-walk',
  startPrice: 100,
  volatility: 0.002,
  spreadTicks: 1,
  levels: 20,
  levelSize: 0.02,
  churn: 0.1,
  tradesPerSecond: 4,
  tradeSize: 0.01,
  refreshMs: 100,
};

describe('recorded latency from a paper session against spreadlab serve', () => {
  let server: ExchangeServer;
  const tmp = mkdtempSync(join(tmpdir(), 'recorded-latency-'));

  beforeAll(async () => {
    const scenario = parseScenario(
      {
        name: 'serve',
        seed: 4,
        durationSeconds: 900,
        market,
        data: randomWalk,
        strategy: { name: 'fixed-spread', spreadBps: 10, size: 0.01 },
      },
      'serve',
    );
    server = await startExchangeServer({ scenario, baseDir: '.', port: 0, speed: 1, secret: SECRET });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('the paper run’s orders.csv is a recording; a backtest of its market takes each order’s latency from it', async () => {
    const out = join(tmp, 'paper');
    const config = parseLiveConfig(
      {
        kind: 'spreadlab-live-config',
        version: 1,
        name: 'recorded-latency',
        scenario: {
          name: 'recorded-latency',
          durationSeconds: 60,
          market,
          data: randomWalk,
          venue: { latency: { model: 'lognormal', entryMedianMs: 15, responseMedianMs: 10, sigma: 0.6 } },
          analytics: { horizonsSeconds: [1], mainHorizonSeconds: 1 },
          strategy: { name: 'fixed-spread', spreadBps: 10, size: 0.01, requoteMs: 150 },
        },
        risk: { maxPosition: 1, maxLoss: 1000, maxOrdersPerMinute: 5000, staleDataSeconds: 2, priceBandBps: 100 },
        provenance: { source: 'test' },
      },
      'test config',
    );
    const stop = new AbortController();
    const running = runLive({
      config,
      configFile: join(tmp, 'config.json'),
      exchange: 'binanceusdm',
      mode: 'paper',
      sandbox: false,
      baseUrl: server.url,
      out,
      allowUnpromoted: false,
      stopSignal: stop.signal,
    });
    // Three seconds of quoting once the strategy has started (after ccxt connected and the first book came).
    const started = () =>
      existsSync(join(out, 'orders.jsonl')) && readFileSync(join(out, 'orders.jsonl'), 'utf8').includes('"event":"start"');
    for (let waited = 0; !started() && waited < 30_000; waited += 50) await sleep(50);
    await sleep(3_000);
    stop.abort();
    await running;
    const paper = loadRun(out);
    // The recording: every order's send, venue and answer times, with lognormal draws (no two alike).
    expect(paper.orders.length).toBeGreaterThan(20);
    const entries = paper.orders.map((o) => o.venueTs! - o.sentTs);
    expect(new Set(entries).size).toBe(entries.length);
    const recording = readLatencyRecording(out);

    // The backtest: the run's own scenario (it replays the market.raw.gz the session recorded) with the
    // recorded latency of the run folder.
    const scenario = parseScenario(
      { ...paper.record.scenario, venue: { ...(paper.record.scenario.venue as object), latency: { model: 'recorded', file: '.' } } },
      'replay of the paper run',
    );
    const sim = await runScenario(scenario, out);
    expect(sim.orders.length).toBeGreaterThan(20);
    const [firstSent, lastSent] = [paper.orders[0].sentTs, paper.orders.at(-1)!.sentTs];
    const inside = sim.orders.filter((o) => o.sentTs > firstSent && o.sentTs < lastSent);
    expect(inside.length).toBeGreaterThan(sim.orders.length / 2); // the replay runs over the recording's times
    // An order sent in the last milliseconds of the recorded market may not reach the venue, or its answer
    // the strategy, before the replay ends (times NaN): those are left out; all the others are checked.
    const arrived = sim.orders.filter((o) => Number.isFinite(o.venueTs));
    const answered = arrived.filter((o) => Number.isFinite(o.ackTs));
    expect(answered.length).toBeGreaterThanOrEqual(sim.orders.length - 2);
    for (const o of arrived) {
      // Requests are sent one after another's answer, so none waits on the FIFO entry channel.
      expect(o.venueTs - o.sentTs).toBe(interpolate(recording.entry, o.sentTs));
    }
    for (const o of answered) {
      // An answer can wait behind a fill notice on the FIFO response channel, never arrive earlier.
      expect(o.ackTs - o.venueTs).toBeGreaterThanOrEqual(interpolate(recording.response, o.venueTs));
    }
    // Inside the recording the latencies vary as recorded (interpolated between neighbouring orders).
    const simEntries = inside.filter((o) => Number.isFinite(o.venueTs)).map((o) => o.venueTs - o.sentTs);
    expect(Math.min(...simEntries)).toBeGreaterThanOrEqual(Math.min(...entries));
    expect(Math.max(...simEntries)).toBeLessThanOrEqual(Math.max(...entries));
    expect(new Set(simEntries).size).toBeGreaterThan(5);
  }, 60_000);
});
