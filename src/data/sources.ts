import { z } from 'zod';
import type { MarketUnits } from '../core/market.ts';
import type { Micros } from '../core/units.ts';
import type { OpenMarketEvents } from '../core/events.ts';
import { randomWalkSource } from './synthetic/random-walk-config.ts';
import { replaySource } from './replay-config.ts';
import { MODEL_SOURCES } from './synthetic/models.ts';

/**
 * Data sources a scenario's `data` can name, keyed by `kind` (and `model` for synthetic markets): each with
 * the schema of its settings (strict) and an opener. A new source is one entry here.
 */
export interface DataContext {
  units: MarketUnits;
  seed: number;
  /** The scenario's durationSeconds, when given. */
  durationSeconds?: number;
  /** Folder of the scenario file: relative data paths resolve against it. */
  baseDir: string;
}

export interface OpenedData {
  open: OpenMarketEvents;
  startTs: Micros;
  endTs: Micros;
  /** Data files read, with their SHA-256 (empty for synthetic data). */
  files: { path: string; sha256: string }[];
}

export interface DataSourceKind {
  schema: z.ZodTypeAny;
  open(config: never, context: DataContext): OpenedData | Promise<OpenedData>;
}

/** Key: `synthetic/<model>` for synthetic markets, `<kind>` otherwise. */
export const DATA_SOURCES: Record<string, DataSourceKind> = {
  'synthetic/random-walk': randomWalkSource,
  replay: replaySource,
  ...MODEL_SOURCES,
};

export function dataSourceKey(raw: { kind?: unknown; model?: unknown }): string {
  return raw.kind === 'synthetic' ? `synthetic/${String(raw.model)}` : String(raw.kind);
}
