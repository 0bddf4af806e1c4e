import { runPortfolio, type BacktestResult, type BacktestSetup } from '../../src/sim/backtest.ts';
import type { MarketInfo } from '../../src/strategy/api.ts';

/**
 * A one-market run for tests: the strategy names the market by its symbol, on a venue called `venue`, as
 * `kind` says (default spot; a perpetual's tests pass `kind: 'perpetual'`).
 */
export async function runBacktest(setup: BacktestSetup & { kind?: MarketInfo['kind'] }): Promise<BacktestResult> {
  const { startTs, endTs, strategy, onProgress, kind = 'spot', ...market } = setup;
  const { spec } = setup.units;
  const info: MarketInfo = {
    id: spec.symbol,
    symbol: spec.symbol,
    venue: 'venue',
    kind,
    tickSize: spec.tickSize,
    lotSize: spec.lotSize,
    contractSize: setup.units.contractSize,
  };
  const run = await runPortfolio({ markets: [{ ...market, info }], startTs, endTs, strategy, onProgress });
  return run.markets[0];
}
