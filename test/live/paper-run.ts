import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLiveConfig } from '../../src/live/config.ts';
import { runLive } from '../../src/live/live-run.ts';
import { runEvents, type FakeFeed } from './fake-feed.ts';

/** The synthetic market of the live-mode tests: a random walk around 100 (tick 0.01, lot 0.001). */
export const RANDOM_WALK_DATA = {
  kind: 'synthetic',
  model: 'random-walk',
  start: '2024-01-01T00:00:00Z',
  startPrice: 100,
  volatility: 0.01,
  spreadTicks: 1,
  levels: 20,
  levelSize: 0.02,
  churn: 0.1,
  tradesPerSecond: 2,
  tradeSize: 0.05,
  refreshMs: 100,
  feedLatencyMs: 5,
};

/**
 * A paper run for tests: the live config of an inventory-skew loop on a random-walk BTCUSDT market (1 s
 * horizon, tight risk limits), run on a fake feed until a signal stops it.
 */
export function paperConfig(provenance = true, risk: Record<string, number> = {}) {
  return testLiveConfig({ provenance, risk });
}

/** A live config over RANDOM_WALK_DATA: the inventory-skew loop unless `strategy` is given. */
export function testLiveConfig({
  name = 'paper-test',
  strategy = { name: 'inventory-skew', spreadBps: 10, size: 0.01, requoteMs: 150, maxInventory: 0.05, skewFactor: 0.5 } as Record<
    string,
    unknown
  >,
  provenance = true,
  risk = {} as Record<string, number>,
} = {}) {
  return parseLiveConfig(
    {
      kind: 'spreadlab-live-config',
      version: 1,
      name,
      scenario: {
        name,
        durationSeconds: 60,
        market: { symbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.001, makerFeeBps: -2, takerFeeBps: 5 },
        data: RANDOM_WALK_DATA,
        venue: { queue: { model: 'risk-averse' }, latency: { model: 'constant', entryMs: 5, responseMs: 5 } },
        analytics: { horizonsSeconds: [1], mainHorizonSeconds: 1 },
        strategy,
      },
      risk: { maxPosition: 0.05, maxLoss: 100, maxOrdersPerMinute: 2000, staleDataSeconds: 1, priceBandBps: 100, ...risk },
      ...(provenance ? { provenance: { source: 'test' } } : {}),
    },
    'test config',
  );
}

/** A paper run (or `extra.mode`) of paperConfig() on a fake feed until `stopSignal`; its result, folder and orders.jsonl events. */
export async function paperRun(feed: FakeFeed, stopSignal: AbortSignal, extra: Partial<Parameters<typeof runLive>[0]> = {}) {
  const out = extra.out ?? join(mkdtempSync(join(tmpdir(), 'paper-')), 'run');
  const result = await runLive({
    config: paperConfig(),
    configFile: 'c.json',
    exchange: 'fake',
    mode: 'paper',
    sandbox: false,
    out,
    allowUnpromoted: false,
    feed,
    stopSignal,
    ...extra,
  });
  return { result, out, events: runEvents(out) };
}
