import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { US_PER_SECOND } from '../core/units.ts';
import { openColumns } from './columns.ts';
import { defaultCacheDir } from './cache.ts';
import { loadReplay } from './replay.ts';
import { lookupReplay, rememberReplay, replayKey, type DecodedReplay } from './shared-replays.ts';
import type { DataContext, DataSourceKind, OpenedData } from './sources.ts';

/**
 * Scenario `data` of kind "replay": recorded files replayed through the venue.
 *
 *   { "kind": "replay", "files": ["../data/x_incremental_book_L2.csv.gz", "../data/x_trades.csv.gz"],
 *     "format": "auto", "onError": "stop", "onGap": "stop", "alignLocalTime": true, "cache": true }
 *
 * Rules:
 * - `files` are relative to the scenario file's folder (absolute paths are kept). Formats are detected per
 *   file unless `format` names one. LOBSTER needs `date` (YYYY-MM-DD) when the file names do not carry it,
 *   and `timezone` (default America/New_York).
 * - The run starts at the first event's localTs and ends at the last event's (localTs or exchTs, whichever
 *   is later), or after the scenario's durationSeconds when that is given.
 * - `cache` (default true) keeps decoded columns under .cache/spreadlab/ (or $SPREADLAB_CACHE_DIR).
 * Known limits: see replay.ts (everything decoded in memory).
 */
const schema = z
  .object({
    kind: z.literal('replay'),
    files: z.array(z.string().min(1)).min(1),
    format: z.enum(['auto', 'tardis', 'binance-raw', 'lobster']).default('auto'),
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
      .optional(),
    timezone: z.string().default('America/New_York'),
    onError: z.enum(['stop', 'skip']).default('stop'),
    onGap: z.enum(['stop', 'resync']).default('stop'),
    alignLocalTime: z.boolean().default(true),
    cache: z.boolean().default(true),
  })
  .strict();

export type ReplayConfig = z.infer<typeof schema>;

export const replaySource: DataSourceKind = {
  schema,
  async open(config: ReplayConfig, context: DataContext): Promise<OpenedData> {
    const key = replayKey(config, context.units.spec, context.baseDir);
    const { columns, files } = lookupReplay(key) ?? (await decode(config, context, key));
    const n = columns.length;
    const startTs = n > 0 ? columns.localTs[0] : 0;
    const lastTs = n > 0 ? Math.max(columns.localTs[n - 1], columns.exchTs[n - 1]) : 0;
    const endTs = context.durationSeconds === undefined ? lastTs : startTs + Math.round(context.durationSeconds * US_PER_SECOND);
    return { open: openColumns(columns), startTs, endTs, files };
  },
};

/** Decodes the files (through the on-disk cache) and keeps the result for later runs in this process. */
async function decode(config: ReplayConfig, context: DataContext, key: string): Promise<DecodedReplay> {
  const inputs = config.files.map((file) => ({ path: isAbsolute(file) ? file : join(context.baseDir, file), display: isAbsolute(file) ? file : join(context.baseDir, file) }));
  const replay = await loadReplay(inputs, {
    units: context.units,
    format: config.format,
    onError: config.onError,
    onGap: config.onGap,
    date: config.date,
    timezone: config.timezone,
    alignLocalTime: config.alignLocalTime,
    cache: config.cache ? { dir: defaultCacheDir() } : null,
  });
  const decoded = { columns: replay.columns, files: replay.files };
  rememberReplay(key, decoded);
  return decoded;
}
