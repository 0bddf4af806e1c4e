import { z } from 'zod';
import { avellanedaStoikov } from './avellaneda-stoikov.ts';
import { glft } from './glft.ts';
import type { StrategyKind } from './registry.ts';

/** The model-based strategies (issue 4), spread into STRATEGIES. Units are stated in each file's header. */
const positive = z.number().positive();

const modelCommon = {
  name: z.string(),
  /** Risk aversion γ. */
  gamma: positive,
  /** Decay k of the fill intensity with distance, per price unit. */
  k: positive,
  /** Volatility σ of the mid, price units per √time unit. */
  sigma: z.number().nonnegative(),
  /** Order size, base units. */
  size: positive,
  requoteMs: positive.default(1000),
};

export const MODEL_STRATEGIES: Record<string, StrategyKind> = {
  'avellaneda-stoikov': {
    schema: z
      .object({
        ...modelCommon,
        /** Horizon T, time units. */
        horizon: positive,
        timeUnitSeconds: positive.default(1),
        variant: z.enum(['inventory', 'symmetric']).default('inventory'),
        maxInventory: positive.optional(),
      })
      .strict(),
    create: avellanedaStoikov,
  },
  glft: {
    schema: z
      .object({
        ...modelCommon,
        /** Arrival rate A of market orders reaching the mid, per time unit (the same unit as σ's). */
        A: positive,
        maxInventory: positive,
        /** Replace σ by a rolling estimate from the mids the loop reads (off by default). */
        estimateSigma: z.boolean().default(false),
        estimationWindowSeconds: positive.default(600),
        minSamples: z.number().int().positive().default(30),
        /** Seconds in the time unit σ and A are given in (used by the estimates only). */
        timeUnitSeconds: positive.default(1),
        /** Replace A and k by an online fit of the depths market trades reach (off by default). */
        estimateIntensity: z.boolean().default(false),
        /** Width of a depth bucket of that fit, price units (default: the market's tick). */
        depthBucket: positive.optional(),
        depthBuckets: z.number().int().min(3).default(70),
        /** Trades in the window before the fit replaces A and k. */
        minTrades: z.number().int().positive().default(100),
      })
      .strict(),
    create: glft,
  },
};
