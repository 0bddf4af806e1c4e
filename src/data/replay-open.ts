import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { SpreadlabError } from '../core/errors.ts';
import { isoMicros, US_PER_SECOND } from '../core/units.ts';
import { warn } from '../core/warnings.ts';
import { Kind, openColumns } from './columns.ts';
import { defaultCacheDir, finishChecking, type CacheFile } from './cache.ts';
import type { ReplayInput } from './format.ts';
import { AUTO_STREAM_BYTES, type ReplayConfig } from './replay-config.ts';
import { findStream, loadReplay, type ReplayOptions, type StreamedReplay } from './replay.ts';
import { prepareStreamInThread } from './stream-prepare.ts';
import { openColumnsByExchTime } from './exchange-order.ts';
import { DEFAULT_CHUNK_ROWS, openCacheRows } from './stream.ts';
import { lookupReplay, rememberReplay, replayKey, type DecodedReplay } from './shared-replays.ts';
import type { DataContext, OpenedData } from './source.ts';

/**
 * Opening a replay (rules in replay-config.ts; the source's definition, replay-source.ts, imports this): decoded in memory and kept
 * for the process, or streamed from the cache. A module of its own so that a run of synthetic data does not
 * load the replay machinery: the source's `open` imports it.
 */
export async function openReplay(config: ReplayConfig, context: DataContext): Promise<OpenedData> {
  const key = replayKey({ ...config, orderEvents: context.orderEvents === true }, context.units.spec, context.baseDir);
  if (streamsReplay(config, inputsOf(config, context))) return openStreamed(config, context, key);
  return openInMemory(config, context, key);
}

/**
 * Whether a replay is streamed: as `stream` says; left out, when the cache is on and the files named total
 * AUTO_STREAM_BYTES or more on disk (replay-config.ts). A file that cannot be read counts nothing here: its
 * decode says what is wrong with it.
 */
export function streamsReplay(config: Pick<ReplayConfig, 'stream' | 'cache'>, inputs: ReplayInput[]): boolean {
  if (config.stream !== undefined) return config.stream;
  if (!config.cache) return false;
  return inputs.reduce((sum, input) => sum + sizeOnDisk(input.path), 0) >= AUTO_STREAM_BYTES;
}

function sizeOnDisk(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

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
  if (replay && (failed(replay.feed) || failed(replay.venue))) replay = undefined; // removed: made again
  if (!replay) {
    const inputs = inputsOf(config, context);
    const options = { ...replayOptions(config, context), cache: { dir: defaultCacheDir() } };
    // made the first time by a thread of its own (stream-prepare.ts), then opened here as any later run opens it
    const prepared = (await findStream(inputs, options)) ?? ((await prepareStreamInThread(inputs, options)) ? await findStream(inputs, options) : null);
    if (!prepared) return openInMemory({ ...config, cache: false }, context, key);
    replay = prepared;
    reportSkipped(replay.problems.count, config.files);
    streamed.set(key, replay);
  }
  const { feed, venue, startTs, lastTs } = replay;
  const chunkRows = config.chunkRows ?? DEFAULT_CHUNK_ROWS;
  return {
    open: openCacheRows(feed, chunkRows),
    openVenue: openCacheRows(venue, chunkRows),
    startTs,
    endTs: endOfRun(config, context, startTs, lastTs),
    files: replay.files,
    orderEvents: replay.orderEvents,
    verify: () => {
      finishChecking(feed);
      finishChecking(venue);
    },
  };
}

/** Whether a streamed replay entry's file failed its checksum as it was read (it has been removed). */
function failed(file: CacheFile<unknown>): boolean {
  return file.check?.state === 'failed';
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
