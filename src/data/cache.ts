import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { allocateColumns, COLUMN_NAMES, hasSecondValues, Kind, SECOND_COLUMNS, usesSecondValues, type EventColumns } from './columns.ts';
import type { Problem, ProblemLog } from './problems.ts';

/**
 * The columnar binary cache: a decoded input (one tardis file, one Binance chain, one LOBSTER pair) saved as
 * its typed arrays, so later replays and sweeps skip parsing.
 *
 * Rules:
 * - Key: the cache format version, the reader version, the format and every option that changes decoding
 *   (tickSize, lotSize, onError, onGap, LOBSTER date/time zone, order events asked for), and for each source file its size, mtime
 *   and SHA-256. Any change gives another key, so a stale entry is never read.
 * - File layout (`<key>.cols`): "SPLCOLS1", u32 LE header length, JSON header (row count, metadata, the
 *   problems recorded under skip, and `stats`: first/last localTs, the last row's exchTs and kind, the
 *   clock-alignment lead and the feed lag, so a streamed replay knows its span, its alignment and its
 *   venue timeline's reorder bound without a scan), padding to 8 bytes, then the
 *   columns in COLUMN_NAMES order (kind and flags as u8, the rest f64 LE), each padded to 8 bytes, then,
 *   when the header says `venueOrder`, the venue's row order (i32 LE, one per row). price2 and size2 are
 *   left out when no row uses them (header `secondValues: false`; columns.ts), so book and trade data take
 *   34 bytes a row. Reading
 *   maps typed arrays onto one buffer (readCache) or reads rows in fixed-size chunks with fs.readSync
 *   (openCacheFile + readCacheRows, for streaming replay). Files written before `stats` (or its `lag`)
 *   existed still read; a stream then computes the stats with one chunked pass.
 * - Writes go to a temporary name and are renamed into place (a crashed write leaves no half entry).
 *   ChunkedCacheWriter writes a file whose length is not known in advance (streaming decode): each column
 *   is appended to its own temporary file, and `finish` concatenates them behind the header in 1 MiB pieces.
 * - A cache file that fails to parse is ignored and rewritten.
 * - Replay entries (`replays/<key>.cols`, replayCachePath): a whole in-memory replay as loadReplay returns
 *   it — every unit's rows merged in feed order and clock-aligned, with the venue's row order
 *   (exchange-order.ts) — keyed by its units' keys and the alignment setting, so a warm replay is one file
 *   read: no merge, no ordering pass. Same layout; its metadata lists the units (ReplayCacheMeta).
 * Known limits: no eviction; delete the folder (default .cache/spreadlab/ under the working directory) to
 * reclaim space. An in-memory replay of several units is stored twice (its units, and merged).
 */
export const CACHE_FORMAT = 'SPLCOLS1';
/** Bump when any reader's output changes. (3: price2 and size2 empty when no row uses them.) */
export const READER_VERSION = 3;

export interface CacheOptions {
  dir: string;
}

export function defaultCacheDir(): string {
  return resolve(process.env.SPREADLAB_CACHE_DIR ?? join('.cache', 'spreadlab'));
}

export interface CacheMeta {
  format: string;
  symbol: string;
  lines: number;
  dropped: number;
  gaps: number;
}

/** What a cache key is made of: one decode unit's files (each with its SHA-256), its format and the options. */
export interface Keyed {
  files: { path: string; sha256: string }[];
  format: string;
  options: {
    units: { spec: { tickSize: number; lotSize: number } };
    onError: string;
    onGap: string;
    date?: string;
    timezone: string;
    orderEvents?: boolean;
    cache?: CacheOptions | null;
  };
}

export function cacheKey(k: Keyed): string {
  const material = {
    cache: CACHE_FORMAT,
    reader: READER_VERSION,
    format: k.format,
    tickSize: k.options.units.spec.tickSize,
    lotSize: k.options.units.spec.lotSize,
    onError: k.options.onError,
    onGap: k.options.onGap,
    date: k.options.date ?? null,
    timezone: k.options.timezone,
    // only when asked for, so the keys of entries without order events stay what they were
    ...(k.options.orderEvents ? { orderEvents: true } : {}),
    files: k.files.map((f) => {
      const st = statSync(f.path);
      return { size: st.size, mtime: st.mtimeMs, sha256: f.sha256 };
    }),
  };
  return createHash('sha256').update(JSON.stringify(material)).digest('hex').slice(0, 40);
}

/** The cache file of a decode unit in the cache folder `dir`. */
export function cachePath(dir: string, k: Keyed): string {
  return join(dir, `${cacheKey(k)}.cols`);
}

/** What a replay entry's header holds besides rows and problems: each unit's metadata and row count, and the clock-alignment shift. */
export interface ReplayCacheMeta {
  units: (CacheMeta & { rows: number })[];
  localShiftUs: number;
}

/** The replay entry of a whole in-memory replay (see the header): keyed by its units, in order, and whether clocks are aligned. */
export function replayCachePath(dir: string, units: readonly Keyed[], alignLocalTime: boolean): string {
  const material = { cache: CACHE_FORMAT, replay: units.map(cacheKey), alignLocalTime };
  return join(dir, 'replays', `${createHash('sha256').update(JSON.stringify(material)).digest('hex').slice(0, 40)}.cols`);
}

/** The metadata fields of a decoded unit (what a cache header stores besides rows, problems and stats). */
export function cacheMeta(d: CacheMeta): CacheMeta {
  return { format: d.format, symbol: d.symbol, lines: d.lines, dropped: d.dropped, gaps: d.gaps };
}

/**
 * What a streamed replay needs to know about an input without scanning it: its first and last localTs, the
 * last row's exchTs and kind (the merged replay's end and tie order), the clock-alignment lead
 * max(0, exchTs − localTs) over book and trade rows (replay.ts alignLocalTime), and the feed lag
 * max(localTs − exchTs) over the same rows, before alignment (negative when the capture clock runs behind;
 * null without such rows): the venue timeline's reorder bound (exchange-order.ts).
 */
export interface CacheStats {
  firstLocalTs: number;
  lastLocalTs: number;
  lastExchTs: number;
  lastKind: number;
  lead: number;
  /** Missing in files written before it was recorded (the stats are then computed again); null without book or trade rows. */
  lag?: number | null;
}

/** Folds rows [0, count) into running stats (null before the first row). */
export function addStats(stats: CacheStats | null, c: Omit<EventColumns, 'length'>, count: number): CacheStats | null {
  if (count === 0) return stats;
  const s = stats ?? { firstLocalTs: c.localTs[0], lastLocalTs: 0, lastExchTs: 0, lastKind: 0, lead: 0, lag: -Infinity };
  let lead = s.lead;
  let lag = s.lag ?? -Infinity;
  for (let i = 0; i < count; i++) {
    if (c.kind[i] === Kind.QUOTE) continue;
    const l = c.exchTs[i] - c.localTs[i];
    if (l > lead) lead = l;
    if (-l > lag) lag = -l;
  }
  s.lead = lead;
  s.lag = lag;
  s.lastLocalTs = c.localTs[count - 1];
  s.lastExchTs = c.exchTs[count - 1];
  s.lastKind = c.kind[count - 1];
  return s;
}

const pad8 = (n: number) => (n + 7) & ~7;
const widthOf = (name: (typeof COLUMN_NAMES)[number]) => (name === 'kind' || name === 'flags' ? 1 : 8);
const isSecond = (name: (typeof COLUMN_NAMES)[number]) => (SECOND_COLUMNS as readonly string[]).includes(name);

/** The JSON header of a cache file. */
interface Header<Meta = CacheMeta> {
  length: number;
  meta: Meta;
  problems: Problem[];
  /** Missing in files written before stats were recorded. */
  stats?: CacheStats | null;
  /** The venue's row order follows the columns (replay entries). */
  venueOrder?: boolean;
  /** price2 and size2 are stored (missing: true). */
  secondValues?: boolean;
}

/** What precedes the columns: "SPLCOLS1", the header's length (u32 LE), the JSON header, padding to 8 bytes. */
function headBytes(header: Header<unknown>): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const head = Buffer.alloc(pad8(12 + json.length));
  head.write(CACHE_FORMAT, 0, 'latin1');
  head.writeUInt32LE(json.length, 8);
  json.copy(head, 12);
  return head;
}

/**
 * Parses a cache file's header; `read(position, length)` returns the file's bytes there (fewer at its end).
 * Returns the header, each column's byte offset (COLUMN_NAMES order) and the venue order's (when stored);
 * null when it is not a cache file. Throws when the JSON does not parse.
 */
function parseHead<Meta>(
  read: (position: number, length: number) => Buffer,
): { header: Header<Meta>; offsets: number[]; orderOffset: number | null; end: number } | null {
  const head = read(0, 12);
  if (head.length !== 12 || head.toString('latin1', 0, 8) !== CACHE_FORMAT) return null;
  const headerLength = head.readUInt32LE(8);
  const text = read(12, headerLength);
  if (text.length !== headerLength) return null;
  const header = JSON.parse(text.toString('utf8')) as Header<Meta>;
  const offsets: number[] = [];
  let offset = pad8(12 + headerLength);
  for (const name of COLUMN_NAMES) {
    offsets.push(offset);
    if (header.secondValues !== false || !isSecond(name)) offset += pad8(header.length * widthOf(name));
  }
  const orderOffset = header.venueOrder ? offset : null;
  if (header.venueOrder) offset += pad8(header.length * 4);
  return { header, offsets, orderOffset, end: offset };
}

/** Writes a cache file: the columns, and after them the venue's row order when given (a replay entry). */
export function writeCache<Meta = CacheMeta>(
  path: string,
  columns: EventColumns,
  meta: Meta,
  problems: Problem[],
  venueOrder?: Int32Array,
): void {
  const stats = addStats(null, columns, columns.length);
  const secondValues = hasSecondValues(columns);
  const head = headBytes({ length: columns.length, meta, problems, stats, secondValues, ...(venueOrder ? { venueOrder: true } : {}) });
  const parts: (Float64Array | Uint8Array | Int32Array)[] = COLUMN_NAMES.map((name) => columns[name]);
  if (venueOrder) parts.push(venueOrder);
  // written part by part: one buffer of the whole file would double a day's replay in memory
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, head);
    const padding = new Uint8Array(8);
    for (const part of parts) {
      writeAll(fd, new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
      writeAll(fd, padding.subarray(0, pad8(part.byteLength) - part.byteLength));
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** A cache file read whole: its columns (views on one buffer), metadata, problems, and the venue order when stored. */
export interface CacheEntry<Meta = CacheMeta> {
  columns: EventColumns;
  meta: Meta;
  problems: Problem[];
  venueOrder: Int32Array | null;
}

/**
 * A file's bytes in a buffer of its own (byte offset 0, so typed arrays can map it at aligned offsets). Read in
 * pieces: readFileSync refuses files over 2 GiB, and a day's replay entry is larger (up to buffer.constants
 * .MAX_LENGTH, 4 GiB on Node 20).
 */
function readWhole(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafeSlow(fstatSync(fd).size);
    for (let at = 0; at < buffer.length; ) {
      const got = readSync(fd, buffer, at, Math.min(buffer.length - at, 1 << 30), at);
      if (got === 0) throw new Error('short read');
      at += got;
    }
    return buffer;
  } finally {
    closeSync(fd);
  }
}

export function readCache<Meta = CacheMeta>(path: string): CacheEntry<Meta> | null {
  let buffer: Buffer;
  try {
    buffer = readWhole(path);
  } catch {
    return null;
  }
  try {
    const head = parseHead<Meta>((position, length) => buffer.subarray(position, position + length));
    if (!head) return null;
    const { header, offsets, orderOffset } = head;
    const base = buffer.byteOffset;
    const columns = { length: header.length } as EventColumns;
    COLUMN_NAMES.forEach((name, k) => {
      const offset = offsets[k];
      const n = header.secondValues === false && isSecond(name) ? 0 : header.length;
      if (offset + n * widthOf(name) > buffer.length) throw new Error('short cache file');
      const view = widthOf(name) === 1 ? new Uint8Array(buffer.buffer, base + offset, n) : new Float64Array(buffer.buffer, base + offset, n);
      (columns as unknown as Record<string, unknown>)[name] = view;
    });
    const n = header.length;
    if (orderOffset !== null && orderOffset + n * 4 > buffer.length) throw new Error('short cache file');
    const venueOrder = orderOffset === null ? null : new Int32Array(buffer.buffer, base + orderOffset, n);
    return { columns, meta: header.meta, problems: header.problems, venueOrder };
  } catch {
    return null;
  }
}

/** Writes a cache file chunk by chunk, for a decode that never holds the whole input (see the header). */
export class ChunkedCacheWriter {
  private readonly fds: number[] = [];
  private readonly tmp: string[];
  private length = 0;
  private stats: CacheStats | null = null;
  /** A row using price2 and size2 was appended (they are kept only then). */
  private secondValues = false;

  private readonly stem: string;

  constructor(private readonly path: string) {
    this.stem = `${path}.tmp-${process.pid}-${++writers}`; // unique even for two writers of one key in a process
    this.tmp = COLUMN_NAMES.map((name) => `${this.stem}.${name}`);
    try {
      for (const t of this.tmp) this.fds.push(openSync(t, 'w'));
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Appends rows [0, count) of the columns (price2 and size2 may be empty: NaN is written for them). */
  append(c: Omit<EventColumns, 'length'>, count: number): void {
    if (count === 0) return;
    COLUMN_NAMES.forEach((name, k) => {
      const col = c[name].length > 0 ? c[name] : new Float64Array(count).fill(NaN);
      writeAll(this.fds[k], new Uint8Array(col.buffer, col.byteOffset, count * widthOf(name)));
    });
    for (let i = 0; i < count && !this.secondValues; i++) this.secondValues = usesSecondValues(c.kind[i]);
    this.length += count;
    this.stats = addStats(this.stats, c, count);
  }

  /** Writes the final file (header, then each column) and renames it into place. */
  finish(meta: CacheMeta, problems: Problem[]): void {
    for (const fd of this.fds.splice(0)) closeSync(fd);
    const out = this.stem;
    const fd = openSync(out, 'w');
    try {
      writeAll(fd, headBytes({ length: this.length, meta, problems, stats: this.stats, secondValues: this.secondValues }));
      const piece = Buffer.alloc(1 << 20);
      COLUMN_NAMES.forEach((name, k) => {
        if (!this.secondValues && isSecond(name)) return;
        const bytes = this.length * widthOf(name);
        const src = openSync(this.tmp[k], 'r');
        try {
          for (let at = 0; at < bytes; ) {
            const n = readSync(src, piece, 0, Math.min(piece.length, bytes - at), at);
            if (n <= 0) throw new Error(`${this.tmp[k]}: short read`);
            writeAll(fd, piece.subarray(0, n));
            at += n;
          }
        } finally {
          closeSync(src);
        }
        if (pad8(bytes) > bytes) writeAll(fd, Buffer.alloc(pad8(bytes) - bytes));
      });
    } catch (error) {
      closeSync(fd);
      rmSync(out, { force: true });
      this.abort();
      throw error;
    }
    closeSync(fd);
    renameSync(out, this.path);
    this.abort();
  }

  /** Closes and removes the temporary column files. */
  abort(): void {
    for (const fd of this.fds.splice(0)) closeSync(fd);
    for (const t of this.tmp) rmSync(t, { force: true });
  }
}

let writers = 0;

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** A cache file opened for chunked reading: its header and where each column starts. */
export interface CacheFile {
  path: string;
  length: number;
  meta: CacheMeta;
  problems: Problem[];
  /** Null for files written before stats were recorded. */
  stats: CacheStats | null;
  /** Byte offset of each column, in COLUMN_NAMES order. */
  offsets: number[];
  /** price2 and size2 are stored (else every row's are NaN). */
  secondValues: boolean;
}

/** Reads a cache file's header only (null when missing, not a cache file, or shorter than it claims). */
export function openCacheFile(path: string): CacheFile | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const head = parseHead<CacheMeta>((position, length) => {
      const bytes = Buffer.alloc(length);
      return bytes.subarray(0, readSync(fd, bytes, 0, length, position));
    });
    if (!head || head.end > statSync(path).size) return null;
    const { header, offsets } = head;
    const file: CacheFile = {
      path,
      length: header.length,
      meta: header.meta,
      problems: header.problems,
      stats: header.stats ?? null,
      offsets,
      secondValues: header.secondValues !== false,
    };
    if ((!file.stats || file.stats.lag === undefined) && file.length > 0) file.stats = scanStats(file, fd);
    return file;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Reads rows [from, from + count) of a cache file into `into` (rows 0..count-1); `fd` is open on file.path. */
export function readCacheRows(file: CacheFile, fd: number, from: number, count: number, into: Omit<EventColumns, 'length'>): void {
  COLUMN_NAMES.forEach((name, k) => {
    const w = widthOf(name);
    const col = into[name];
    if (!file.secondValues && isSecond(name)) {
      (col as Float64Array).fill(NaN, 0, count);
      return;
    }
    const bytes = count * w;
    const view = new Uint8Array(col.buffer, col.byteOffset, bytes);
    for (let at = 0; at < bytes; ) {
      const n = readSync(fd, view, at, bytes - at, file.offsets[k] + from * w + at);
      if (n <= 0) throw new Error(`${file.path}: cache file shorter than its header says (delete it to rebuild)`);
      at += n;
    }
  });
}

/** One chunked pass over an old cache file without recorded stats. */
function scanStats(file: CacheFile, fd: number): CacheStats | null {
  const rows = 1 << 16;
  const chunk = allocateColumns(rows);
  let stats: CacheStats | null = null;
  for (let from = 0; from < file.length; from += rows) {
    const count = Math.min(rows, file.length - from);
    readCacheRows(file, fd, from, count, chunk);
    stats = addStats(stats, chunk, count);
  }
  return stats;
}

/** Decodes through the cache: a hit returns the stored columns (and re-records their problems). */
export async function cachedDecode<T extends CacheMeta & { columns: EventColumns }>(
  k: Keyed,
  problems: ProblemLog,
  decode: () => Promise<T>,
): Promise<{ decoded: CacheMeta & { columns: EventColumns }; fromCache: boolean }> {
  const dir = k.options.cache?.dir;
  if (!dir) return { decoded: await decode(), fromCache: false };
  const path = cachePath(dir, k);
  const hit = readCache(path);
  if (hit) {
    for (const p of hit.problems) problems.report(p.file, p.line, p.column, p.message);
    return { decoded: { ...hit.meta, columns: hit.columns }, fromCache: true };
  }
  const before = problems.list.length;
  const decoded = await decode();
  mkdirSync(dir, { recursive: true });
  writeCache(path, decoded.columns, cacheMeta(decoded), problems.list.slice(before));
  return { decoded, fromCache: false };
}
