import { z } from 'zod';
import { boundedNumber, BOUNDS } from '../../core/bounds.ts';
import { US_PER_MS } from '../../core/units.ts';
import { defineDataSource, type DataContext } from '../source.ts';
import { syntheticBase, syntheticPeriod, marketRng, wholeTicks } from './config-helpers.ts';
import { openRandomWalk, type RandomWalkParams } from './random-walk.ts';

/** The displayed ladder and the market orders of the random-walk model (shared with the shared-price model). */
export const ladderFields = {
  spreadTicks: boundedNumber(BOUNDS.ticks).default(1),
  levels: boundedNumber(BOUNDS.levels).default(20),
  /** Median displayed size of a level, base units. */
  levelSize: boundedNumber(BOUNDS.size),
  churn: boundedNumber({ min: 0, max: 1 }).default(0.1),
  tradesPerSecond: boundedNumber(BOUNDS.ratePerSecond),
  /** Mean market order size, base units. */
  tradeSize: boundedNumber(BOUNDS.size),
  refreshMs: boundedNumber(BOUNDS.periodMs).default(100),
};

/** Scenario settings of the random-walk market, in the market's decimal units. */
const schema = z
  .object({
    ...syntheticBase,
    model: z.literal('random-walk'),
    startPrice: boundedNumber(BOUNDS.price),
    /** Standard deviation of the mid's move over one second, in price units. */
    volatility: boundedNumber({ min: 0, max: BOUNDS.price.max }),
    ...ladderFields,
    /** Informed market orders (rules in random-walk.ts); without it the flow is uninformed. */
    informed: z
      .object({
        /** Share of the market orders that are informed, 0..1. */
        share: boundedNumber({ min: 0, max: 1 }),
        /** Size of a jump of the mid, price units (a whole number of ticks). */
        jumpSize: boundedNumber(BOUNDS.price),
        jumpsPerSecond: boundedNumber(BOUNDS.ratePerSecond),
        /** How long before a jump the informed orders come, ms. */
        leadMs: boundedNumber({ above: 0, max: BOUNDS.latencyMs.max }).default(500),
      })
      .strict()
      .optional(),
  })
  .strict();

type LadderConfig = z.output<z.ZodObject<typeof ladderFields>> & { start: string; feedLatencyMs: number };

/** The ladder's settings in engine units (ticks, lots, µs) and the run's period. */
export function ladderParams(config: LadderConfig, context: DataContext): Omit<RandomWalkParams, 'startMid' | 'volatilityTicks'> {
  const { units } = context;
  const { startTs, endTs } = syntheticPeriod(config.start, context);
  return {
    spreadTicks: config.spreadTicks,
    levels: config.levels,
    levelSize: config.levelSize / units.spec.lotSize,
    churn: config.churn,
    tradesPerSecond: config.tradesPerSecond,
    tradeSize: config.tradeSize / units.spec.lotSize,
    refreshMs: config.refreshMs,
    feedLatencyUs: Math.round(config.feedLatencyMs * US_PER_MS),
    startTs,
    endTs,
  };
}

export const randomWalkSource = defineDataSource({
  name: 'synthetic/random-walk',
  description:
    'a seeded random-walk market with a churning L2 ladder and Poisson market orders, optionally a share of them informed (the demo market)',
  params: schema,
  open(config, context) {
    const { units } = context;
    const ladder = ladderParams(config, context);
    const { informed } = config;
    const open = openRandomWalk(
      {
        startMid: units.roundToTick(config.startPrice),
        volatilityTicks: config.volatility / units.spec.tickSize,
        ...ladder,
        ...(informed && {
          informed: {
            share: informed.share,
            jumpTicks: wholeTicks(units, informed.jumpSize, 'data.informed.jumpSize'),
            jumpsPerSecond: informed.jumpsPerSecond,
            leadUs: Math.round(informed.leadMs * US_PER_MS),
          },
        }),
      },
      marketRng(context),
    );
    return { open, openVenue: open, startTs: ladder.startTs, endTs: ladder.endTs, files: [] };
  },
});
