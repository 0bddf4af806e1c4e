import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzePortfolio } from '../../src/analytics/portfolio.ts';
import { runScenario, type ScenarioRun } from '../../src/sim/run-scenario.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import type { MarketInfo } from '../../src/strategy/api.ts';
import { hedgeOrder } from '../../src/strategy/hedged-skew.ts';

const SCENARIOS = join(import.meta.dirname, '../../scenarios');
const HEDGE = join(SCENARIOS, 'btcusdt-spot-perp-hedge.json');
const PERP: MarketInfo = { id: 'perp', symbol: 'BTCUSDT', venue: 'v', kind: 'perpetual', tickSize: 0.1, lotSize: 0.001, contractSize: 1 };

describe('the hedge order', () => {
  it('takes |net delta| back to zero in whole lots of the hedge market, only past the threshold', () => {
    expect(hedgeOrder(0.002, PERP, 0.002)).toBeNull(); // at the threshold: no hedge
    expect(hedgeOrder(0.00255, PERP, 0.002)).toEqual({ side: 'sell', size: 0.002 }); // rounded down to lots
    expect(hedgeOrder(-0.0031, PERP, 0.002)).toEqual({ side: 'buy', size: 0.003 });
    expect(hedgeOrder(0.0009, PERP, 0)).toBeNull(); // less than one lot
    // a contract of 0.01 base units: 0.035 base units is 3 contracts
    expect(hedgeOrder(0.035, { ...PERP, lotSize: 1, contractSize: 0.01 }, 0.02)).toEqual({ side: 'sell', size: 3 });
  });
});

/** The perpetual's orders with the net delta the strategy had been told of when each was sent. */
function hedgesWithDelta(
  run: ScenarioRun,
): { side: string; size: number; type: string; tif: string; postOnly: boolean; deltaBefore: number }[] {
  const [spot, perp] = run.markets;
  const deltaAt = (ts: number): number => {
    const known = (m: typeof spot): number => {
      let pos = 0;
      for (const f of m.result.fills) if (f.noticeTs <= ts) pos = f.positionAfter;
      return pos * m.units.spec.lotSize;
    };
    return known(spot) + known(perp);
  };
  return perp.orders.map((o) => ({
    side: o.side,
    size: o.size * perp.units.spec.lotSize,
    type: o.type,
    tif: o.timeInForce,
    postOnly: o.postOnly,
    deltaBefore: deltaAt(o.sentTs),
  }));
}

describe('hedged-skew on the recorded spot + perpetual', () => {
  it('taker: IOC orders on the perpetual against the sign of net delta, at most |net delta|, each past the threshold', async () => {
    const run = await runScenario(await loadScenario(HEDGE), SCENARIOS);
    const hedges = hedgesWithDelta(run);
    expect(hedges.length).toBeGreaterThan(2);
    for (const h of hedges) {
      expect(h).toMatchObject({ type: 'limit', tif: 'IOC', postOnly: false });
      expect(Math.abs(h.deltaBefore)).toBeGreaterThan(0.002);
      expect(h.side).toBe(h.deltaBefore > 0 ? 'sell' : 'buy');
      expect(h.size).toBeLessThanOrEqual(Math.abs(h.deltaBefore) + 1e-12);
    }
    // hedged, the net delta stays below the spot position's range
    const { summary } = analyzePortfolio(run);
    expect(summary.netDelta.max).toBeLessThan(summary.markets.spot.inventory.max);
  });

  it('maker: post-only GTC orders at the touch, replaced at each check', async () => {
    const run = await runScenario(await loadScenario(HEDGE, ['strategy.hedgeMode=maker']), SCENARIOS);
    const hedges = hedgesWithDelta(run);
    expect(hedges.length).toBeGreaterThan(2);
    for (const h of hedges) expect(h).toMatchObject({ type: 'limit', tif: 'GTC', postOnly: true });
    expect(run.markets[1].result.fills.every((f) => f.liquidity === 'maker')).toBe(true);
  });

  it('refuses a hedge market the run does not trade, naming the parameter', async () => {
    const scenario = await loadScenario(HEDGE, ['strategy.hedgeMarket=coinm', 'window.to=60s']);
    await expect(runScenario(scenario, SCENARIOS)).rejects.toThrow(
      'strategy.hedgeMarket: "coinm" is not another market of this run (it trades "spot", "perp")',
    );
  });
});
