import type { StrategyDefinition } from './define.ts';
import { adaptiveSpreadStrategy } from './adaptive-spread.ts';
import { avellanedaStoikovStrategy } from './avellaneda-stoikov.ts';
import { glftStrategy } from './glft.ts';
import { hedgedSkewStrategy } from './hedged-skew.ts';
import { fixedSpreadStrategy, inventorySkewStrategy } from './seed.ts';

/** The built-in strategies, by the order `--help` and the JSON Schema list them. */
export const BUILT_IN_STRATEGIES: readonly StrategyDefinition[] = [
  fixedSpreadStrategy,
  inventorySkewStrategy,
  adaptiveSpreadStrategy,
  avellanedaStoikovStrategy,
  glftStrategy,
  hedgedSkewStrategy,
];
