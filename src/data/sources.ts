import type { DataSourceDefinition } from './source.ts';
import { replaySource } from './replay-source.ts';
import { avellanedaStoikovSource } from './synthetic/avellaneda-stoikov-config.ts';
import { informedFlowSource } from './synthetic/informed-flow-config.ts';
import { randomWalkSource } from './synthetic/random-walk-config.ts';
import { regimeSource } from './synthetic/regime-config.ts';
import { sharedPriceSource } from './synthetic/shared-price-config.ts';

/** The data sources a scenario's `data` can name (rules in source.ts); the order is the order error messages list them in. */
export const DATA_SOURCES: readonly DataSourceDefinition[] = [randomWalkSource, replaySource, avellanedaStoikovSource, informedFlowSource, regimeSource, sharedPriceSource];
