import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { startActivity } from '../core/activity.ts';
import { SpreadlabError } from '../core/errors.ts';
import { checkRegularFile, describeFsError, USER_FS_CODES } from '../core/fs-errors.ts';
import { warn } from '../core/warnings.ts';
import { writeFileAtomically } from '../core/output.ts';
import { Kind, type EventColumns } from './columns.ts';
import { formatOf } from './detect.ts';
import { venueRowOrder } from './exchange-order.ts';
import type { Decoded, FileFormat, ReadOptions, ReplayInput } from './format.ts';
import type { FormatName } from './formats.ts';
import { mergeColumns, RANK, sortsBefore } from './merge.ts';
import { ProblemLog, type OnError } from './problems.ts';
import { hasTrades, sameMarket, screenFarPrints, tradeInputsLabel, withoutDuplicateInputs, withoutFarPrintRows } from './screen.ts';
import { rowSourceOf } from './row-source.ts';
import { openStream } from './stream.ts';
import { openStreamedEntry, writeStreamedEntry, type StreamedEntry, type StreamedEntryMeta } from './stream-entry.ts';
import {
  cachedDecode,
  cacheFolderReady,
  cacheMeta,
  cachePath,
  ChunkedCacheWriter,
  corruptEntry,
  openCacheFile,
  readCache,
  replayCachePath,
  streamedEntryPaths,
  writeCache,
  type CacheFile,
  type CacheMeta,
  type CacheOptions,
  type Keyed,
  type ReplayCacheMeta,
} from './cache.ts';

/**
 * Loading recorded files for a replay: detect each file's format, decode it (through the columnar cache
 * when enabled), merge everything into one table in localTs order (tie rule in merge.ts), and optionally
 * align the capture host's clock.
 *
 * Rules:
 * - Each file's format is detected (or named by `format`) and the files are grouped into decode units by
 *   their format (format.ts; each format's grouping is in its file's header: a tardis file alone, all the
 *   Binance raw files as one continuous stream, LOBSTER message/orderbook pairs). The units are decoded one
 *   by one and merged (book, trades, quotes; several days in sequence).
 * - The venue's row order (exchange-order.ts venueRowOrder) is computed with the merge and returned with
 *   the columns. With the cache, the whole result (merged, screened, aligned columns and row order) is kept
 *   as one replay entry (cache.ts), so a warm load reads one file and neither merges nor orders again.
 * - Inputs are hashed (SHA-256, for the cache key and the run's record); with the cache, a file's hash is
 *   remembered under its absolute path, size, mtime, ctime and inode (`<cache>/sha256/`), so a warm load
 *   does not read the inputs again (dataFileSha256).
 * - Clock alignment (`alignLocalTime`, on by default): when a capture host's clock runs behind the exchange
 *   (some book or trade row has localTs < exchTs), every localTs is shifted by the same constant so that
 *   min(localTs − exchTs) over book and trade rows is 0 — the strategy must never see an event before the
 *   exchange did it (hftbacktest's correct_local_timestamp does the same). Quote rows without their own
 *   exchange time do not count towards the minimum.
 * - Streaming (`prepareStream`, scenario `"stream": true`, the default for large files: replay-config.ts): nothing is held whole. A warm load opens the
 *   replay's streamed replay entry (stream-entry.ts: the rows in feed order and in venue order, with the
 *   span, alignment and problems in its header) and nothing else. Without one, each unit is decoded into
 *   its cache file first when the cache has no entry (tardis files chunk by chunk: the reader's column
 *   builder spills to a ChunkedCacheWriter, so a file of any length decodes in fixed memory), then the
 *   cache files are read in fixed-size chunks and merged lazily (stream.ts) with the same tie rule and the
 *   same clock alignment as the in-memory path, yielding the same events, and the entry is written from
 *   that merge. The span (first and last event) and the alignment shift come from the cache headers'
 *   stats, without a scan. The far prints (screen.ts) are screened out as the entry is written (stream-entry.ts: one pass).
 * Known limits: loadReplay holds all files decoded in memory (38 bytes a row with the row order, 54 with quote or
 * order rows; a replay entry is read whole, so at most buffer.constants.MAX_LENGTH, 4 GiB, about 110 M rows); use streaming for
 * inputs larger than RAM. Streaming needs the cache folder (room for 3 × 34–50 bytes a row: the units'
 * entries and the streamed replay entry's two files, a tardis file's entry written in place with room for the rows its start promises, about 5 % more: its row count is not known before its end, cache.ts ChunkedCacheWriter, tardis/reader.ts tardisEstimate; when its rows outgrow the estimate, as much again while it is decoded). A Binance raw chain or LOBSTER pair is still decoded
 * in memory once, on the first streamed read that finds no cache entry; only tardis files decode in chunks
 * (the formats with `decodeChunked`). A remembered hash trusts the file system's change stamps: a file
 * rewritten in place to the same size within one mtime and ctime tick, on the same inode, would keep its old
 * hash (the change check git and make rely on; ctime cannot be set back by touch or utimes).
 */
export interface ReplayOptions extends Omit<ReadOptions, 'problems'> {
  format: 'auto' | FormatName;
  onError: OnError | 'collect';
  alignLocalTime: boolean;
  cache?: CacheOptions | null;
}

export interface LoadedInput {
  format: string;
  /** The exchange the unit's format names (`data convert` writes it when not told one). */
  exchange: string;
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
  /** The venue's row order of `columns` (exchange-order.ts venueRowOrder). */
  venueOrder: Int32Array;
  inputs: LoadedInput[];
  files: { path: string; sha256: string }[];
  /** µs added to every localTs by clock alignment (0 when none was needed). */
  localShiftUs: number;
  problems: ProblemLog;
}

export async function loadReplay(inputs: ReplayInput[], options: ReplayOptions): Promise<Replay> {
  const problems = new ProblemLog(options.onError);
  const { units, files } = await planReplay(inputs, options, problems);
  const planned = problems.list.length;
  const dir = options.cache?.dir;
  const entryPath = dir ? replayCachePath(dir, units.map((unit) => unit.keyed), options.alignLocalTime) : null;
  const hit = entryPath ? readCache<ReplayCacheMeta>(entryPath) : 'missing';
  if (hit === 'corrupt') corruptEntry(entryPath!);
  if (typeof hit === 'object' && hit.venueOrder && hit.meta.units.every((u) => u.unit < units.length)) {
    for (const p of hit.problems) problems.report(p.file, p.line, p.column, p.message);
    const kept = hit.meta.units.map((meta) => ({ files: units[meta.unit].files, loaded: loadedInput(units[meta.unit], meta, meta.rows, true) }));
    return { columns: hit.columns, venueOrder: hit.venueOrder, inputs: kept.map((u) => u.loaded), files: keptFiles(files, kept), localShiftUs: hit.meta.localShiftUs, problems };
  }
  const decodedUnits: { unit: number; files: ReplayInput[]; symbol: string; columns: EventColumns; loaded: LoadedInput }[] = [];
  for (const [index, unit] of units.entries()) {
    const { decoded, fromCache } = await cachedDecode(unit.keyed, problems, () => decodeUnit(unit, options, problems));
    decodedUnits.push({ unit: index, files: unit.files, symbol: decoded.symbol, columns: decoded.columns, loaded: loadedInput(unit, decoded, decoded.columns.length, fromCache) });
  }
  const market = sameMarket(decodedUnits, problems);
  const kept = decodedUnits.filter((_, i) => market[i]);
  const merged = screenFarPrints(
    mergeColumns(kept.map((u) => u.columns)),
    tradeInputsLabel(kept.map((u) => ({ files: u.files, trades: hasTrades(u.columns) }))),
    options.units.spec.tickSize,
    problems,
  );
  const localShiftUs = options.alignLocalTime ? alignLocalTime(merged) : 0;
  const venueOrder = venueRowOrder(merged);
  if (dir && entryPath && cacheFolderReady(dir) && cacheFolderReady(dirname(entryPath))) {
    const meta: ReplayCacheMeta = { units: kept.map((u) => ({ ...cacheMeta(u.loaded), rows: u.columns.length, unit: u.unit })), localShiftUs };
    writeCache(entryPath, merged, meta, problems.list.slice(planned), venueOrder);
  }
  return { columns: merged, venueOrder, inputs: kept.map((u) => u.loaded), files: keptFiles(files, kept), localShiftUs, problems };
}

/** The inputs (with their hashes) of the decode units kept (units of another market are dropped). */
function keptFiles(files: { path: string; sha256: string }[], kept: { files: ReplayInput[] }[]): { path: string; sha256: string }[] {
  return files.filter((f) => kept.some((u) => u.files.some((k) => k.display === f.path)));
}

/** A decode unit with its cache key material: every file of the unit hashed (a LOBSTER partner found next to its file too). */
interface KeyedUnit extends Unit {
  keyed: Keyed;
}

/**
 * What loadReplay and prepareStream share: checks and hashes the inputs, groups them into decode units,
 * keys each unit for the cache, and lists the inputs with their hashes (Replay.files).
 */
async function planReplay(
  given: ReplayInput[],
  options: ReplayOptions,
  problems: ProblemLog,
): Promise<{ units: KeyedUnit[]; files: { path: string; sha256: string }[] }> {
  const cacheDir = options.cache?.dir ?? null;
  const sha = await checkAndHash(given, cacheDir);
  const inputs = withoutDuplicateInputs(given, sha, problems);
  const units: KeyedUnit[] = [];
  for (const unit of groupInputs(inputs, options)) {
    const files: { path: string; sha256: string }[] = [];
    for (const f of unit.files) files.push({ path: f.path, sha256: sha.get(f.path) ?? (await dataFileSha256(f.path, cacheDir)) });
    units.push({ ...unit, keyed: { files, format: unit.format.name, options } });
  }
  const files = inputs.map((input) => ({ path: input.display, sha256: sha.get(input.path) ?? '' }));
  return { units, files };
}

function loadedInput(unit: Unit, meta: CacheMeta, rows: number, fromCache: boolean): LoadedInput {
  return { format: meta.format, exchange: unit.format.exchange(unit.files), files: unit.files, symbol: meta.symbol, rows, lines: meta.lines, dropped: meta.dropped, gaps: meta.gaps, fromCache };
}

/** Every input must be a readable file; returns each path's SHA-256. */
async function checkAndHash(inputs: ReplayInput[], cacheDir: string | null): Promise<Map<string, string>> {
  checkInputs(inputs);
  const sha = new Map<string, string>();
  for (const input of inputs) sha.set(input.path, await dataFileSha256(input.path, cacheDir));
  return sha;
}

/** Every input must be a readable regular file (a SpreadlabError naming the first that is not; a FIFO is refused unopened). */
export function checkInputs(inputs: ReplayInput[]): void {
  if (inputs.length === 0) throw new SpreadlabError('data.files: expected at least one file');
  for (const input of inputs) checkRegularFile(input.path, input.display, 'data file');
}

/** A replay prepared for streaming: its streamed replay entry (stream-entry.ts: the rows in feed order and in venue order) and the span. */
export interface StreamedReplay {
  /** The rows in feed order (merged, screened, clock-aligned), read by stream.ts openCacheRows. */
  feed: CacheFile<StreamedEntryMeta>;
  /** The same rows in venue order. */
  venue: CacheFile<unknown>;
  inputs: LoadedInput[];
  files: { path: string; sha256: string }[];
  /** µs added to every localTs by clock alignment (0 when none was needed). */
  localShiftUs: number;
  /** The largest localTs − exchTs of book and trade rows, after alignment (the venue timeline's reorder bound). */
  maxFeedLagUs: number;
  /** Rows over all units kept (before far prints are dropped). */
  rows: number;
  /** The first event's localTs (aligned); 0 when there are no rows. */
  startTs: number;
  /** The last event's max(localTs, exchTs) (aligned), as the in-memory replay's end; 0 when there are no rows. */
  lastTs: number;
  /** The stream holds order events: they were asked for and every decode unit's format has them. */
  orderEvents: boolean;
  problems: ProblemLog;
}

/**
 * Finds the replay's streamed replay entry, or makes it: every decode unit gets a cache entry (decoded
 * chunk by chunk when it has none), their headers give the span and alignment, and the entry is written
 * from the lazy merge, without its far prints, in one pass. See the header for the rules. Null (after a
 * warning) when the cache cannot be written: the caller replays from memory instead.
 */
export async function prepareStream(inputs: ReplayInput[], options: ReplayOptions & { cache: CacheOptions }): Promise<StreamedReplay | null> {
  const { found, problems, planned, before, paths } = await findOrPlanStream(inputs, options);
  if (found) return found;
  const opened: { unit: KeyedUnit; index: number; file: CacheFile; fromCache: boolean }[] = [];
  for (const [index, unit] of planned.units.entries()) {
    const path = cachePath(options.cache.dir, unit.keyed);
    const file = openCacheFile(path);
    if (file === 'corrupt') corruptEntry(path);
    if (typeof file === 'object') {
      for (const p of file.problems) problems.report(p.file, p.line, p.column, p.message);
      opened.push({ unit, index, file, fromCache: true });
      continue;
    }
    if (!cacheFolderReady(options.cache.dir) || !(await decodeUnitToCache(unit, options, problems, path))) return null;
    const written = openCacheFile(path);
    if (typeof written !== 'object') throw new Error(`${path}: cache entry just written cannot be read`);
    opened.push({ unit, index, file: written, fromCache: false });
  }
  const market = sameMarket(opened.map((o) => ({ symbol: o.file.meta.symbol, files: o.unit.files })), problems);
  const kept = opened.filter((_, i) => market[i]);
  const cached = kept.map((o) => o.file);
  let shift = 0;
  let lag = -Infinity;
  let first = Infinity;
  let last = -1;
  let rows = 0;
  cached.forEach((f, j) => {
    rows += f.length;
    const s = f.stats;
    if (!s || f.length === 0) return;
    if (options.alignLocalTime && s.lead > shift) shift = s.lead;
    if (s.lag != null && s.lag > lag) lag = s.lag;
    if (s.firstLocalTs < first) first = s.firstLocalTs;
    const l = last >= 0 ? cached[last].stats : null;
    if (!l || sortsBefore(l.lastLocalTs, RANK[l.lastKind], last, s.lastLocalTs, RANK[s.lastKind], j)) last = j;
  });
  const ls = last >= 0 ? cached[last].stats : null;
  const label = tradeInputsLabel(kept.map((o) => ({ files: o.unit.files, trades: (o.file.stats?.trades ?? 1) > 0 })));
  const feed = openStream(cached, { localShiftUs: shift });
  const meta: StreamedEntryMeta = {
    units: kept.map((o) => ({ ...cacheMeta(o.file.meta), rows: o.file.length, unit: o.index })),
    localShiftUs: shift,
    maxFeedLagUs: Math.max(0, lag + shift),
    startTs: rows > 0 ? first + shift : 0,
    lastTs: ls ? Math.max(ls.lastLocalTs + shift, ls.lastExchTs) : 0,
  };
  if (!cacheFolderReady(dirname(paths.feed))) return null;
  let entry: StreamedEntry;
  try {
    const screened = withoutFarPrintRows(rowSourceOf(feed()), label, options.units.spec.tickSize, problems);
    // every unit's row (a far print dropped leaves its room unfilled): the files are written in place (cache.ts)
    const layout = { rows, secondValues: cached.some((f) => f.secondValues) };
    entry = await writeStreamedEntry(paths, screened, layout, meta, () => problems.list.slice(before), options.cache.venueThreadMinRows);
  } catch (error) {
    if (!isFsFault(error)) throw error;
    roomWarning(error, dirname(paths.feed));
    return null;
  }
  return streamedReplay(planned, entry, (unit) => kept.find((o) => o.index === unit)!.fromCache, options, problems);
}

/** The replay's streamed replay entry when the cache holds it, else null (nothing decoded or written: prepareStream makes it). */
export async function findStream(inputs: ReplayInput[], options: ReplayOptions & { cache: CacheOptions }): Promise<StreamedReplay | null> {
  return (await findOrPlanStream(inputs, options)).found;
}

/** The replay planned (its files hashed, its units keyed), and its streamed replay entry opened when there is one. */
async function findOrPlanStream(inputs: ReplayInput[], options: ReplayOptions & { cache: CacheOptions }) {
  const problems = new ProblemLog(options.onError);
  const planned = await planReplay(inputs, options, problems);
  const before = problems.list.length;
  const paths = streamedEntryPaths(options.cache.dir, planned.units.map((unit) => unit.keyed), options.alignLocalTime);
  const entry = openStreamedEntry(paths);
  let found: StreamedReplay | null = null;
  if (entry && entry.feed.meta.units.every((u) => u.unit < planned.units.length)) {
    for (const p of entry.feed.problems) problems.report(p.file, p.line, p.column, p.message);
    found = streamedReplay(planned, entry, () => true, options, problems);
  }
  return { found, problems, planned, before, paths };
}

/** The StreamedReplay of an entry; `fromCache` tells whether a unit (by index) was read from its cache entry. */
function streamedReplay(
  planned: { units: KeyedUnit[]; files: { path: string; sha256: string }[] },
  entry: StreamedEntry,
  fromCache: (unit: number) => boolean,
  options: ReplayOptions,
  problems: ProblemLog,
): StreamedReplay {
  const meta = entry.feed.meta;
  const kept = meta.units.map((u) => ({ files: planned.units[u.unit].files, loaded: loadedInput(planned.units[u.unit], u, u.rows, fromCache(u.unit)) }));
  return {
    feed: entry.feed,
    venue: entry.venue,
    inputs: kept.map((u) => u.loaded),
    files: keptFiles(planned.files, kept),
    localShiftUs: meta.localShiftUs,
    maxFeedLagUs: meta.maxFeedLagUs,
    rows: meta.units.reduce((n, u) => n + u.rows, 0),
    startTs: meta.startTs,
    lastTs: meta.lastTs,
    orderEvents: options.orderEvents === true && meta.units.every((u) => planned.units[u.unit].format.orderEvents === true),
    problems,
  };
}

/** Writes a memo file in the cache folder (temporary name, then renamed); an unwritable cache only means it is not remembered. */
function writeMemo(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomically(path, text);
  } catch {
    // not remembered: the next run screens again
  }
}

/** Decodes one unit into its cache file: in chunks when its format can, else whole (see Known limits). False (after a warning, nothing left behind) when the cache cannot be written. */
async function decodeUnitToCache(unit: Unit, options: ReplayOptions, problems: ProblemLog, path: string): Promise<boolean> {
  const before = problems.list.length;
  const { format, files } = unit;
  if (!format.decodeChunked) {
    const d = await decodeUnit(unit, options, problems);
    return writeCache(path, d.columns, cacheMeta(d), problems.list.slice(before));
  }
  const estimate = format.estimate?.(files) ?? null; // before the writer: a fault reading the input is the input's
  const meta = { format: '', symbol: '', lines: 0, dropped: 0, gaps: 0 };
  const plan = estimate && { rows: estimate.rowsAtMost, secondValues: estimate.secondValues, meta, problems: [], spareRoom: UNIT_HEADER_ROOM };
  let writer: ChunkedCacheWriter | null = null;
  try {
    const chunks = (writer = new ChunkedCacheWriter(path, plan));
    const d = await format.decodeChunked(files, readOptions(options, problems), STREAM_DECODE_ROWS, (columns, count) => chunks.append(columns, count));
    chunks.append(d.columns, d.columns.length);
    chunks.finish(cacheMeta(d), problems.list.slice(before));
    return true;
  } catch (error) {
    writer?.abort();
    if (!isFsFault(error)) throw error;
    roomWarning(error, dirname(path));
    return false;
  }
}

/** The warning for a streamed replay whose cache entries cannot be written. */
function roomWarning(error: unknown, dir: string): void {
  warn(`a streamed replay needs room for the data cache (${describeFsError(error)} in ${dir}): replaying from memory instead`);
}

/** A fault of the disk or its permissions (not of the data). */
function isFsFault(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && USER_FS_CODES.has(code);
}

/**
 * Header room (bytes) a unit's entry written in place keeps for what is known only at the end of its decode:
 * its symbol, its counts and its problems (more, e.g. many problems recorded under onError "skip", costs the
 * copy of an entry written without a plan).
 */
const UNIT_HEADER_ROOM = 1 << 14;

/** Rows a streaming decode holds before writing them to the cache (about 50 bytes each). */
export const STREAM_DECODE_ROWS = 1 << 16;

export interface Unit {
  format: FileFormat;
  files: ReplayInput[];
}

/** Splits the inputs into decode units: each format groups its own files; units keep the order of their first file. */
export function groupInputs(inputs: ReplayInput[], options: Pick<ReplayOptions, 'format'>): Unit[] {
  const formats = inputs.map((input) => formatOf(input, options.format));
  const units: Unit[] = [];
  for (const format of new Set(formats)) {
    const files = inputs.filter((_, i) => formats[i] === format);
    for (const group of format.group?.(files) ?? files.map((file) => [file])) units.push({ format, files: group });
  }
  const firstIndex = (unit: Unit) => Math.min(...unit.files.map((file) => inputs.indexOf(file)).filter((i) => i >= 0));
  return units
    .map((unit) => ({ unit, at: firstIndex(unit) }))
    .sort((a, b) => a.at - b.at)
    .map(({ unit }) => unit);
}

/** Decodes one unit in memory (no cache). */
export async function decodeUnit(unit: Unit, options: ReplayOptions, problems: ProblemLog): Promise<Decoded> {
  return unit.format.decode(unit.files, readOptions(options, problems));
}

function readOptions(options: ReplayOptions, problems: ProblemLog): ReadOptions {
  return { units: options.units, problems, onGap: options.onGap, date: options.date, timezone: options.timezone, orderEvents: options.orderEvents };
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

/** A file's SHA-256; an activity (core/activity.ts, "hash FILE"), advanced by the share of its bytes read. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const size = statSync(path).size;
  const activity = startActivity(`hash ${basename(path)}`);
  let read = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      read += (chunk as Buffer).length;
      activity.update(size > 0 ? read / size : 1);
    }
  } finally {
    activity.done();
  }
  return hash.digest('hex');
}

/**
 * A data file's SHA-256; with a cache folder, remembered there under the file's absolute path, size, mtime,
 * ctime and inode and read back while they are unchanged (see the header's rules and limits).
 */
export async function dataFileSha256(path: string, cacheDir: string | null): Promise<string> {
  if (cacheDir === null) return sha256File(path);
  const st = statSync(path, { bigint: true });
  const stamp = JSON.stringify([resolve(path), String(st.size), String(st.mtimeNs), String(st.ctimeNs), String(st.ino)]);
  const memo = join(cacheDir, 'sha256', createHash('sha256').update(stamp).digest('hex').slice(0, 40));
  try {
    const known = readFileSync(memo, 'latin1');
    if (/^[0-9a-f]{64}$/.test(known)) return known;
  } catch {
    // not remembered yet
  }
  const sha = await sha256File(path);
  if (!cacheFolderReady(cacheDir)) return sha; // (a warning) checked first: mkdirSync loops forever under /proc
  writeMemo(memo, sha);
  return sha;
}
