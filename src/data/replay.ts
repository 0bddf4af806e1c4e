import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { MarketUnits } from '../core/market.ts';
import { SpreadlabError } from '../core/errors.ts';
import { Kind, type EventColumns } from './columns.ts';
import { detectFormat, LOBSTER_NAME, type DataFormat } from './detect.ts';
import { mergeColumns, RANK, sortsBefore } from './merge.ts';
import { ProblemLog, type OnError } from './problems.ts';
import { readTardisFile, TardisDecoder, type DecodedFile } from './tardis/reader.ts';
import { readBinanceRaw } from './binance/raw.ts';
import { readLobster } from './lobster/reader.ts';
import { lineChunks } from './input.ts';
import { cachedDecode, cacheMeta, cachePath, ChunkedCacheWriter, openCacheFile, writeCache, type CacheFile, type CacheMeta, type CacheOptions, type Keyed } from './cache.ts';

/**
 * Loading recorded files for a replay: detect each file's format, decode it (through the columnar cache
 * when enabled), merge everything into one table in localTs order (tie rule in merge.ts), and optionally
 * align the capture host's clock.
 *
 * Rules:
 * - Binance raw captures given in one replay are one continuous stream, read in the order given (a later
 *   file continues the order-book sync of the earlier one: the 20240809 capture has no snapshot of its own).
 * - LOBSTER files come in message/orderbook pairs; naming only one of a pair finds the other next to it.
 * - tardis files are decoded one by one and merged (book, trades, quotes; several days in sequence).
 * - Clock alignment (`alignLocalTime`, on by default): when a capture host's clock runs behind the exchange
 *   (some book or trade row has localTs < exchTs), every localTs is shifted by the same constant so that
 *   min(localTs − exchTs) over book and trade rows is 0 — the strategy must never see an event before the
 *   exchange did it (hftbacktest's correct_local_timestamp does the same). Quote rows without their own
 *   exchange time do not count towards the minimum.
 * - Streaming (`prepareStream`, scenario `"stream": true`): nothing is held whole. Each unit is decoded into
 *   its cache file first when the cache has no entry (tardis files chunk by chunk: the reader's column
 *   builder spills to a ChunkedCacheWriter, so a file of any length decodes in fixed memory), then the
 *   replay reads the cache files in fixed-size chunks and merges them lazily (stream.ts) with the same tie
 *   rule and the same clock alignment as the in-memory path, yielding the same events. The span (first
 *   and last event) and the alignment shift come from the cache headers' stats, without a scan.
 * Known limits: loadReplay holds all files decoded in memory (about 50 bytes a row); use streaming for
 * inputs larger than RAM. Streaming needs the cache folder (room for about 50 bytes a row, plus as much
 * again while a file's entry is being assembled). A Binance raw chain or LOBSTER pair is still decoded
 * in memory once, on the first streamed read that finds no cache entry; only tardis files decode in chunks.
 */
export interface ReplayOptions {
  units: MarketUnits;
  format: 'auto' | DataFormat;
  onError: OnError | 'collect';
  onGap: 'stop' | 'resync';
  /** LOBSTER: the trading day (YYYY-MM-DD) when the file name does not give it. */
  date?: string;
  /** LOBSTER: the exchange's time zone (times in the files are seconds after local midnight). */
  timezone: string;
  alignLocalTime: boolean;
  cache?: CacheOptions | null;
}

export interface ReplayInput {
  path: string;
  /** The name shown in messages. */
  display: string;
}

export interface LoadedInput {
  format: string;
  files: ReplayInput[];
  symbol: string;
  rows: number;
  lines: number;
  dropped: number;
  gaps: number;
  fromCache: boolean;
}

export interface Replay {
  columns: EventColumns;
  inputs: LoadedInput[];
  files: { path: string; sha256: string }[];
  /** µs added to every localTs by clock alignment (0 when none was needed). */
  localShiftUs: number;
  problems: ProblemLog;
}

/** The decoded content of one input unit (one tardis file, one Binance chain, one LOBSTER pair). */
export interface Decoded {
  columns: EventColumns;
  format: string;
  symbol: string;
  lines: number;
  dropped: number;
  gaps: number;
}

export async function loadReplay(inputs: ReplayInput[], options: ReplayOptions): Promise<Replay> {
  const problems = new ProblemLog(options.onError);
  const { units, files } = await planReplay(inputs, options);
  const parts: EventColumns[] = [];
  const loaded: LoadedInput[] = [];
  for (const unit of units) {
    const { decoded, fromCache } = await cachedDecode(unit.keyed, problems, () => decodeUnit(unit, options, problems));
    parts.push(decoded.columns);
    loaded.push(loadedInput(unit, decoded, decoded.columns.length, fromCache));
  }
  const merged = mergeColumns(parts);
  const localShiftUs = options.alignLocalTime ? alignLocalTime(merged) : 0;
  return { columns: merged, inputs: loaded, files, localShiftUs, problems };
}

/** A decode unit with its cache key material: every file of the unit hashed (a LOBSTER partner found next to its file too). */
interface KeyedUnit extends Unit {
  keyed: Keyed;
}

/**
 * What loadReplay and prepareStream share: checks and hashes the inputs, groups them into decode units,
 * keys each unit for the cache, and lists the inputs with their hashes (Replay.files).
 */
async function planReplay(inputs: ReplayInput[], options: ReplayOptions): Promise<{ units: KeyedUnit[]; files: { path: string; sha256: string }[] }> {
  const sha = await checkAndHash(inputs);
  const units: KeyedUnit[] = [];
  for (const unit of groupInputs(inputs, options)) {
    const files: { path: string; sha256: string }[] = [];
    for (const f of unit.files) files.push({ path: f.path, sha256: sha.get(f.path) ?? (await sha256File(f.path)) });
    units.push({ ...unit, keyed: { files, format: unit.format, options } });
  }
  const files = inputs.map((input) => ({ path: input.display, sha256: sha.get(input.path) ?? '' }));
  return { units, files };
}

function loadedInput(unit: Unit, meta: CacheMeta, rows: number, fromCache: boolean): LoadedInput {
  return { format: meta.format, files: unit.files, symbol: meta.symbol, rows, lines: meta.lines, dropped: meta.dropped, gaps: meta.gaps, fromCache };
}

/** Every input must be a readable file; returns each path's SHA-256. */
async function checkAndHash(inputs: ReplayInput[]): Promise<Map<string, string>> {
  checkInputs(inputs);
  const sha = new Map<string, string>();
  for (const input of inputs) sha.set(input.path, await sha256File(input.path));
  return sha;
}

/** Every input must be a readable file (a SpreadlabError naming the first that is not). */
export function checkInputs(inputs: ReplayInput[]): void {
  if (inputs.length === 0) throw new SpreadlabError('data.files: expected at least one file');
  for (const input of inputs) {
    try {
      if (!statSync(input.path).isFile()) throw new Error('EISDIR');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new SpreadlabError(`${input.display}: cannot read data file (${code === 'ENOENT' ? 'no such file' : code})`);
    }
  }
}

/** A replay prepared for streaming: one cache file per decode unit (in merge order) and the span. */
export interface StreamedReplay {
  units: CacheFile[];
  inputs: LoadedInput[];
  files: { path: string; sha256: string }[];
  /** µs added to every localTs by clock alignment (0 when none was needed). */
  localShiftUs: number;
  /** Rows over all units. */
  rows: number;
  /** The first event's localTs (aligned); 0 when there are no rows. */
  startTs: number;
  /** The last event's max(localTs, exchTs) (aligned), as the in-memory replay's end; 0 when there are no rows. */
  lastTs: number;
  problems: ProblemLog;
}

/**
 * Makes sure every decode unit has a cache entry (decoding it chunk by chunk when it has none) and reads
 * their headers; the events are then read by openStream (stream.ts). See the header for the rules.
 */
export async function prepareStream(inputs: ReplayInput[], options: ReplayOptions & { cache: CacheOptions }): Promise<StreamedReplay> {
  const problems = new ProblemLog(options.onError);
  const { units, files } = await planReplay(inputs, options);
  const cached: CacheFile[] = [];
  const loaded: LoadedInput[] = [];
  for (const unit of units) {
    const path = cachePath(options.cache.dir, unit.keyed);
    let file = openCacheFile(path);
    const fromCache = file !== null;
    if (file) for (const p of file.problems) problems.report(p.file, p.line, p.column, p.message);
    else {
      mkdirSync(options.cache.dir, { recursive: true });
      await decodeUnitToCache(unit, options, problems, path);
      file = openCacheFile(path);
      if (!file) throw new Error(`${path}: cache entry just written cannot be read`);
    }
    cached.push(file);
    loaded.push(loadedInput(unit, file.meta, file.length, fromCache));
  }
  let shift = 0;
  let first = Infinity;
  let last = -1;
  let rows = 0;
  cached.forEach((f, j) => {
    rows += f.length;
    const s = f.stats;
    if (!s || f.length === 0) return;
    if (options.alignLocalTime && s.lead > shift) shift = s.lead;
    if (s.firstLocalTs < first) first = s.firstLocalTs;
    const l = last >= 0 ? cached[last].stats : null;
    if (!l || sortsBefore(l.lastLocalTs, RANK[l.lastKind], last, s.lastLocalTs, RANK[s.lastKind], j)) last = j;
  });
  const ls = last >= 0 ? cached[last].stats : null;
  return {
    units: cached,
    inputs: loaded,
    files,
    localShiftUs: shift,
    rows,
    startTs: rows > 0 ? first + shift : 0,
    lastTs: ls ? Math.max(ls.lastLocalTs + shift, ls.lastExchTs) : 0,
    problems,
  };
}

/** Decodes one unit into its cache file: tardis chunk by chunk, other formats whole (see Known limits). */
async function decodeUnitToCache(unit: Unit, options: ReplayOptions, problems: ProblemLog, path: string): Promise<void> {
  const before = problems.list.length;
  if (unit.format !== 'tardis') {
    const d = await decodeUnit(unit, options, problems);
    writeCache(path, d.columns, cacheMeta(d), problems.list.slice(before));
    return;
  }
  const [file] = unit.files;
  const writer = new ChunkedCacheWriter(path);
  try {
    const decoder = new TardisDecoder({ units: options.units, problems, display: file.display }, STREAM_DECODE_ROWS, (columns, count) => writer.append(columns, count));
    for await (const chunk of lineChunks(file.path, file.display)) decoder.feed(chunk);
    const r = decoder.finish();
    writer.append(r.columns, r.columns.length);
    writer.finish(cacheMeta(tardisDecoded(r)), problems.list.slice(before));
  } catch (error) {
    writer.abort();
    throw error;
  }
}

/** Rows a streaming decode holds before writing them to the cache (about 50 bytes each). */
export const STREAM_DECODE_ROWS = 1 << 16;

export interface Unit {
  format: DataFormat;
  files: ReplayInput[];
}

/** Splits the inputs into decode units: each tardis file alone, all Binance raw files together, LOBSTER pairs. */
export function groupInputs(inputs: ReplayInput[], options: Pick<ReplayOptions, 'format'>): Unit[] {
  const units: Unit[] = [];
  let binance: Unit | null = null;
  const lobsterSeen = new Set<string>();
  for (const input of inputs) {
    const format = options.format === 'auto' ? detectFormat(input.path, input.display) : options.format;
    if (format === 'tardis') units.push({ format, files: [input] });
    else if (format === 'binance-raw') {
      if (!binance) {
        binance = { format, files: [] };
        units.push(binance);
      }
      binance.files.push(input);
    } else {
      const pair = lobsterPair(input, inputs);
      const key = pair[0].path;
      if (lobsterSeen.has(key)) continue;
      lobsterSeen.add(key);
      units.push({ format, files: pair });
    }
  }
  return units;
}

/** [message, orderbook] for a LOBSTER file, finding the partner among the inputs or next to the file. */
function lobsterPair(input: ReplayInput, inputs: ReplayInput[]): ReplayInput[] {
  const name = basename(input.path);
  const m = LOBSTER_NAME.exec(name);
  if (!m) {
    throw new SpreadlabError(`${input.display}: LOBSTER files must keep their original names (TICKER_YYYY-MM-DD_start_end_message_N.csv and ..._orderbook_N.csv) so the pair can be matched`);
  }
  const partnerName = name.replace(`_${m[5]}_`, m[5] === 'message' ? '_orderbook_' : '_message_');
  const partner = inputs.find((i) => basename(i.path) === partnerName) ?? {
    path: join(dirname(input.path), partnerName),
    display: join(dirname(input.display), partnerName),
  };
  try {
    statSync(partner.path);
  } catch {
    throw new SpreadlabError(`${input.display}: LOBSTER ${m[5]} file without its partner: expected ${partner.display}`);
  }
  return m[5] === 'message' ? [input, partner] : [partner, input];
}

/** Decodes one unit in memory (no cache). */
export async function decodeUnit(unit: Unit, options: ReplayOptions, problems: ProblemLog): Promise<Decoded> {
  if (unit.format === 'tardis') {
    const [file] = unit.files;
    return tardisDecoded(await readTardisFile(file.path, { units: options.units, problems, display: file.display }));
  }
  if (unit.format === 'binance-raw') {
    return readBinanceRaw(unit.files, { units: options.units, problems, onGap: options.onGap });
  }
  const [message, orderbook] = unit.files;
  return readLobster(message, orderbook, { units: options.units, problems, date: options.date, timezone: options.timezone });
}

/** A tardis file's decode as a unit's (tardis files have no sequence numbers, so no gaps). */
function tardisDecoded(r: DecodedFile): Decoded {
  return { columns: r.columns, format: r.format, symbol: r.symbol, lines: r.lines, dropped: r.dropped, gaps: 0 };
}

/** Shifts localTs so that no book or trade row is seen locally before the exchange did it; returns the shift. */
export function alignLocalTime(columns: EventColumns): number {
  let worst = 0;
  for (let i = 0; i < columns.length; i++) {
    if (columns.kind[i] === Kind.QUOTE) continue;
    const lead = columns.exchTs[i] - columns.localTs[i];
    if (lead > worst) worst = lead;
  }
  if (worst > 0) for (let i = 0; i < columns.length; i++) columns.localTs[i] += worst;
  return worst;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
