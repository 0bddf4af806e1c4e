import { COLUMN_NAMES, type EventColumns } from './columns.ts';

/**
 * Decoded replays kept for the life of a process, keyed by what determines their content (the replay's
 * settings, the market's units, the scenario folder). Later runs of the same data in the process reuse
 * them instead of decoding again. A sweep's main thread decodes once, moves the kept columns into
 * SharedArrayBuffers (shareReplays) and hands them to its worker threads, which read them in place: one copy
 * of the columns in the process whatever the number of workers. (Only replays decoded in memory: a streamed
 * one, the default for large files, holds no columns; each worker reads it from the cache files.) Reading shared typed arrays costs V8 no more
 * than reading plain ones: both orders of the BTCUSDT spot replay (391,169 rows) read in a worker in
 * 13.5–14.5 ms shared against 15–16.6 ms from a thread-local copy (bench/sweep.ts has the whole-sweep figures).
 */
export interface DecodedReplay {
  columns: EventColumns;
  /** The venue's row order of the columns (exchange-order.ts). */
  venueOrder: Int32Array;
  files: { path: string; sha256: string }[];
}

const replays = new Map<string, DecodedReplay>();

export function replayKey(config: unknown, units: { tickSize: number; lotSize: number }, baseDir: string): string {
  return JSON.stringify({ config, tickSize: units.tickSize, lotSize: units.lotSize, baseDir });
}

export function lookupReplay(key: string): DecodedReplay | undefined {
  return replays.get(key);
}

export function rememberReplay(key: string, replay: DecodedReplay): void {
  replays.set(key, replay);
}

type Column = Uint8Array | Int32Array | Float64Array;

/**
 * Every kept replay, its columns and row order moved into SharedArrayBuffers (once: the kept entry is
 * replaced by the shared one, so this thread reads the same memory as the workers and the plain copy can be
 * collected), to post to worker threads without copying.
 */
export function shareReplays(): [string, DecodedReplay][] {
  for (const [key, replay] of replays) {
    if (!(replay.venueOrder.buffer instanceof SharedArrayBuffer)) replays.set(key, sharedReplay(replay));
  }
  return [...replays.entries()];
}

function sharedReplay(replay: DecodedReplay): DecodedReplay {
  const columns = { length: replay.columns.length } as EventColumns;
  for (const name of COLUMN_NAMES) (columns as unknown as Record<string, Column>)[name] = sharedCopy(replay.columns[name]);
  return { columns, venueOrder: sharedCopy(replay.venueOrder), files: replay.files };
}

function sharedCopy<T extends Column>(source: T): T {
  const buffer = new SharedArrayBuffer(source.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
  return new (source.constructor as new (buffer: SharedArrayBuffer) => T)(buffer);
}
