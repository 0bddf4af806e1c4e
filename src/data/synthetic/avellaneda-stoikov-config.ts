import { z } from 'zod';
import { boundedNumber, BOUNDS } from '../../core/bounds.ts';
import { US_PER_MS } from '../../core/units.ts';
import { defineDataSource } from '../source.ts';
import { openAvellanedaStoikov } from './avellaneda-stoikov.ts';
import { lotsOf, microsOf, syntheticBase, syntheticPeriod, marketRng } from './config-helpers.ts';

/**
 * Scenario settings of the Avellaneda–Stoikov market, in the paper's units: time in "time units" of
 * `timeUnitSeconds` engine seconds each, prices in the market's price units. So the paper's T = 1 with
 * timeUnitSeconds = 200 is a 200 s run, its dt = 0.005 a mid step every 1 s, its A = 140 orders per time
 * unit 0.7 orders a second on each side, and σ = 2 a step of 2·√0.005 ≈ 0.1414 price units.
 */
const schema = z
  .object({
    ...syntheticBase,
    model: z.literal('avellaneda-stoikov'),
    /** Engine seconds in one of the paper's time units. */
    timeUnitSeconds: boundedNumber(BOUNDS.modelParameter).default(1),
    /** Initial mid s, price units. */
    startPrice: boundedNumber(BOUNDS.price),
    /** Volatility σ: the mid's standard deviation over one time unit, price units. */
    sigma: boundedNumber({ min: 0, max: BOUNDS.price.max }),
    /** Mid step interval, time units. */
    dt: boundedNumber(BOUNDS.modelParameter),
    walk: z.enum(['binomial', 'gaussian']).default('binomial'),
    /** Market orders per time unit on each side. */
    A: boundedNumber(BOUNDS.modelParameter),
    /** Decay of the depth a market order reaches, per price unit. */
    k: boundedNumber(BOUNDS.modelParameter),
    /** Size of each market order's print, base units: keep it ≥ levelSize + your quote size. */
    orderSize: boundedNumber(BOUNDS.size),
    levels: boundedNumber(BOUNDS.levels).default(1),
    /** Displayed size of each level, base units. */
    levelSize: boundedNumber(BOUNDS.size),
    /**
     * How a quote is hit: `poisson` (default: market orders arrive as Poisson processes, probability
     * 1 − e^(−λ·dt) per step) or `paper` (the paper's λ·dt capped at 1, one market order a side per step).
     * Optional rather than defaulted, so scenarios that do not name it echo unchanged in run.json.
     */
    fillRule: z.enum(['poisson', 'paper']).optional(),
  })
  .strict();

export const avellanedaStoikovSource = defineDataSource({
  name: 'synthetic/avellaneda-stoikov',
  description: "the Avellaneda & Stoikov (2008) market: a random-walk mid and market orders reaching an exponential depth, the paper's fill model",
  params: schema,
  open(config, context) {
    const { units } = context;
    const { startTs, endTs } = syntheticPeriod(config.start, context);
    const tick = units.spec.tickSize;
    const open = openAvellanedaStoikov(
      {
        startMid: config.startPrice / tick,
        stepUs: microsOf(config.dt * config.timeUnitSeconds, 'data.dt × data.timeUnitSeconds'),
        stepTicks: (config.sigma * Math.sqrt(config.dt)) / tick,
        walk: config.walk,
        ordersPerSecond: config.A / config.timeUnitSeconds,
        kPerTick: config.k * tick,
        orderSize: lotsOf(units, config.orderSize, 'data.orderSize'),
        levels: config.levels,
        levelSize: lotsOf(units, config.levelSize, 'data.levelSize'),
        fillRule: config.fillRule ?? 'poisson',
        feedLatencyUs: Math.round(config.feedLatencyMs * US_PER_MS),
        startTs,
        endTs,
      },
      marketRng(context),
    );
    return { open, openVenue: open, startTs, endTs, files: [] };
  },
});
