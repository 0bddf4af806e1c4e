import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { boundedNumber } from '../core/bounds.ts';
import { SpreadlabError } from '../core/errors.ts';
import { isoMicros, US_PER_SECOND } from '../core/units.ts';
import { warn } from '../core/warnings.ts';
import { Kind, openColumns } from './columns.ts';
import { defaultCacheDir } from './cache.ts';
import type { ReplayInput } from './format.ts';
import { FILE_FORMATS } from './formats.ts';
import { loadReplay, prepareStream, type ReplayOptions, type StreamedReplay } from './replay.ts';
import { openColumnsByExchTime } from './exchange-order.ts';
import { DEFAULT_CHUNK_ROWS, openCacheRows } from './stream.ts';
import { lookupReplay, rememberReplay, replayKey, type DecodedReplay } from './shared-replays.ts';
import { defineDataSource, type DataContext, type OpenedData } from './source.ts';

/**
 * Scenario `data` of kind "replay": recorded files replayed through the venue.
 *
 *   { "kind": "replay", "files": ["../data/x_incremental_book_L2.csv.gz", "../data/x_trades.csv.gz"],
 *     "format": "auto", "onError": "stop", "onGap": "stop", "alignLocalTime": true, "cache": true,
 *     "stream": false, "chunkRows": 65536 }
 *
 * Rules:
 * - `files` are relative to the scenario file's folder (absolute paths are kept). Formats are detected per
 *   file unless `format` names one (`auto` or a registered format's name: formats.ts). LOBSTER needs `date`
 *   (YYYY-MM-DD) when the file names do not carry it, and `timezone` (default America/New_York).
 * - The run starts at the first event's localTs and ends at the last event's (localTs or exchTs, whichever
 *   is later), or after the scenario's durationSeconds when that is given. A durationSeconds that runs past
 *   the end of the data is a problem like a bad row: under onError "stop" the run is refused (the strategy
 *   would go on quoting a market that no longer moves); under "skip" the run ends where the data does,
 *   with a warning.
 * - Under onError "skip", the count of problems skipped is a warning (`spreadlab data validate` lists them).
 * - Two timelines: the strategy's feed reads the merged events in localTs order (merge.ts); the venue reads
 *   the same events in exchTs order (exchange-order.ts): decoded columns through a row order merged once
 *   and kept with them; a streamed replay from its entry's venue file (stream-entry.ts), written once
 *   through the reorder buffer.
 * - `cache` (default true) keeps decoded columns under .cache/spreadlab/ (or $SPREADLAB_CACHE_DIR).
 * - `stream` (default false): false decodes every file into memory (34 bytes a row for book and trade data, 50 with quote or order rows; 4 more for the venue's row order), merges them once
 *   and keeps the result for later runs in this process (shared-replays.ts; a sweep hands it to its
 *   workers). true replays with bounded memory for inputs larger than RAM: files are decoded into the cache
 *   (tardis chunk by chunk) and merged once into a streamed replay entry (stream-entry.ts: the rows in feed
 *   order and in venue order), then each open of a timeline reads its file `chunkRows` rows at a time
 *   (stream.ts) — the same events in the same order as stream false, so the same fills and summary. Peak
 *   memory while replaying is about chunkRows × 50 bytes × 2 timelines. The span and the clock-alignment
 *   shift come from the entry's header. Streaming needs `cache` true (it reads the cache files) and is never
 *   chosen automatically. A sweep's workers each open the stream themselves (nothing is shared).
 * - `chunkRows` (default 65536, only with `stream`): rows read per timeline per chunk.
 * - Order events (order-by-order data, for a queue model that reads them) are decoded only when the run's
 *   context asks for them (the venue's queue model is an order-by-order one), from formats that have them
 *   (LOBSTER message files); the replay then says whether it holds any.
 * Known limits: see replay.ts.
 */
const schema = z
  .object({
    kind: z.literal('replay'),
    files: z.array(z.string().min(1)).min(1),
    format: z.enum(['auto', ...FILE_FORMATS.map((format) => format.name)]).default('auto'),
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
      .optional(),
    timezone: z.string().default('America/New_York'),
    onError: z.enum(['stop', 'skip']).default('stop'),
    onGap: z.enum(['stop', 'resync']).default('stop'),
    alignLocalTime: z.boolean().default(true),
    cache: z.boolean().default(true),
    // optional rather than defaulted, so scenarios that do not name them echo unchanged in run.json
    stream: z.boolean().optional(),
    chunkRows: boundedNumber({ min: 1, max: 1 << 26, integer: true }).optional(),
  })
  .strict();

export type ReplayConfig = z.infer<typeof schema>;

export const replaySource = defineDataSource({
  name: 'replay',
  description: 'recorded market data files (any registered file format) replayed through the venue',
  params: schema,
  async open(config, context) {
    const key = replayKey({ ...config, orderEvents: context.orderEvents === true }, context.units.spec, context.baseDir);
    if (config.stream) return openStreamed(config, context, key);
    return openInMemory(config, context, key);
  },
});

async function openInMemory(config: ReplayConfig, context: DataContext, key: string): Promise<OpenedData> {
  const { columns, venueOrder, files } = lookupReplay(key) ?? (await decode(config, context, key));
  const n = columns.length;
  const startTs = n > 0 ? columns.localTs[0] : 0;
  const lastTs = n > 0 ? Math.max(columns.localTs[n - 1], columns.exchTs[n - 1]) : 0;
  return {
    open: openColumns(columns),
    openVenue: openColumnsByExchTime(columns, venueOrder),
    startTs,
    endTs: endOfRun(config, context, startTs, lastTs),
    files,
    orderEvents: context.orderEvents === true && columns.kind.includes(Kind.ORDER),
  };
}

/** Where a replay run ends: the data's end, or durationSeconds after its start when that ends sooner (see the rules). */
function endOfRun(config: ReplayConfig, context: DataContext, startTs: number, lastTs: number): number {
  if (context.durationSeconds === undefined) return lastTs;
  const endTs = startTs + Math.round(context.durationSeconds * US_PER_SECOND);
  if (endTs <= lastTs) return endTs;
  const data = `the data spans ${((lastTs - startTs) / US_PER_SECOND).toFixed(1)} s, ${isoMicros(startTs)} to ${isoMicros(lastTs)}`;
  if (config.onError === 'stop') {
    throw new SpreadlabError(
      `durationSeconds ${context.durationSeconds}: runs past the end of the data (${data}); shorten it, leave it out to run to the end, or set data.onError to "skip" to end where the data does`,
    );
  }
  warn(`durationSeconds ${context.durationSeconds} runs past the end of the data (${data}): the run ends where the data does`);
  return lastTs;
}

/** The warning for problems skipped under onError "skip". */
function reportSkipped(count: number, files: string[]): void {
  if (count > 0) warn(`${count} problem(s) in ${files.join(', ')} skipped (data.onError "skip"); spreadlab data validate lists them`);
}

/** Streamed replays prepared in this process (cache files and span; no events are held). */
const streamed = new Map<string, StreamedReplay>();

async function openStreamed(config: ReplayConfig, context: DataContext, key: string): Promise<OpenedData> {
  if (!config.cache) throw new SpreadlabError('data.stream: streaming replays read the decoded cache files; set data.cache to true (or leave it out)');
  let replay = streamed.get(key);
  if (!replay) {
    const prepared = await prepareStream(inputsOf(config, context), { ...replayOptions(config, context), cache: { dir: defaultCacheDir() } });
    if (!prepared) return openInMemory({ ...config, cache: false }, context, key);
    replay = prepared;
    reportSkipped(replay.problems.count, config.files);
    streamed.set(key, replay);
  }
  const { startTs, lastTs } = replay;
  const chunkRows = config.chunkRows ?? DEFAULT_CHUNK_ROWS;
  return {
    open: openCacheRows(replay.feed, chunkRows),
    openVenue: openCacheRows(replay.venue, chunkRows),
    startTs,
    endTs: endOfRun(config, context, startTs, lastTs),
    files: replay.files,
    orderEvents: replay.orderEvents,
  };
}

function inputsOf(config: ReplayConfig, context: DataContext): ReplayInput[] {
  return config.files.map((file) => ({ path: isAbsolute(file) ? file : join(context.baseDir, file), display: isAbsolute(file) ? file : join(context.baseDir, file) }));
}

function replayOptions(config: ReplayConfig, context: DataContext): ReplayOptions {
  return {
    units: context.units,
    format: config.format,
    onError: config.onError,
    onGap: config.onGap,
    date: config.date,
    timezone: config.timezone,
    alignLocalTime: config.alignLocalTime,
    orderEvents: context.orderEvents === true,
    cache: config.cache ? { dir: defaultCacheDir() } : null,
  };
}

/** Decodes the files (through the on-disk cache) and keeps the result for later runs in this process. */
async function decode(config: ReplayConfig, context: DataContext, key: string): Promise<DecodedReplay> {
  const replay = await loadReplay(inputsOf(config, context), replayOptions(config, context));
  reportSkipped(replay.problems.count, config.files);
  const decoded = { columns: replay.columns, venueOrder: replay.venueOrder, files: replay.files };
  rememberReplay(key, decoded);
  return decoded;
}
