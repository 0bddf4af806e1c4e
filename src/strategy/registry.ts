import { z } from 'zod';
import type { Strategy } from './api.ts';
import { fixedSpread, inventorySkew } from './seed.ts';
import { MODEL_STRATEGIES } from './model-strategies.ts';

/**
 * Built-in strategies by name, each with the schema of its scenario parameters (`strategy.*`, strict:
 * unknown keys are errors) and a factory. A new strategy is one entry here.
 */
export interface StrategyKind {
  schema: z.ZodTypeAny;
  create(params: never): Strategy;
}

const positive = z.number().positive();

const seedQuoting = {
  name: z.string(),
  spreadBps: positive,
  size: positive,
  requoteMs: positive.default(3000),
};

export const STRATEGIES: Record<string, StrategyKind> = {
  'fixed-spread': {
    schema: z.object(seedQuoting).strict(),
    create: fixedSpread,
  },
  'inventory-skew': {
    schema: z.object({ ...seedQuoting, maxInventory: positive, skewFactor: z.number().nonnegative().default(0.5) }).strict(),
    create: inventorySkew,
  },
  ...MODEL_STRATEGIES,
};
