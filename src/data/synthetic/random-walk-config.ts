import { z } from 'zod';
import { Rng } from '../../core/rng.ts';
import { US_PER_MS, US_PER_SECOND } from '../../core/units.ts';
import { SpreadlabError } from '../../core/errors.ts';
import type { DataContext, DataSourceKind, OpenedData } from '../sources.ts';
import { openRandomWalk } from './random-walk.ts';

/** Scenario settings of the random-walk market, in the market's decimal units. */
export const syntheticBase = {
  kind: z.literal('synthetic'),
  start: z.string().datetime({ offset: true }).default('2024-01-01T00:00:00Z'),
  feedLatencyMs: z.number().nonnegative().default(0),
};

const schema = z
  .object({
    ...syntheticBase,
    model: z.literal('random-walk'),
    startPrice: z.number().positive(),
    /** Standard deviation of the mid's move over one second, in price units. */
    volatility: z.number().nonnegative(),
    spreadTicks: z.number().int().positive().default(1),
    levels: z.number().int().positive().default(20),
    /** Median displayed size of a level, base units. */
    levelSize: z.number().positive(),
    churn: z.number().min(0).max(1).default(0.1),
    tradesPerSecond: z.number().positive(),
    /** Mean market order size, base units. */
    tradeSize: z.number().positive(),
    refreshMs: z.number().positive().default(100),
  })
  .strict();

type RandomWalkConfig = z.infer<typeof schema>;

/** Start and end of a synthetic run: `start` plus the scenario's duration, which is required. */
export function syntheticPeriod(start: string, context: DataContext): { startTs: number; endTs: number } {
  if (context.durationSeconds === undefined) throw new SpreadlabError('durationSeconds: required for synthetic data');
  const startTs = Date.parse(start) * US_PER_MS;
  return { startTs, endTs: startTs + Math.round(context.durationSeconds * US_PER_SECOND) };
}

export const randomWalkSource: DataSourceKind = {
  schema,
  open(config: RandomWalkConfig, context: DataContext): OpenedData {
    const { units } = context;
    const { startTs, endTs } = syntheticPeriod(config.start, context);
    const seed = String(context.seed);
    const open = openRandomWalk(
      {
        startMid: units.roundToTick(config.startPrice),
        volatilityTicks: config.volatility / units.spec.tickSize,
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
      },
      () => new Rng(seed).fork('market'),
    );
    return { open, startTs, endTs, files: [] };
  },
};
