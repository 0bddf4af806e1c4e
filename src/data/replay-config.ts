import { z } from 'zod';
import { boundedNumber } from '../core/bounds.ts';
import { FORMAT_NAMES } from './formats.ts';

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
 * - `stream`: false decodes every file into memory (34 bytes a row for book and trade data, 50 with quote or order rows; 4 more for the venue's row order), merges them once
 *   and keeps the result for later runs in this process (shared-replays.ts; a sweep hands it to its
 *   workers). true replays with bounded memory for inputs larger than RAM: files are decoded into the cache
 *   (tardis chunk by chunk) and merged once into a streamed replay entry (stream-entry.ts: the rows in feed
 *   order and in venue order), then each open of a timeline reads its file `chunkRows` rows at a time
 *   (stream.ts) — the same events in the same order as stream false, so the same fills and summary. Peak
 *   memory while replaying is about chunkRows × 50 bytes × 2 timelines. The span and the clock-alignment
 *   shift come from the entry's header. Streaming needs `cache` true (it reads the cache files). A sweep's
 *   workers each open the stream themselves (nothing is shared).
 *   Left out (the default), it is true when `cache` is true and the files `files` names total
 *   AUTO_STREAM_BYTES or more on disk (a LOBSTER orderbook file found beside its message file is not
 *   counted), else false (streamsReplay, replay-open.ts): 128 MiB is about 15 M rows of tardis
 *   CSV.gz, some 0.6 GB decoded in memory; the day benchmark's 603 MB (68 M rows) streams, the shipped
 *   samples of a few MB do not. A day decoded in memory peaks at 5.6 GB on its first run and reads 2.6 GB
 *   into fresh memory on every later one, which streamed it does not (bench/RESULTS.md). Each mode has
 *   its own cache entry, made on its first run; a sweep shares only in-memory replays with its workers.
 * - `chunkRows` (default 65536, only with `stream`): rows read per timeline per chunk.
 * - Order events (order-by-order data, for a queue model that reads them) are decoded only when the run's
 *   context asks for them (the venue's queue model is an order-by-order one), from formats that have them
 *   (LOBSTER message files); the replay then says whether it holds any.
 * Known limits: see replay.ts.
 */
export const replaySchema = z
  .object({
    kind: z.literal('replay'),
    files: z.array(z.string().min(1)).min(1),
    format: z.enum(['auto', ...FORMAT_NAMES]).default('auto'),
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

export type ReplayConfig = z.infer<typeof replaySchema>;

/** A replay whose files total this many bytes or more on disk is streamed when `stream` is left out (see the rules). */
export const AUTO_STREAM_BYTES = 128 * 2 ** 20;
