import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzePortfolio, equityOf, portfolioSeries, type PortfolioAnalysis } from '../../src/analytics/portfolio.ts';
import { PortfolioUnits } from '../../src/ledger/portfolio.ts';
import { runScenario, type ScenarioRun } from '../../src/sim/run-scenario.ts';
import { loadScenario } from '../../src/sim/scenario.ts';

const SCENARIOS = join(import.meta.dirname, '../../scenarios');

/**
 * The portfolio analysis of the synthetic spot + perpetual demo (hedged on the perpetual, one funding payment
 * at 08:00): both decompositions sum exactly to the ledgers' equity, each market's figures are its own.
 */
let run: ScenarioRun;
let analysis: PortfolioAnalysis;
beforeAll(async () => {
  run = await runScenario(await loadScenario(join(SCENARIOS, 'spot-perp-demo.json')), SCENARIOS);
  analysis = analyzePortfolio(run);
});

describe('portfolio PnL', () => {
  it('its parts, and the parts by role, sum exactly to the markets’ ledgers marked to their final mids', () => {
    const { units, series } = analysis;
    const end = series[series.length - 1];
    const ledgers = run.markets.reduce((sum, m, i) => sum + units.money(i, m.result.ledger.equity(m.result.finalMid2)), 0n);
    expect(equityOf(end)).toBe(ledgers);
    expect(end.quoting + end.hedgeCost + end.residualDelta + end.basis + end.funding).toBe(ledgers);
    // every sample, not only the last
    for (const s of series) expect(s.quoting + s.hedgeCost + s.residualDelta + s.basis + s.funding).toBe(equityOf(s));
    expect(end.funding).not.toBe(0n); // the 08:00 payment on a position
    expect(end.hedgeCost).toBeLessThan(0n); // taker hedges pay the spread and the taker fee
  });

  it('the summary prints those sums; each market’s total is its own summary’s', () => {
    const { summary, units, series } = analysis;
    const end = series[series.length - 1];
    expect(summary.pnl.total).toBe(units.moneyValue(equityOf(end)));
    expect(summary.attribution.hedgeCost).toBe(units.moneyValue(end.hedgeCost));
    for (const [id, market] of Object.entries(summary.markets)) expect(summary.pnlByMarket[id]).toBe(market.pnl.total);
    expect(summary.markets.perp.pnl.funding).toBe(summary.pnl.funding);
    expect(summary.markets.spot.pnl.funding).toBe(0);
    expect(summary.quotedMarket).toBe('spot');
  });

  it('net delta is Σ position × lot, and the hedge keeps it near the threshold', () => {
    const { summary } = analysis;
    const final = run.markets.reduce((sum, m) => sum + m.result.ledger.position * m.units.spec.lotSize, 0);
    expect(summary.netDelta.final).toBeCloseTo(final, 12);
    expect(summary.hedge.fills).toBe(run.markets[1].result.fills.length);
    // a taker hedge fires once |delta| passes 0.015 and takes it back to zero: |delta| never exceeds threshold + 2 fills of 0.01
    expect(summary.netDelta.max).toBeLessThanOrEqual(0.035);
  });

  it('hedge slippage is each hedge fill against the quoted mid then, positive a cost', () => {
    const [spot, perp] = run.markets;
    const fill = perp.result.fills[0];
    const at = spot.result.midPath.indexAt(fill.exchTs);
    const quotedMid = (spot.result.midPath.values[0][at] / 2) * spot.units.spec.tickSize;
    const price = fill.price * perp.units.spec.tickSize;
    const expected = ((fill.side === 'buy' ? 1 : -1) * (price - quotedMid) * 10_000) / quotedMid;
    expect(analysis.hedgeSlippageBps[1][0]).toBeCloseTo(expected, 9);
    expect(analysis.hedgeSlippageBps[0].every(Number.isNaN)).toBe(true);
  });
});

describe('a portfolio of one market', () => {
  it('has no basis: the residual delta is its inventory PnL', async () => {
    // hedged-skew with the hedge off is inventory-skew; the perpetual dropped
    const base = await loadScenario(join(SCENARIOS, 'spot-perp-demo.json'), ['durationSeconds=600', 'strategy.hedgeMode=off']);
    const one = await runScenario({ ...base, markets: base.markets!.slice(0, 1) }, SCENARIOS);
    const units = new PortfolioUnits(one.markets.map((m) => m.units));
    const series = portfolioSeries(one, units, [one.result.startTs, one.result.endTs]);
    const end = series[1];
    expect(one.result.fills.length).toBeGreaterThan(0);
    expect(end.basis).toBe(0n);
    expect(end.residualDelta).toBe(end.inventory);
    expect(end.hedgeCost).toBe(0n);
  });
});
