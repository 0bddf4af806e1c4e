import { COLUMN_NAMES, type EventColumns } from './columns.ts';

/**
 * Decoded replays kept for the life of a process, keyed by what determines their content (the replay's
 * settings, the market's units, the scenario folder). Later runs of the same data in the process reuse
 * them instead of decoding again; a sweep's main thread decodes once and hands each worker thread the
 * columns in SharedArrayBuffers; a worker keeps a thread-local copy (one memcpy, no re-parse) because V8
 * reads plain typed arrays faster than shared ones: 256 replay runs on 2 workers took 6.6–6.8 s with the
 * copy against 7.0–7.5 s reading the shared arrays directly (the cost is one copy of the columns per worker).
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

export function allReplays(): [string, DecodedReplay][] {
  return [...replays.entries()];
}

type Column = Uint8Array | Int32Array | Float64Array;

/** A copy of a replay's columns and row order backed by SharedArrayBuffers, to post to worker threads without copying again. */
export function sharedReplay(replay: DecodedReplay): DecodedReplay {
  const columns = { length: replay.columns.length } as EventColumns;
  for (const name of COLUMN_NAMES) (columns as unknown as Record<string, Column>)[name] = sharedCopy(replay.columns[name]);
  return { columns, venueOrder: sharedCopy(replay.venueOrder), files: replay.files };
}

function sharedCopy<T extends Column>(source: T): T {
  const buffer = new SharedArrayBuffer(source.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
  return new (source.constructor as new (buffer: SharedArrayBuffer) => T)(buffer);
}

/** A thread-local copy of a shared replay (plain ArrayBuffers, which V8 reads faster than shared ones). */
export function localReplay(replay: DecodedReplay): DecodedReplay {
  const columns = { length: replay.columns.length } as EventColumns;
  for (const name of COLUMN_NAMES) (columns as unknown as Record<string, Column>)[name] = replay.columns[name].slice();
  return { columns, venueOrder: replay.venueOrder.slice(), files: replay.files };
}
