import { COLUMN_NAMES, type EventColumns } from './columns.ts';

/**
 * Decoded replays kept for the life of a process, keyed by what determines their content (the replay's
 * settings, the market's units, the scenario folder). Later runs of the same data in the process reuse
 * them instead of decoding again; a sweep's main thread decodes once and hands each worker thread the
 * columns in SharedArrayBuffers, which the workers put here before their first run (no copy, no re-parse).
 */
export interface DecodedReplay {
  columns: EventColumns;
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

/** A copy of the columns backed by SharedArrayBuffers, to post to worker threads without copying again. */
export function sharedColumns(columns: EventColumns): EventColumns {
  const out = { length: columns.length } as EventColumns;
  for (const name of COLUMN_NAMES) {
    const source = columns[name];
    const buffer = new SharedArrayBuffer(source.byteLength);
    const shared = source instanceof Uint8Array ? new Uint8Array(buffer) : new Float64Array(buffer);
    new Uint8Array(buffer).set(new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
    (out as unknown as Record<string, unknown>)[name] = shared;
  }
  return out;
}
