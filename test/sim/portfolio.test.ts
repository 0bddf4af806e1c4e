import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/core/events.ts';
import { MarketUnits } from '../../src/core/market.ts';
import { Rng } from '../../src/core/rng.ts';
import { openEventArray, openEventArrayByExchTime } from '../../src/data/array-source.ts';
import { runPortfolio, type MarketRunSetup } from '../../src/sim/backtest.ts';
import { OrderLog } from '../../src/sim/order-log.ts';
import { runScenario, type ScenarioRun } from '../../src/sim/run-scenario.ts';
import { loadScenario, parseScenario } from '../../src/sim/scenario.ts';
import type { BookView, FillEvent, MarketInfo } from '../../src/strategy/api.ts';
import { feeSchedule } from '../../src/venue/fees.ts';
import type { LatencyModel } from '../../src/venue/latency.ts';
import { createLatencyModel, createQueueModel } from '../../src/venue/models.ts';

/**
 * Several markets in one run: the recorded spot + perpetual scenario against one-market runs of the same
 * data and strategy, latency per venue, hooks naming their market, and the scenario's rules.
 */
const SCENARIOS = join(import.meta.dirname, '../../scenarios');
const HEDGE = join(SCENARIOS, 'btcusdt-spot-perp-hedge.json');
const SPOT = join(SCENARIOS, 'btcusdt-spot-replay.json');
/** Inside both recordings (spot 23:54:13.9–00:05, perpetual 23:54:15–23:59:59.8), on whole seconds. */
const WINDOW = ['window.from=2024-08-08T23:54:30Z', 'window.to=2024-08-08T23:59:30Z'];
const SKEW = { spreadBps: 2, size: 0.001, requoteMs: 3000, maxInventory: 0.01, skewFactor: 0.5 };

/** What must agree between two runs of one market: every fill, and the account at the end. */
function marketRecord(run: ScenarioRun['markets'][number]) {
  const { result } = run;
  return {
    fills: result.fills.map((f) => [
      f.exchTs,
      f.orderId === '' ? '' : 'id',
      f.side,
      f.price,
      f.size,
      f.liquidity,
      String(f.fee),
      f.positionAfter,
    ]),
    equity: String(result.ledger.equity(result.finalMid2)),
    position: result.ledger.position,
    events: result.marketEvents,
  };
}

describe('a multi-market run equals, market by market, the one-market runs of the same data and strategy', () => {
  it('hedged-skew with the hedge off on spot + perpetual = inventory-skew on spot alone (fills and PnL)', async () => {
    const multi = await runScenario(await loadScenario(HEDGE, [...WINDOW, 'strategy.hedgeMode=off']), SCENARIOS);
    const single = await runScenario(await loadScenario(SPOT, WINDOW), SCENARIOS);
    expect(multi.markets[0].result.fills.length).toBeGreaterThan(50);
    expect(marketRecord(multi.markets[0])).toEqual(marketRecord(single.markets[0]));
    // the perpetual saw its market and nothing of ours
    expect(multi.markets[1].result.fills).toEqual([]);
    expect(multi.markets[1].result.marketEvents).toBeGreaterThan(100_000);
  });

  it('a strategy quoting both markets independently = each market run alone with that loop (different venues)', async () => {
    const sizes = { spot: 0.001, perp: 0.002 };
    const multi = await runScenario(
      await loadScenario(HEDGE, [
        ...WINDOW,
        `strategy=${JSON.stringify({ module: '../test/fixtures/strategies/each-market-skew.ts', ...SKEW, size: sizes })}`,
      ]),
      SCENARIOS,
    );
    const scenario = multi.scenario;
    for (const [i, market] of multi.markets.entries()) {
      // the market alone: a one-market scenario of its entry, with its venue's latency and the same loop
      const entry = scenario.markets![i];
      const alone = parseScenario(
        {
          name: `alone-${market.market.id}`,
          window: scenario.window,
          market: {
            symbol: entry.symbol,
            tickSize: entry.tickSize,
            lotSize: entry.lotSize,
            makerFeeBps: entry.makerFeeBps,
            takerFeeBps: entry.takerFeeBps,
          },
          data: entry.data,
          venue: { ...scenario.venue, latency: scenario.venues![entry.venue].latency },
          strategy: { name: 'inventory-skew', ...SKEW, size: sizes[market.market.id as keyof typeof sizes] },
        },
        'alone.json',
      );
      const single = await runScenario(alone, SCENARIOS);
      expect(market.result.fills.length, market.market.id).toBeGreaterThan(0);
      expect(marketRecord(market), market.market.id).toEqual(marketRecord(single.markets[0]));
    }
  });
});

describe('the event loop over several markets', () => {
  const units = (symbol: string) => new MarketUnits({ symbol, tickSize: 0.01, lotSize: 1, makerFeeBps: 0, takerFeeBps: 0 });
  const book = (t: number, mid: number): MarketEvent => ({
    kind: 'snapshot',
    exchTs: t,
    localTs: t + 100,
    bidPrices: [mid - 1],
    bidSizes: [10],
    askPrices: [mid + 1],
    askSizes: [10],
  });
  const constant = (ms: number): LatencyModel => createLatencyModel({ model: 'constant', entryMs: ms, responseMs: ms }, new Rng('l'));
  const market = (id: string, venue: string, latency: LatencyModel, events: MarketEvent[], orderLog = new OrderLog()): MarketRunSetup => {
    const info: MarketInfo = { id, symbol: id.toUpperCase(), venue, kind: 'spot', tickSize: 0.01, lotSize: 1, contractSize: 1 };
    return {
      info,
      units: units(info.symbol),
      fees: feeSchedule(0, 0),
      openEvents: openEventArray(events),
      openVenueEvents: openEventArrayByExchTime(events),
      queue: createQueueModel({ model: 'risk-averse' }),
      latency,
      orderLog,
    };
  };

  it('requests travel with their venue latency; hooks and fills name their market; unknown markets are refused', async () => {
    const a = [book(0, 10000), book(50_000, 10002)];
    const b = [book(0, 20000), book(30_000, 20004)];
    const logA = new OrderLog();
    const logB = new OrderLog();
    const seen: string[] = [];
    const fills: FillEvent[] = [];
    let refusal = '';
    let listed: MarketInfo[] = [];
    const result = await runPortfolio({
      markets: [market('a', 'fast', constant(1), a, logA), market('b', 'slow', constant(7), b, logB)],
      startTs: 0,
      endTs: 100_000,
      strategy: async ({ venue, clock, markets, market: first }) => {
        listed = markets;
        venue.onBook((view: BookView) => seen.push(`${view.market}@${view.timestamp}`));
        venue.onFill((fill) => fills.push(fill));
        await venue.getSnapshot('nope').catch((e: Error) => (refusal = e.message));
        await Promise.all([
          venue.placeOrder({ market: first, side: 'buy', size: 1, type: 'market' }),
          venue.placeOrder({ market: 'b', side: 'sell', size: 2, type: 'market' }),
        ]);
        await clock.sleep(80);
      },
    });
    expect(listed.map((m) => [m.id, m.venue])).toEqual([
      ['a', 'fast'],
      ['b', 'slow'],
    ]);
    expect(refusal).toBe('unknown market "nope": this run trades "a", "b"');
    // each order reached its venue after that venue's entry latency
    expect(logA.records().map((o) => o.venueTs - o.sentTs)).toEqual([1000]);
    expect(logB.records().map((o) => o.venueTs - o.sentTs)).toEqual([7000]);
    expect(fills.map((f) => [f.market, f.side, f.size, f.price])).toEqual([
      ['a', 'buy', 1, 100.01],
      ['b', 'sell', 2, 199.99],
    ]);
    expect(result.markets.map((m) => m.ledger.position)).toEqual([1, -2]);
    expect(result.fillOrder).toEqual([0, 1]);
    // both feeds reach the hooks, each event naming its market (times in ms: localTs = exchTs + 100 µs)
    expect(seen).toEqual(['b@30.1', 'a@50.1']);
    // one order id counter for the run
    expect([...logA.records(), ...logB.records()].map((o) => o.id).sort()).toEqual(['1', '2']);
  });

  it('at equal times the earlier market in scenario order goes first, on each timeline', async () => {
    const order: string[] = [];
    await runPortfolio({
      markets: [
        market('a', 'v', constant(1), [book(0, 10000), book(10_000, 10002)]),
        market('b', 'v', constant(1), [book(0, 20000), book(10_000, 20002)]),
      ],
      startTs: 0,
      endTs: 20_000,
      strategy: async ({ venue, clock }) => {
        venue.onBook((view) => order.push(view.market));
        await clock.sleep(15);
      },
    });
    expect(order).toEqual(['a', 'b']);
  });
});

describe('scenarios with several markets', () => {
  const entry = (id: string, venue: string, extra: Record<string, unknown> = {}) => ({
    id,
    symbol: 'X',
    venue,
    tickSize: 0.01,
    lotSize: 0.001,
    data: { kind: 'synthetic', model: 'random-walk', startPrice: 100, volatility: 0.1, levelSize: 5, tradesPerSecond: 1, tradeSize: 1 },
    ...extra,
  });
  const base = { name: 't', durationSeconds: 10, strategy: { name: 'inventory-skew', ...SKEW } };

  it('fill in defaults (kind spot, contract size 1, id = symbol) and list every market', async () => {
    const { scenarioMarkets } = await import('../../src/sim/scenario.ts');
    const s = parseScenario({ ...base, markets: [entry('a', 'v'), { ...entry('b', 'w'), id: undefined, symbol: 'Y' }] }, 'x.json');
    expect(scenarioMarkets(s).map((m) => [m.id, m.venue, m.kind, m.contractSize])).toEqual([
      ['a', 'v', 'spot', 1],
      ['Y', 'w', 'spot', 1],
    ]);
  });

  it.each([
    [{ markets: [entry('a', 'v'), entry('a', 'w')] }, /markets\[1\]\.id: "a" is already the id of an earlier market/],
    [
      {
        markets: [
          { ...entry('a', 'v'), id: undefined, symbol: 'BTC/USDT' },
          { ...entry('b', 'w'), id: undefined, symbol: 'BTC_USDT' },
        ],
      },
      /markets\[1\]\.id: "BTC_USDT" and an earlier market's id "BTC\/USDT" name the same files \(BTC_USDT\): give it an id/,
    ],
    [{ markets: [entry('a', 'v', { funding: { rate: 0.0001 } })] }, /markets\[0\]\.funding: funding applies to a perpetual/],
    [
      { markets: [entry('a', 'v')], venues: { nowhere: { latency: { model: 'constant', entryMs: 1, responseMs: 1 } } } },
      /venues\.nowhere: no market trades on venue "nowhere"/,
    ],
    [
      { markets: [entry('a', 'v')], market: { symbol: 'X', tickSize: 0.01, lotSize: 1 } },
      /market: give "markets" .* or "market" and "data", not both/,
    ],
    [{}, /market: required \(the market\), or give "markets"/],
    [{ markets: [entry('a', 'v', { kind: 'future' })] }, /markets\[0\]\.kind: .*'spot' \| 'perpetual'/],
  ])('refuse what is wrong, naming the JSON path: %#', (extra, message) => {
    expect(() => parseScenario({ ...base, ...extra }, 'x.json')).toThrow(message);
  });
});
