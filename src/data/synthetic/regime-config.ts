import { z } from 'zod';
import { boundedNumber, BOUNDS } from '../../core/bounds.ts';
import { US_PER_MS } from '../../core/units.ts';
import { defineDataSource } from '../source.ts';
import { lotsOf, microsOf, syntheticBase, syntheticPeriod, marketRng } from './config-helpers.ts';
import { openRegime, type RegimeState } from './regime.ts';

/** Scenario settings of the regime market (rules in regime.ts), in the market's decimal units. */
const regimeSchema = z
  .object({
    /** Standard deviation of the mid's move over one second, price units. */
    volatility: boundedNumber({ min: 0, max: BOUNDS.price.max }),
    tradesPerSecond: boundedNumber(BOUNDS.ratePerSecond),
    spreadTicks: boundedNumber(BOUNDS.ticks).default(1),
    /** Mean time spent in the regime before switching, seconds. */
    meanSeconds: boundedNumber(BOUNDS.durationSeconds),
  })
  .strict();

const schema = z
  .object({
    ...syntheticBase,
    model: z.literal('regime'),
    startPrice: boundedNumber(BOUNDS.price),
    calm: regimeSchema,
    volatile: regimeSchema,
    jumpsPerSecond: boundedNumber({ min: 0, max: BOUNDS.ratePerSecond.max }).default(0),
    /** Mean absolute size of a jump, price units. */
    jumpSize: boundedNumber(BOUNDS.price).default(1),
    levels: boundedNumber(BOUNDS.levels).default(20),
    /** Displayed size of each level after a refresh, base units. */
    levelSize: boundedNumber(BOUNDS.size),
    /** Mean market order size, base units. */
    tradeSize: boundedNumber(BOUNDS.size),
    refreshMs: boundedNumber(BOUNDS.periodMs).default(100),
  })
  .strict();

export const regimeSource = defineDataSource({
  name: 'synthetic/regime',
  description: 'calm and volatile regimes with jumps, trading rising with volatility (stress tests of skew and inventory limits)',
  params: schema,
  open(config, context) {
    const { units } = context;
    const tick = units.spec.tickSize;
    const { startTs, endTs } = syntheticPeriod(config.start, context);
    const state = (r: z.output<typeof regimeSchema>): RegimeState => ({
      volatilityTicks: r.volatility / tick,
      tradesPerSecond: r.tradesPerSecond,
      spreadTicks: r.spreadTicks,
      meanSeconds: r.meanSeconds,
    });
    const open = openRegime(
      {
        startMid: config.startPrice / tick,
        calm: state(config.calm),
        volatile: state(config.volatile),
        jumpsPerSecond: config.jumpsPerSecond,
        jumpTicks: config.jumpSize / tick,
        levels: config.levels,
        levelSize: lotsOf(units, config.levelSize, 'data.levelSize'),
        tradeSize: config.tradeSize / units.spec.lotSize,
        refreshUs: microsOf(config.refreshMs / 1000, 'data.refreshMs'),
        feedLatencyUs: Math.round(config.feedLatencyMs * US_PER_MS),
        startTs,
        endTs,
      },
      marketRng(context),
    );
    return { open, openVenue: open, startTs, endTs, files: [] };
  },
});
