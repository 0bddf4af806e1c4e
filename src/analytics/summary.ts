import { isoMicros, utcHour } from '../core/units.ts';
import { quantileSorted } from 'simple-statistics';
import type { ScenarioRun } from '../sim/run-scenario.ts';
import { fillMarkouts, weightedStat, type FillMarkouts, type WeightedStat } from './markouts.ts';
import { sampleTimeline, sampleTimes, type TimelineSample } from './timeline.ts';
import { equityMicro, halfTickLotsMicro, riskFigures, type RiskFigures } from './risk.ts';
import { inventoryFigures, quoteFigures, type InventoryFigures } from './exposure.ts';

/**
 * summary.json: the run's figures under stable keys (documented in README.md). Money is in the quote
 * currency, sizes in base units, spreads in bps unless named otherwise; computed exactly inside and
 * converted once. Horizon keys are "<seconds>s" ("1s", "5s", "30s", "60s" by default).
 */
export interface Summary {
  scenario: string;
  seed: number;
  period: { start: string; end: string; seconds: number };
  events: number;
  finalMid: number | null;
  mainHorizon: string;
  /** Size-weighted mean markout by horizon (bps); null without complete fills. */
  realizedSpreadBps: Record<string, number | null>;
  /** Count, weighted sd and 95 % interval behind each realizedSpreadBps figure. */
  realizedSpreadStats: Record<string, WeightedStat & { incomplete: number }>;
  /**
   * Realized spread net of fees and rebates by horizon: per fill, the markout at h minus the fill's fee (a
   * rebate adds), both in bps of the mid at the fill; size-weighted over the fills complete at h, with its
   * interval. What the verdict and `tune` judge.
   */
  netRealizedSpreadStats: Record<string, WeightedStat>;
  /** Size-weighted mean effective half-spread (bps) over all fills. */
  effectiveSpreadBps: number | null;
  /** effective − realized by horizon, over the fills complete at that horizon. */
  adverseSelectionBps: Record<string, number | null>;
  /** Parts sum to total: total = spreadCapture + inventory + fees + rebates + funding (fees ≤ 0). */
  pnl: { total: number; spreadCapture: number; inventory: number; fees: number; rebates: number; funding: number };
  fills: {
    count: number;
    buys: number;
    sells: number;
    makerVolume: number;
    takerVolume: number;
    /** Fills per order placed. */
    fillRatePerQuote: number | null;
    /** Orders cancelled per fill. */
    cancelToFill: number | null;
  };
  orders: { sent: number; rejected: number; cancelled: number };
  quotes: { twoSidedUptime: number; requotes: number };
  quotedSpread: { mean: number | null; meanBps: number | null };
  inventory: InventoryFigures;
  risk: RiskFigures;
  /** Realized spread (bps) at the main horizon by fill side, fill size bucket and UTC hour. */
  breakdown: {
    bySide: Record<string, WeightedStat>;
    bySize: Record<string, WeightedStat>;
    byHour: Record<string, WeightedStat>;
  };
}

export interface RunAnalysis {
  summary: Summary;
  /** Per fill, in fills order. */
  markouts: FillMarkouts[];
  horizonLabels: string[];
  timeseries: TimelineSample[];
}

/** What one market's analysis reads of a run: the scenario, the market's units and its record. */
export type MarketView = Pick<ScenarioRun, 'scenario' | 'units' | 'result'>;

/**
 * One market's figures (a one-market run's summary.json); `maxInventory` is the strategy's limit for this
 * market (default: the strategy's `maxInventory`, null when it has none).
 */
export function analyzeRun(run: MarketView, maxInventory: number | null = strategyMaxInventory(run.scenario)): RunAnalysis {
  const { result, units, scenario } = run;
  const { ledger, fills } = result;
  const settings = scenario.analytics;
  const horizonLabels = settings.horizonsSeconds.map(horizonLabel);
  const mainHorizon = horizonLabel(settings.mainHorizonSeconds);
  const mainIndex = horizonLabels.indexOf(mainHorizon);
  const horizonsUs = settings.horizonsSeconds.map((h) => h * 1e6);
  const markouts = fills.map((f) => fillMarkouts(f, result.midPath, horizonsUs, result.endTs));
  const weights = fills.map((f) => f.size);
  // A fill's fee in bps of the mid at the fill (positive: paid; negative: a rebate earned).
  const feeBps = fills.map((f, i) => (10_000 * units.money(f.fee)) / (markouts[i].mid * units.spec.tickSize * units.size(f.size)));

  const realizedSpreadBps: Summary['realizedSpreadBps'] = {};
  const realizedSpreadStats: Summary['realizedSpreadStats'] = {};
  const netRealizedSpreadStats: Summary['netRealizedSpreadStats'] = {};
  const adverseSelectionBps: Summary['adverseSelectionBps'] = {};
  horizonLabels.forEach((label, h) => {
    const realized = weightedStat(
      markouts.map((m) => m.markoutBps[h]),
      weights,
    );
    const effectiveComplete = weightedStat(
      markouts.map((m) => (Number.isFinite(m.markoutBps[h]) ? m.effectiveBps : NaN)),
      weights,
    );
    realizedSpreadBps[label] = realized.mean;
    realizedSpreadStats[label] = { ...realized, incomplete: markouts.filter((m) => !Number.isFinite(m.markoutBps[h])).length };
    netRealizedSpreadStats[label] = weightedStat(
      markouts.map((m, i) => m.markoutBps[h] - feeBps[i]),
      weights,
    );
    adverseSelectionBps[label] = realized.mean === null || effectiveComplete.mean === null ? null : effectiveComplete.mean - realized.mean;
  });

  const timeseries = sampleTimeline(result, sampleTimes(result.startTs, result.endTs, settings.sampleSeconds * 1e6));
  const end = timeseries[timeseries.length - 1];
  const spreadCapture = halfTickLotsMicro(end.spreadCapture);
  const inventoryPnl = halfTickLotsMicro(end.inventory);
  const total = equityMicro(end);

  let makerLots = 0;
  let takerLots = 0;
  for (const fill of fills) {
    if (fill.liquidity === 'maker') makerLots += fill.size;
    else takerLots += fill.size;
  }
  const quotes = quoteFigures(result);
  const mainMarkouts = markouts.map((m) => m.markoutBps[mainIndex]);

  const summary: Summary = {
    scenario: scenario.name,
    seed: scenario.seed,
    period: { start: isoMicros(result.startTs), end: isoMicros(result.endTs), seconds: (result.endTs - result.startTs) / 1e6 },
    events: result.marketEvents,
    finalMid: Number.isFinite(result.finalMid2) ? units.price(result.finalMid2) / 2 : null,
    mainHorizon,
    realizedSpreadBps,
    realizedSpreadStats,
    netRealizedSpreadStats,
    effectiveSpreadBps: weightedStat(
      markouts.map((m) => m.effectiveBps),
      weights,
    ).mean,
    adverseSelectionBps,
    pnl: {
      total: units.money(total),
      spreadCapture: units.money(spreadCapture),
      inventory: units.money(inventoryPnl),
      fees: units.money(end.fees),
      rebates: units.money(end.rebates),
      funding: units.money(end.funding),
    },
    fills: {
      count: fills.length,
      buys: ledger.buys,
      sells: ledger.sells,
      makerVolume: units.size(makerLots),
      takerVolume: units.size(takerLots),
      fillRatePerQuote: result.ordersSent > 0 ? fills.length / result.ordersSent : null,
      cancelToFill: fills.length > 0 ? result.cancels / fills.length : null,
    },
    orders: { sent: result.ordersSent, rejected: result.rejects, cancelled: result.cancels },
    quotes: { twoSidedUptime: quotes.twoSidedUptime, requotes: quotes.requotes },
    quotedSpread: {
      mean: quotes.meanSpreadTicks === null ? null : quotes.meanSpreadTicks * units.spec.tickSize,
      meanBps: quotes.meanSpreadBps,
    },
    inventory: inventoryFigures(result, units, maxInventory),
    risk: riskFigures(result, units, settings.riskIntervalSeconds, timeseries),
    breakdown: {
      bySide: groupStat(
        fills.map((f) => f.side),
        mainMarkouts,
        weights,
      ),
      bySize: groupStat(sizeBuckets(fills.map((f) => units.size(f.size))), mainMarkouts, weights),
      byHour: groupStat(
        fills.map((f) => utcHour(f.exchTs)),
        mainMarkouts,
        weights,
      ),
    },
  };
  return { summary, markouts, horizonLabels, timeseries };
}

/** The strategy's `maxInventory` parameter, or null when it has none. */
export function strategyMaxInventory(scenario: ScenarioRun['scenario']): number | null {
  return typeof scenario.strategy.maxInventory === 'number' ? scenario.strategy.maxInventory : null;
}

export function horizonLabel(seconds: number): string {
  return `${seconds}s`;
}

function groupStat(keys: string[], values: number[], weights: number[]): Record<string, WeightedStat> {
  const groups = new Map<string, { values: number[]; weights: number[] }>();
  keys.forEach((key, i) => {
    const group = groups.get(key) ?? { values: [], weights: [] };
    group.values.push(values[i]);
    group.weights.push(weights[i]);
    groups.set(key, group);
  });
  const out: Record<string, WeightedStat> = {};
  for (const key of [...groups.keys()].sort()) out[key] = weightedStat(groups.get(key)!.values, groups.get(key)!.weights);
  return out;
}

/**
 * Fill size buckets: each distinct size is its own bucket when there are at most four; otherwise the
 * quartiles of the fill sizes bound four buckets labelled by their upper edge ("≤0.005").
 */
function sizeBuckets(sizes: number[]): string[] {
  const distinct = [...new Set(sizes)].sort((a, b) => a - b);
  if (distinct.length <= 4) return sizes.map((s) => `=${s}`);
  const sorted = [...sizes].sort((a, b) => a - b);
  const edges = [0.25, 0.5, 0.75, 1].map((q) => quantileSorted(sorted, q));
  return sizes.map((s) => `≤${edges.find((edge) => s <= edge)}`);
}
