import { isoMicros, sideSign } from '../core/units.ts';
import { weightedStat, type WeightedStat } from '../core/evidence.ts';
import { PortfolioUnits } from '../ledger/portfolio.ts';
import type { ScenarioRun } from '../sim/run-scenario.ts';
import { riskOfEquity, halfTickLotsMicro, type RiskFigures } from './risk.ts';
import { analyzeRun, horizonLabel, strategyMaxInventory, type RunAnalysis, type Summary } from './summary.ts';
import { sampleTimeline, sampleTimes, type TimelineSample } from './timeline.ts';

/**
 * A run over several markets as one portfolio: its PnL (each part summed over the markets, exactly), the same
 * total split by role, net delta over time, the hedge's fills against the quoted market's mid, and each
 * market's own figures (analyzeRun: markouts, realized and effective spread, adverse selection, …).
 *
 * Rules:
 * - The quoted market is the first (the strategy's context.market); every other is a hedge market.
 * - pnl: each part (spread capture, inventory, fees, rebates, funding: timeline.ts) summed over the markets
 *   in one exact unit (ledger/portfolio.ts); the parts sum to pnl.total exactly, and pnlByMarket holds each
 *   market's total.
 * - attribution, another split of the same total (exact, summing to pnl.total):
 *   quoting = spread capture + fees + rebates of the quoted market;
 *   hedgeCost = the same over the hedge markets: what the hedge trades earned (usually lost) against their
 *     own market's mid, fees included;
 *   residualDelta = ∫ net delta d(quoted mid): what the delta left unhedged earned as the quoted mid moved;
 *   basis = Σ markets' inventory PnL − residualDelta: what the hedge positions earned from their market's
 *     mid moving apart from the quoted one (the basis);
 *   funding = Σ funding.
 *   In the residual-delta walk a quoted-market fill counts from the first mid change after the mid in force
 *   at it (as timeline.ts counts it), a hedge fill from its time on (before a quoted mid change stamped in
 *   the same µs).
 * - netDelta: Σ position × lot size × contract size over the markets (base units), after each fill in the
 *   order the venues booked them; final, max |·|, time-weighted mean and mean |·| over the run.
 * - hedge: the fills of the hedge markets. Slippage per fill = side × (price − quoted mid) / quoted mid ×
 *   10 000, the quoted mid being the one in force at the fill's time: positive is a cost (a buy above, a sell
 *   below the quoted market's mid; it includes the basis). Size-weighted (base units), with its 95 %
 *   interval.
 * - risk: risk.ts's figures on the portfolio's equity curve.
 */
export interface PortfolioSummary {
  scenario: string;
  seed: number;
  period: { start: string; end: string; seconds: number };
  /** Market events over every market. */
  events: number;
  mainHorizon: string;
  /** The quoted market's id. */
  quotedMarket: string;
  pnl: { total: number; spreadCapture: number; inventory: number; fees: number; rebates: number; funding: number };
  attribution: { quoting: number; hedgeCost: number; residualDelta: number; basis: number; funding: number };
  /** Each market's pnl.total, by id. */
  pnlByMarket: Record<string, number>;
  netDelta: { final: number; max: number; mean: number; meanAbs: number };
  hedge: { fills: number; volume: number; slippageBps: WeightedStat };
  risk: RiskFigures;
  /** Each market's figures (a one-market summary.json), by id. */
  markets: Record<string, Summary>;
}

/** One sample of the portfolio: net delta and cumulative PnL parts, exact in the common units. */
export interface PortfolioSample {
  time: number;
  netDelta: bigint;
  spreadCapture: bigint;
  inventory: bigint;
  fees: bigint;
  rebates: bigint;
  funding: bigint;
  quoting: bigint;
  hedgeCost: bigint;
  residualDelta: bigint;
  basis: bigint;
}

export interface PortfolioAnalysis {
  summary: PortfolioSummary;
  /** Each market's analysis, in scenario order. */
  markets: RunAnalysis[];
  /** Sampled every analytics.sampleSeconds. */
  series: PortfolioSample[];
  units: PortfolioUnits;
  /** Per fill of each market (fills order): slippage against the quoted mid, bps (NaN for the quoted market's). */
  hedgeSlippageBps: number[][];
}

export function analyzePortfolio(run: ScenarioRun): PortfolioAnalysis {
  const { scenario, markets } = run;
  const settings = scenario.analytics;
  const units = new PortfolioUnits(markets.map((m) => m.units));
  const maxInventory = strategyMaxInventory(scenario);
  const analyses = markets.map((m, i) => analyzeRun({ scenario, units: m.units, result: m.result }, i === 0 ? maxInventory : null));
  const { startTs, endTs } = run.result;
  const series = portfolioSeries(run, units, sampleTimes(startTs, endTs, settings.sampleSeconds * 1e6));
  const end = series[series.length - 1];
  const money = (x: bigint): number => units.moneyValue(x);
  const total = end.spreadCapture + end.inventory + end.fees + end.rebates + end.funding;
  const intervalSeries = portfolioSeries(run, units, sampleTimes(startTs, endTs, settings.riskIntervalSeconds * 1e6));
  const hedgeSlippageBps = markets.map((m, i) => (i === 0 ? m.result.fills.map(() => NaN) : hedgeSlippage(run, i)));
  const hedgeFills = markets.slice(1).flatMap((m) => m.result.fills.map((f) => ({ m, f })));
  const hedgeWeights = hedgeFills.map(({ m, f }) => f.size * m.units.spec.lotSize * m.units.contractSize);
  return {
    summary: {
      scenario: scenario.name,
      seed: scenario.seed,
      period: { start: isoMicros(startTs), end: isoMicros(endTs), seconds: (endTs - startTs) / 1e6 },
      events: markets.reduce((n, m) => n + m.result.marketEvents, 0),
      mainHorizon: horizonLabel(settings.mainHorizonSeconds),
      quotedMarket: markets[0].market.id,
      pnl: {
        total: money(total),
        spreadCapture: money(end.spreadCapture),
        inventory: money(end.inventory),
        fees: money(end.fees),
        rebates: money(end.rebates),
        funding: money(end.funding),
      },
      attribution: {
        quoting: money(end.quoting),
        hedgeCost: money(end.hedgeCost),
        residualDelta: money(end.residualDelta),
        basis: money(end.basis),
        funding: money(end.funding),
      },
      pnlByMarket: Object.fromEntries(markets.map((m, i) => [m.market.id, analyses[i].summary.pnl.total])),
      netDelta: netDeltaFigures(run, units),
      hedge: {
        fills: hedgeFills.length,
        volume: units.deltaValue(hedgeFills.reduce((sum, { m, f }) => sum + units.delta(markets.indexOf(m), f.size), 0n)),
        slippageBps: weightedStat(hedgeSlippageBps.slice(1).flat(), hedgeWeights),
      },
      risk: riskOfEquity(
        settings.riskIntervalSeconds,
        intervalSeries.map((s) => money(equityOf(s))),
        series.map(equityOf),
        money,
      ),
      markets: Object.fromEntries(markets.map((m, i) => [m.market.id, analyses[i].summary])),
    },
    markets: analyses,
    series,
    units,
    hedgeSlippageBps,
  };
}

/** A sample's total PnL, common money unit. */
export function equityOf(sample: PortfolioSample): bigint {
  return sample.spreadCapture + sample.inventory + sample.fees + sample.rebates + sample.funding;
}

/** The portfolio at each of `times` (ascending): every market's timeline summed, and the residual-delta walk. */
export function portfolioSeries(run: ScenarioRun, units: PortfolioUnits, times: number[]): PortfolioSample[] {
  const perMarket: TimelineSample[][] = run.markets.map((m) => sampleTimeline(m.result, times));
  const walk = residualDeltaWalk(run, units, times);
  return times.map((time, t) => {
    const sum = { spreadCapture: 0n, inventory: 0n, fees: 0n, rebates: 0n, funding: 0n, quoting: 0n, hedgeCost: 0n };
    perMarket.forEach((samples, i) => {
      const s = samples[t];
      const capture = units.money(i, halfTickLotsMicro(s.spreadCapture));
      const fees = units.money(i, s.fees);
      const rebates = units.money(i, s.rebates);
      sum.spreadCapture += capture;
      sum.inventory += units.money(i, halfTickLotsMicro(s.inventory));
      sum.fees += fees;
      sum.rebates += rebates;
      sum.funding += units.money(i, s.funding);
      if (i === 0) sum.quoting += capture + fees + rebates;
      else sum.hedgeCost += capture + fees + rebates;
    });
    const { netDelta, residual } = walk[t];
    return { time, netDelta, ...sum, residualDelta: residual, basis: sum.inventory - residual };
  });
}

/** Net delta and ∫ net delta d(quoted mid) at each of `times` (the walk's order is in the header). */
function residualDeltaWalk(run: ScenarioRun, units: PortfolioUnits, times: number[]): { netDelta: bigint; residual: bigint }[] {
  const { markets, fillOrder } = run;
  const quotedPath = markets[0].result.midPath;
  const mids = quotedPath.values[0];
  const next = markets.map(() => 0);
  const positions = markets.map(() => 0);
  let netDelta = 0n;
  let residual = 0n;
  let k = -1;
  let f = 0;
  const out: { netDelta: bigint; residual: bigint }[] = [];
  const advanceMid = (): void => {
    if (k >= 0) residual += units.deltaMoves(netDelta, 0, mids[k + 1] - mids[k]);
    k++;
  };
  for (const time of times) {
    for (;;) {
      const market = f < fillOrder.length ? fillOrder[f] : -1;
      const fill = market >= 0 ? markets[market].result.fills[next[market]] : undefined;
      const nextMidTs = k + 1 < quotedPath.length ? quotedPath.time[k + 1] : Infinity;
      if (fill && fill.exchTs <= time) {
        if (market === 0 ? fill.midIndex > k : fill.exchTs > nextMidTs) {
          advanceMid();
          continue;
        }
        netDelta += units.delta(market, fill.positionAfter - positions[market]);
        positions[market] = fill.positionAfter;
        next[market]++;
        f++;
        continue;
      }
      if (nextMidTs <= time) {
        advanceMid();
        continue;
      }
      break;
    }
    out.push({ netDelta, residual });
  }
  return out;
}

/** Net delta figures over the run (base units): final, max |·|, time-weighted mean and mean |·|. */
function netDeltaFigures(run: ScenarioRun, units: PortfolioUnits): PortfolioSummary['netDelta'] {
  const { markets, fillOrder, result } = run;
  const { startTs, endTs } = result;
  const next = markets.map(() => 0);
  const positions = markets.map(() => 0);
  let delta = 0n;
  let max = 0n;
  let since = startTs;
  let signed = 0;
  let absolute = 0;
  const accrue = (until: number): void => {
    const span = Math.max(0, until - since);
    const value = units.deltaValue(delta);
    signed += value * span;
    absolute += Math.abs(value) * span;
    since = Math.max(since, until);
  };
  for (const market of fillOrder) {
    const fill = markets[market].result.fills[next[market]++];
    accrue(fill.exchTs);
    delta += units.delta(market, fill.positionAfter - positions[market]);
    positions[market] = fill.positionAfter;
    if ((delta < 0n ? -delta : delta) > max) max = delta < 0n ? -delta : delta;
  }
  accrue(endTs);
  const duration = endTs - startTs;
  return {
    final: units.deltaValue(delta),
    max: units.deltaValue(max),
    mean: duration > 0 ? signed / duration : 0,
    meanAbs: duration > 0 ? absolute / duration : 0,
  };
}

/** Each fill of hedge market `index` against the quoted market's mid in force then, bps (positive: a cost). */
function hedgeSlippage(run: ScenarioRun, index: number): number[] {
  const quoted = run.markets[0];
  const hedge = run.markets[index];
  const path = quoted.result.midPath;
  return hedge.result.fills.map((fill) => {
    const at = path.indexAt(fill.exchTs);
    const mid = at >= 0 ? (path.values[0][at] / 2) * quoted.units.spec.tickSize : NaN;
    const price = fill.price * hedge.units.spec.tickSize;
    return (sideSign(fill.side) * (price - mid) * 10_000) / mid;
  });
}
