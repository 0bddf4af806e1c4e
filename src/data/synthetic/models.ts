import type { DataSourceKind } from '../sources.ts';
import { avellanedaStoikovSource } from './avellaneda-stoikov-config.ts';
import { informedFlowSource } from './informed-flow-config.ts';
import { regimeSource } from './regime-config.ts';

/** The model-based synthetic markets (issue 4), spread into DATA_SOURCES under `synthetic/<model>`. */
export const MODEL_SOURCES: Record<string, DataSourceKind> = {
  'synthetic/avellaneda-stoikov': avellanedaStoikovSource,
  'synthetic/informed-flow': informedFlowSource,
  'synthetic/regime': regimeSource,
};
