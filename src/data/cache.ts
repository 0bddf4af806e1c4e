import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, ftruncateSync, futimesSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { describeFsError } from '../core/fs-errors.ts';
import { checkOutputPath } from '../core/output.ts';
import { warn } from '../core/warnings.ts';
import { allocateColumns, COLUMN_NAMES, hasSecondValues, Kind, SECOND_COLUMNS, usesSecondValues, type EventColumns } from './columns.ts';
import { CorruptCacheError } from './corrupt-cache.ts';
import type { Problem, ProblemLog } from './problems.ts';
import { WriteBehind } from './write-behind.ts';

/**
 * The columnar binary cache: a decoded input (one tardis file, one Binance chain, one LOBSTER pair) saved as
 * its typed arrays, so later replays and sweeps skip parsing.
 *
 * Rules:
 * - Key: the cache format version, the reader version, the format and every option that changes decoding
 *   (tickSize, lotSize, onError, onGap, LOBSTER date/time zone, order events asked for), and for each source file its size, mtime
 *   and SHA-256. Any change gives another key, so a stale entry is never read.
 * - File layout (`<key>.cols`): "SPLCOLS3", u32 LE header length, u32 LE CRC-32 of everything after these
 *   16 bytes, JSON header (row count, metadata, the problems recorded under skip, and `stats`: first/last
 *   localTs, the last row's exchTs and kind, the clock-alignment lead, the feed lag and the trade count, so
 *   a streamed replay knows its span, its alignment and its venue timeline's reorder bound without a scan;
 *   null in a streamed replay entry's files, which no reader asks it of),
 *   padding to 8 bytes, then the columns in COLUMN_NAMES order (kind and flags as u8, the rest f64 LE),
 *   each padded to 8 bytes (with room for the header's `capacity` rows when it has one: a file written in
 *   place from an estimate of its rows, whose room past its rows holds zeros), then, when the header says
 *   `venueOrder`, the venue's row order (i32 LE, one per row). price2 and size2 are left out when no row uses them (header `secondValues: false`; columns.ts),
 *   so book and trade data take 34 bytes a row. Reading maps typed arrays onto one buffer (readCache) or
 *   reads rows in fixed-size chunks with fs.readSync (openCacheFile + readCacheRows, for streaming replay).
 * - Integrity: every entry is checked against its CRC-32 (readCache over the buffer it has read anyway;
 *   openCacheFile with one chunked pass when it opens the file, or, asked `as-read`, as its rows are read:
 *   see below). An entry that is short, unparseable or fails its checksum is corrupt: it is decoded again
 *   and rewritten, with a warning naming it. The check costs about 10 % of a cached load (zlib's CRC-32 runs
 *   at several GB/s; bench/RESULTS.md).
 * - Checked as read (openCacheFile `as-read`, for a streamed replay entry, whose rows a replay reads front to
 *   back anyway: a pass on opening would read the file twice): opening checks the header, and that the file
 *   is exactly as long as it says; each stored column's CRC-32 then runs over its bytes as readCacheRows
 *   reads its rows in order from the first, and when the last row has been read the columns' CRCs (with the
 *   bytes after each column's rows, its padding and any room it did not fill, read then) are combined
 *   behind the header's (crc32Combine) into the file's, so the same bytes are checked as by the pass (a read-ahead thread, read-ahead.ts, folds the CRCs as it reads and
 *   the main thread records them, recordCheckedRows, as it takes each chunk). A file that fails is removed
 *   and CorruptCacheError thrown from that read: whatever was read from it must not be used (sim/run-scenario.ts runs the scenario again, which
 *   rebuilds it). finishChecking reads what a replay left unread (a run that ends before the data does).
 *   A file checked once is not checked again in the process (the CacheFile remembers it).
 * - Writes go to a temporary name and are renamed into place (a crashed write leaves no half entry).
 *   ChunkedCacheWriter writes a file whose length is not known in advance (streaming decode): each column
 *   is appended to its own temporary file, and `finish` concatenates them behind the header in 1 MiB pieces.
 *   Given the row count in advance, or an estimate of it that is rarely short (a plan: a streamed replay
 *   entry's files; a tardis file's entry, from the file's start: input.ts contentSample), it writes each
 *   column in place, with room for the planned rows, behind room for the header (the JSON padded with
 *   spaces), and folds the CRC-32s as it writes, so the rows are written once (on this VM a GB written costs
 *   about 2 s of kernel time: bench/RESULTS.md). The room a column does not fill is never written (a hole
 *   in the file, where the file system has them) and is part of the checksum as the zeros it reads as.
 * - A cache that cannot be written (disk full, read-only, no permission, an unusable folder) is not an
 *   error: the temporary files are removed, a warning says so once, and the replay goes on from memory.
 * - Replay entries (`replays/<key>.cols`, replayCachePath): a whole in-memory replay as loadReplay returns
 *   it — every unit's rows merged in feed order, screened and clock-aligned, with the venue's row order
 *   (exchange-order.ts) — keyed by its units' keys and the alignment setting, so a warm replay is one file
 *   read: no merge, no ordering pass. Same layout; its metadata lists the units kept (ReplayCacheMeta).
 * - Streamed replay entries (`streams/<key>.feed.cols` and `streams/<key>.venue.cols`, streamedEntryPaths):
 *   the same rows as a replay entry, kept for a streamed replay as two files of the same layout, one in feed
 *   order and one in venue order, keyed alike (stream-entry.ts states what they hold and why).
 * - Every opening of an entry (readCache, openCacheFile) sets its access time to now, its last use, which
 *   `spreadlab data cache` lists and prunes by (cache-folder.ts).
 * Known limits: no eviction of its own (`spreadlab data cache --prune` reclaims room). An in-memory replay
 * of several units is stored twice (its units, and merged). An entry is read whole into one buffer, so at
 * most buffer.constants.MAX_LENGTH (4 GiB on Node 20).
 */
const CACHE_FORMAT = 'SPLCOLS3';
/** What every version's format name starts with (entries of another version: cache-folder.ts). */
const CACHE_FORMAT_FAMILY = 'SPLCOLS';
/** A header longer than this is not read by readCacheHead (a header keeps at most 1000 problems, problems.ts: far below it). */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;
/** Bump when any reader's output changes. (3: price2 and size2 empty when no row uses them.) */
const READER_VERSION = 3;

export interface CacheOptions {
  dir: string;
  /** A streamed replay entry of this many rows or more gets its venue file written by a thread of its own (stream-entry.ts; default VENUE_THREAD_MIN_ROWS); small values are for tests. */
  venueThreadMinRows?: number;
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

function cacheKey(k: Keyed): string {
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

/**
 * What a replay entry's header holds besides rows and problems: the metadata and row count of each unit
 * kept (`unit`: its index among the replay's decode units; units of another market are dropped), and the
 * clock-alignment shift.
 */
export interface ReplayCacheMeta {
  units: (CacheMeta & { rows: number; unit: number })[];
  localShiftUs: number;
}

/** The replay entry of a whole in-memory replay (see the header): keyed by its units, in order, and whether clocks are aligned. */
export function replayCachePath(dir: string, units: readonly Keyed[], alignLocalTime: boolean): string {
  const material = { cache: CACHE_FORMAT, replay: units.map(cacheKey), alignLocalTime };
  return join(dir, 'replays', `${createHash('sha256').update(JSON.stringify(material)).digest('hex').slice(0, 40)}.cols`);
}

/** The two files of a streamed replay entry (see the header), keyed like replayCachePath. */
export function streamedEntryPaths(dir: string, units: readonly Keyed[], alignLocalTime: boolean): { feed: string; venue: string } {
  const material = { cache: CACHE_FORMAT, streamed: units.map(cacheKey), alignLocalTime };
  const stem = join(dir, 'streams', createHash('sha256').update(JSON.stringify(material)).digest('hex').slice(0, 40));
  return { feed: `${stem}.feed.cols`, venue: `${stem}.venue.cols` };
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
  /** Null without book or trade rows. */
  lag: number | null;
  /** Trade rows. */
  trades: number;
}

/** Folds rows [0, count) into running stats (null before the first row). */
export function addStats(stats: CacheStats | null, c: Omit<EventColumns, 'length'>, count: number): CacheStats | null {
  if (count === 0) return stats;
  const s = stats ?? { firstLocalTs: c.localTs[0], lastLocalTs: 0, lastExchTs: 0, lastKind: 0, lead: 0, lag: -Infinity, trades: 0 };
  let lead = s.lead;
  let lag = s.lag ?? -Infinity;
  let trades = s.trades;
  for (let i = 0; i < count; i++) {
    const kind = c.kind[i];
    if (kind === Kind.TRADE) trades++;
    if (kind === Kind.QUOTE) continue;
    const l = c.exchTs[i] - c.localTs[i];
    if (l > lead) lead = l;
    if (-l > lag) lag = -l;
  }
  s.lead = lead;
  s.lag = lag;
  s.trades = trades;
  s.lastLocalTs = c.localTs[count - 1];
  s.lastExchTs = c.exchTs[count - 1];
  s.lastKind = c.kind[count - 1];
  return s;
}

/** n rounded up to a multiple of 8 (arithmetic, not bitwise: a column of 2^31 bytes or more stays positive). */
const pad8 = (n: number) => Math.ceil(n / 8) * 8;
const widthOf = (name: (typeof COLUMN_NAMES)[number]) => (name === 'kind' || name === 'flags' ? 1 : 8);
const isSecond = (name: (typeof COLUMN_NAMES)[number]) => (SECOND_COLUMNS as readonly string[]).includes(name);

/** The JSON header of a cache file. */
interface Header<Meta = CacheMeta> {
  length: number;
  meta: Meta;
  problems: Problem[];
  stats: CacheStats | null;
  /** The venue's row order follows the columns (replay entries). */
  venueOrder?: boolean;
  /** price2 and size2 are stored (missing: true). */
  secondValues?: boolean;
  /** The rows each column has room for, when more than `length` (a file written in place from an estimate: ChunkedCacheWriter). */
  capacity?: number;
}

/** Bytes before the JSON header: the format name, the header's length and the checksum. */
const PREFIX = 16;

/** What precedes the columns: the prefix (checksum left 0: see writeChecksum), the JSON header, padding to 8 bytes. */
function headBytes(headerJson: string): Buffer {
  const json = Buffer.from(headerJson, 'utf8');
  const head = Buffer.alloc(pad8(PREFIX + json.length));
  head.write(CACHE_FORMAT, 0, 'latin1');
  head.writeUInt32LE(json.length, 8);
  json.copy(head, PREFIX);
  return head;
}

/**
 * Parses a cache file's header; `read(position, length)` returns the file's bytes there (fewer at its end).
 * Returns the header, the stored checksum, each column's byte offset (COLUMN_NAMES order) and the venue
 * order's (null when not stored); null when it is not a cache file or its header does not parse.
 */
function parseHead<Meta>(
  read: (position: number, length: number) => Buffer,
): { header: Header<Meta>; checksum: number; offsets: number[]; capacity: number; orderOffset: number | null; end: number } | null {
  const head = read(0, PREFIX);
  if (head.length !== PREFIX || head.toString('latin1', 0, 8) !== CACHE_FORMAT) return null;
  const headerLength = head.readUInt32LE(8);
  const text = read(PREFIX, headerLength);
  if (text.length !== headerLength) return null;
  let header: Header<Meta>;
  try {
    header = JSON.parse(text.toString('utf8')) as Header<Meta>;
  } catch {
    return null;
  }
  if (!Number.isSafeInteger(header.length) || header.length < 0) return null;
  const capacity = header.capacity ?? header.length;
  if (!Number.isSafeInteger(capacity) || capacity < header.length) return null;
  const offsets: number[] = [];
  let offset = pad8(PREFIX + headerLength);
  for (const name of COLUMN_NAMES) {
    offsets.push(offset);
    if (header.secondValues !== false || !isSecond(name)) offset += pad8(capacity * widthOf(name));
  }
  const orderOffset = header.venueOrder ? offset : null;
  if (header.venueOrder) offset += pad8(header.length * 4);
  return { header, checksum: head.readUInt32LE(12), offsets, capacity, orderOffset, end: offset };
}

/**
 * Writes a cache entry (see the header), with the venue's row order after the columns when given (a replay
 * entry); false, with a warning and nothing left behind, when it cannot be written (the replay then goes on
 * without the cache).
 */
export function writeCache<Meta = CacheMeta>(
  path: string,
  columns: EventColumns,
  meta: Meta,
  problems: Problem[],
  venueOrder?: Int32Array,
): boolean {
  const stats = addStats(null, columns, columns.length);
  const secondValues = hasSecondValues(columns);
  const head = headBytes(JSON.stringify({ length: columns.length, meta, problems, stats, secondValues, ...(venueOrder ? { venueOrder: true } : {}) } satisfies Header<Meta>));
  const parts: (Float64Array | Uint8Array | Int32Array)[] = COLUMN_NAMES.map((name) => columns[name]);
  if (venueOrder) parts.push(venueOrder);
  // written part by part: one buffer of the whole file would double a day's replay in memory
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeAll(fd, head);
      let crc = crc32(head.subarray(PREFIX));
      const padding = new Uint8Array(8);
      for (const part of parts) {
        const bytes = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
        const pad = padding.subarray(0, pad8(part.byteLength) - part.byteLength);
        writeAll(fd, bytes);
        writeAll(fd, pad);
        // not over an empty column: Node 20's crc32 returns 0 for a view on an empty ArrayBuffer, whatever the running value
        if (bytes.length > 0) crc = crc32(pad, crc32(bytes, crc));
      }
      writeChecksum(fd, crc);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    return true;
  } catch (error) {
    rmSync(tmp, { force: true });
    cacheUnwritable(path, error);
    return false;
  }
}

/** Stores the CRC-32 in the prefix of a file written with a zero there (headBytes). */
function writeChecksum(fd: number, crc: number): void {
  const stored = Buffer.alloc(4);
  stored.writeUInt32LE(crc, 0);
  writeSync(fd, stored, 0, 4, 12);
}

/** The warning for a cache that cannot be written (once per process for each reason). */
function cacheUnwritable(path: string, error: unknown): void {
  warn(`cannot write the data cache (${describeFsError(error)} at ${path}): replaying without it`);
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
    markUsed(fd);
    return buffer;
  } finally {
    closeSync(fd);
  }
}

/**
 * A cache file's row count and metadata, read from its header alone (cache-folder.ts lists the folder with
 * it), or what it is instead: not a cache file, a cache file of another format version, or one whose header
 * does not parse or promises more bytes than the file holds. Its access time (its last use: markUsed) is
 * left as it was: the file is opened with O_NOATIME where the system allows, and the time put back where
 * reading it moved it. File system errors are thrown.
 */
export function readCacheHead(path: string): { rows: number; meta: unknown } | 'not a cache file' | 'other format' | 'unreadable' {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOATIME ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    fd = openSync(path, 'r'); // O_NOATIME is for the file's owner only
  }
  try {
    const before = fstatSync(fd);
    const readAt = bytesAt(fd, MAX_HEADER_BYTES);
    const magic = readAt(0, CACHE_FORMAT.length).toString('latin1');
    const head = magic === CACHE_FORMAT ? parseHead(readAt) : null;
    const after = fstatSync(fd);
    if (after.atimeMs !== before.atimeMs) {
      try {
        futimesSync(fd, before.atimeMs / 1000, after.mtimeMs / 1000);
      } catch {
        // not the file's owner: its last use reads later than it was
      }
    }
    if (!magic.startsWith(CACHE_FORMAT_FAMILY)) return 'not a cache file';
    if (magic !== CACHE_FORMAT) return 'other format';
    return head && head.end <= after.size ? { rows: head.header.length, meta: head.header.meta } : 'unreadable';
  } finally {
    closeSync(fd);
  }
}

/** Reads `length` bytes of the file at `position` (fewer at its end, at most `most`). */
function bytesAt(fd: number, most = Infinity): (position: number, length: number) => Buffer {
  return (position, length) => {
    const bytes = Buffer.alloc(Math.min(length, most));
    return bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, position));
  };
}

/** Sets a cache file's access time to now (its last use: cache-folder.ts), its modification time kept to within a microsecond; nothing when the file system refuses. */
export function markUsed(fd: number): void {
  try {
    futimesSync(fd, Date.now() / 1000, fstatSync(fd).mtimeMs / 1000);
  } catch {
    // a read-only cache, or another user's file: its entries are still read
  }
}

/** A cache entry read whole, or why not: 'missing', or 'corrupt' (short, unparseable, or failing its checksum). */
export function readCache<Meta = CacheMeta>(path: string): CacheEntry<Meta> | 'missing' | 'corrupt' {
  let buffer: Buffer;
  try {
    buffer = readWhole(path);
  } catch {
    return 'missing';
  }
  const head = parseHead<Meta>((position, length) => buffer.subarray(position, position + length));
  if (!head || head.end > buffer.length || crc32(buffer.subarray(PREFIX)) !== head.checksum) return 'corrupt';
  const { header, offsets, orderOffset } = head;
  const base = buffer.byteOffset;
  const columns = { length: header.length } as EventColumns;
  COLUMN_NAMES.forEach((name, k) => {
    const n = header.secondValues === false && isSecond(name) ? 0 : header.length;
    const view = widthOf(name) === 1 ? new Uint8Array(buffer.buffer, base + offsets[k], n) : new Float64Array(buffer.buffer, base + offsets[k], n);
    (columns as unknown as Record<string, unknown>)[name] = view;
  });
  const venueOrder = orderOffset === null ? null : new Int32Array(buffer.buffer, base + orderOffset, header.length);
  return { columns, meta: header.meta, problems: header.problems, venueOrder };
}

function anyUsesSecondValues(kind: Uint8Array, count: number): boolean {
  for (let i = 0; i < count; i++) if (usesSecondValues(kind[i])) return true;
  return false;
}

/** Writes `rows` NaN f64 values (price2 or size2 of rows appended before the first that uses them). */
function writeNaN(fd: number, rows: number): void {
  const piece = new Float64Array(Math.min(rows, 1 << 17)).fill(NaN);
  for (let left = rows; left > 0; left -= piece.length) {
    const n = Math.min(left, piece.length);
    writeAll(fd, new Uint8Array(piece.buffer, 0, n * 8));
  }
}

/**
 * What a writer knows before its first row: the rows, exactly (a streamed replay entry's files:
 * stream-entry.ts) or at most (an estimate: a tardis file's entry, replay.ts), whether price2 and size2 are
 * stored, and the header's metadata and problems, which size the header's room, with `spareRoom` bytes more
 * for metadata and problems known only at the end. `stats: false` keeps no stats (null in the header) for a
 * file whose stats no reader needs (a streamed replay entry's: 7 ns a row, about 1 s of a day's first run).
 */
export interface CacheWriterPlan<Meta> extends RowsPlanned {
  meta: Meta;
  problems: Problem[];
  spareRoom?: number;
  stats?: false;
}

/** The rows a writer's plan has room for, and whether they keep price2 and size2 (a streamed entry's layout: stream-entry.ts). */
export interface RowsPlanned {
  rows: number;
  secondValues: boolean;
}

/**
 * A plan's rows may exceed the rows written by a quarter of them and this many more, and the file is still
 * finished in place; beyond that, the room (read by every check and whole read) would cost more than the
 * copy of the rows, and the columns are concatenated instead.
 */
const ROOM_SLACK_ROWS = 4096;

/**
 * Planned files of fewer rows are written on the main thread (ChunkedCacheWriter): a thread's start (60-90
 * ms here) costs more than it saves on a small file. What it saves is on a day's files, whose writes outrun
 * the disk (write-behind.ts); 8 M rows are 272 MB.
 */
export const WRITE_BEHIND_MIN_ROWS = 1 << 23;

/** A number whose JSON is as long as any number's (25 characters: a sign, "0.", five zeros, 17 digits). */
const WIDEST_NUMBER = -0.0000012345678901234567;

/** Stats whose JSON is as long as any stats' can be. */
const WIDEST_STATS: CacheStats = {
  firstLocalTs: WIDEST_NUMBER,
  lastLocalTs: WIDEST_NUMBER,
  lastExchTs: WIDEST_NUMBER,
  lastKind: WIDEST_NUMBER,
  lead: WIDEST_NUMBER,
  lag: WIDEST_NUMBER,
  trades: WIDEST_NUMBER,
};

/** Where a column's bytes were appended: a descriptor and the byte they start at. */
interface ColumnPlace {
  fd: number;
  at: number;
}

/**
 * Writes a cache file chunk by chunk, for a decode that never holds the whole input (see the header).
 * Without a plan, each column is appended to a temporary file of its own and `finish` concatenates them
 * behind the header. With a plan (the rows known in advance, or at most), each column is written in place
 * in the file, with room for the plan's rows, behind room for the header (its JSON padded with spaces,
 * which JSON.parse skips), and each column's CRC-32 is folded as it is written, so `finish` writes only the
 * header and the checksum: no second copy of the rows. Fewer rows than planned leave each column's room
 * unfilled (never written: zeros, a hole in the file on most file systems), and the header says how many
 * rows the room holds (`capacity`). A plan is a promise of speed, not of correctness: one that did not
 * hold is finished as without a plan, with the same file (a header longer than its room, or a room larger
 * than a quarter of the rows and ROOM_SLACK_ROWS: the columns are concatenated from their places; more
 * rows than planned, or price2/size2 used when the plan leaves them out: the rows so far stay where they
 * are, the next rows go to temporary files of their own, and `finish` concatenates both: the copy a file
 * written without a plan takes).
 * A planned file of WRITE_BEHIND_MIN_ROWS rows or more is written by a thread behind the writer
 * (write-behind.ts): the rows' bytes are handed over as they are appended, and every write is done
 * (`flush`) before the header, a copy or the file's rename. The file is the same byte for byte.
 */
export class ChunkedCacheWriter<Meta = CacheMeta> {
  private fds: number[] = [];
  /** The temporary column files (none while a plan holds). */
  private tmp: string[];
  /** Each column's place, COLUMN_NAMES order. */
  private places: ColumnPlace[];
  /** After a plan that did not hold: the rows written in place before, where they are (price2/size2 there only when planned). */
  private inPlace: { places: ColumnPlace[]; rows: number; secondValues: boolean } | null = null;
  /** With a plan: the JSON header's room (bytes) and each column's CRC-32 so far. */
  private readonly room: number = 0;
  private readonly crcs: number[];
  private length = 0;
  private stats: CacheStats | null = null;
  private readonly keepStats: boolean;
  /** A row using price2 and size2 was appended (they are kept only then), or the plan keeps them. */
  private secondValues: boolean;

  private readonly stem: string;
  /** The thread writing the appended rows, when there is one (see the class). */
  private readonly behind: WriteBehind | null;

  constructor(
    private readonly path: string,
    private plan: CacheWriterPlan<Meta> | null = null,
    writeBehind = plan !== null && plan.rows >= WRITE_BEHIND_MIN_ROWS,
  ) {
    this.stem = `${path}.tmp-${process.pid}-${++writers}`; // unique even for two writers of one key in a process
    this.behind = writeBehind ? new WriteBehind() : null;
    this.secondValues = plan?.secondValues ?? false;
    this.keepStats = plan?.stats !== false;
    this.crcs = plan ? COLUMN_NAMES.map(() => 0) : [];
    this.tmp = [];
    this.places = [];
    try {
      if (!plan) {
        this.places = this.temporaryColumnFiles();
        return;
      }
      const { rows, meta, problems, secondValues } = plan;
      const widest: Header<Meta> = { length: rows, meta, problems, stats: WIDEST_STATS, secondValues, capacity: rows };
      this.room = Buffer.byteLength(JSON.stringify(widest)) + (plan.spareRoom ?? 0);
      const fd = openSync(this.stem, 'w+');
      this.fds.push(fd);
      let at = pad8(PREFIX + this.room);
      this.places = COLUMN_NAMES.map((name) => {
        const place = { fd, at };
        if (secondValues || !isSecond(name)) at += pad8(rows * widthOf(name));
        return place;
      });
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Opens a temporary file for each column; their places. */
  private temporaryColumnFiles(): ColumnPlace[] {
    this.tmp = COLUMN_NAMES.map((name) => `${this.stem}.${name}`);
    return this.tmp.map((t) => {
      const fd = openSync(t, 'w+');
      this.fds.push(fd); // as opened: abort closes whatever was
      return { fd, at: 0 };
    });
  }

  /**
   * The plan no longer holds: the rows so far stay where they are, the next rows go to temporary files of
   * their own, and `finish` concatenates both (see the class).
   */
  private dropPlan(): void {
    this.inPlace = { places: this.places, rows: this.length, secondValues: this.secondValues };
    this.plan = null;
    this.places = this.temporaryColumnFiles();
  }

  /**
   * Appends rows [0, count) of the columns (price2 and size2 may be empty when no row uses them); on
   * failure, the temporary files are removed and the error thrown. price2 and size2 are written only from
   * the first row that uses them on (the rows before it get NaN then), as the file keeps them only then.
   */
  append(c: Omit<EventColumns, 'length'>, count: number): void {
    if (count === 0) return;
    try {
      const newSecondValues = !this.secondValues && anyUsesSecondValues(c.kind, count);
      if (this.plan && (this.length + count > this.plan.rows || newSecondValues)) this.dropPlan();
      if (newSecondValues) {
        this.secondValues = true;
        for (const name of SECOND_COLUMNS) writeNaN(this.places[COLUMN_NAMES.indexOf(name)].fd, this.length);
      }
      COLUMN_NAMES.forEach((name, k) => {
        if (!this.secondValues && isSecond(name)) return;
        const col = c[name].length > 0 ? c[name] : new Float64Array(count).fill(NaN);
        const bytes = new Uint8Array(col.buffer, col.byteOffset, count * widthOf(name));
        const { fd, at } = this.places[k];
        const position = this.plan ? at + this.length * widthOf(name) : null;
        if (this.behind) this.behind.write(fd, bytes, position ?? -1);
        else writeAll(fd, bytes, position);
        if (this.plan) this.crcs[k] = crc32(bytes, this.crcs[k]);
      });
    } catch (error) {
      this.abort();
      throw error;
    }
    this.length += count;
    if (this.keepStats) this.stats = addStats(this.stats, c, count);
  }

  /** Writes the final file (header, then each column, then the checksum) and renames it into place. */
  finish(meta: Meta, problems: Problem[]): void {
    const header: Header<Meta> = { length: this.length, meta, problems, stats: this.stats, secondValues: this.secondValues };
    try {
      this.behind?.flush();
      const plan = this.plan;
      if (plan && this.length <= plan.rows && plan.rows - this.length <= this.length / 4 + ROOM_SLACK_ROWS) {
        const json = JSON.stringify(this.length < plan.rows ? { ...header, capacity: plan.rows } : header);
        if (Buffer.byteLength(json) <= this.room) return this.finishInPlace(json, plan.rows);
      }
      this.concatenate(header);
    } finally {
      this.abort();
    }
  }

  /**
   * A plan that held: the header in its room, the file's checksum from the columns' CRCs (cache.ts
   * crc32Combine) and the zeros of the room they did not fill (crc32OfZeros), each column having room for
   * `capacity` rows.
   */
  private finishInPlace(json: string, capacity: number): void {
    const fd = this.fds[0];
    const head = headBytes(json + ' '.repeat(this.room - Buffer.byteLength(json)));
    writeAll(fd, head, 0);
    let crc = crc32(head.subarray(PREFIX));
    let end = head.length;
    COLUMN_NAMES.forEach((name, k) => {
      if (!this.secondValues && isSecond(name)) return;
      const bytes = this.length * widthOf(name);
      if (bytes > 0) crc = crc32Combine(crc, this.crcs[k], bytes);
      const room = pad8(capacity * widthOf(name));
      crc = crc32OfZeros(crc, room - bytes);
      end = this.places[k].at + room;
    });
    ftruncateSync(fd, end); // the last column's room and padding
    writeChecksum(fd, crc);
    this.closeAll();
    renameSync(this.stem, this.path);
  }

  /** The header, then each column's bytes copied from its place in 1 MiB pieces, as a new file. */
  private concatenate(header: Header<Meta>): void {
    const out = `${this.stem}.cols`;
    let fd = -1;
    try {
      fd = openSync(out, 'w');
      const head = headBytes(JSON.stringify(header));
      writeAll(fd, head);
      let crc = crc32(head.subarray(PREFIX));
      COLUMN_NAMES.forEach((name, k) => {
        if (!this.secondValues && isSecond(name)) return;
        const bytes = this.length * widthOf(name);
        const before = this.inPlace && (this.inPlace.secondValues || !isSecond(name)) ? this.inPlace.rows * widthOf(name) : 0;
        if (before > 0) copyBytes(this.inPlace!.places[k], fd, before, (piece) => (crc = crc32(piece, crc)));
        copyBytes(this.places[k], fd, bytes - before, (piece) => (crc = crc32(piece, crc)));
        if (pad8(bytes) > bytes) {
          const padding = Buffer.alloc(pad8(bytes) - bytes);
          writeAll(fd, padding);
          crc = crc32(padding, crc);
        }
      });
      writeChecksum(fd, crc);
      closeSync(fd);
      fd = -1;
      renameSync(out, this.path);
    } catch (error) {
      if (fd >= 0) closeSync(fd);
      rmSync(out, { force: true });
      throw error;
    }
  }

  private closeAll(): void {
    for (const fd of this.fds.splice(0)) closeSync(fd);
  }

  /** Closes and removes the temporary files. */
  abort(): void {
    this.behind?.close(); // first: the thread must not write to a descriptor once closed
    this.closeAll();
    for (const t of [...this.tmp, this.stem]) rmSync(t, { force: true });
  }
}

let writers = 0;

/** Copies `bytes` bytes from a place to the end of `to`, 1 MiB at a time, each piece also given to `onPiece`. */
function copyBytes(from: ColumnPlace, to: number, bytes: number, onPiece?: (piece: Buffer) => void): void {
  const piece = Buffer.allocUnsafe(Math.min(bytes, 1 << 20));
  for (let done = 0; done < bytes; ) {
    const n = readSync(from.fd, piece, 0, Math.min(piece.length, bytes - done), from.at + done);
    if (n <= 0) throw new Error(`short read of a cache column written before (${bytes - done} bytes missing)`);
    writeAll(to, piece.subarray(0, n));
    onPiece?.(piece.subarray(0, n));
    done += n;
  }
}

/** Writes all the bytes: at the file's position, or at `position` when given. */
function writeAll(fd: number, bytes: Uint8Array, position: number | null = null): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, position === null ? null : position + at);
}

/** A cache file opened for chunked reading: its header and where each column starts. */
export interface CacheFile<Meta = CacheMeta> {
  path: string;
  length: number;
  meta: Meta;
  problems: Problem[];
  stats: CacheStats | null;
  /** Byte offset of each column, in COLUMN_NAMES order. */
  offsets: number[];
  /** Rows each column has room for (`length`, or more: see ChunkedCacheWriter). */
  capacity: number;
  /** price2 and size2 are stored (else every row's are NaN). */
  secondValues: boolean;
  /** The checksum as the rows are read (opened `as-read`: see the header); null when checked on opening. */
  check: ChecksumAsRead | null;
}

/** The state of a file's checksum checked as its rows are read (see the header). */
export interface ChecksumAsRead {
  /** Rows [0, rows) of every stored column are folded into `crcs`. */
  rows: number;
  /** Each column's CRC-32 so far (COLUMN_NAMES order; 0 for a column not stored). */
  crcs: number[];
  /** The CRC-32 of the bytes between the prefix and the first column (the header and its padding). */
  headCrc: number;
  /** The checksum the file stores. */
  stored: number;
  /** Reading (not all rows folded in yet), passed, or failed (the file has been removed). */
  state: 'reading' | 'passed' | 'failed';
}

/**
 * Reads a cache file's header and checks the whole file against its checksum: 'missing' when there is no such
 * file, 'corrupt' when it is short, unparseable or fails the checksum. `now` (default) checks with one chunked
 * pass; `as-read` checks the header and length now and the rest as the rows are read (see the header), except
 * for a file with the venue's row order (a replay entry, read whole by readCache), checked now.
 */
export function openCacheFile<Meta = CacheMeta>(path: string, check: 'now' | 'as-read' = 'now'): CacheFile<Meta> | 'missing' | 'corrupt' {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 'missing';
  }
  try {
    const readAt = bytesAt(fd);
    const head = parseHead<Meta>(readAt);
    const size = fstatSync(fd).size;
    if (!head || head.end > size) return 'corrupt';
    markUsed(fd);
    const { header, offsets, capacity } = head;
    const file = {
      path,
      length: header.length,
      meta: header.meta,
      problems: header.problems,
      stats: header.stats,
      offsets,
      capacity,
      secondValues: header.secondValues !== false,
      check: null as ChecksumAsRead | null,
    };
    if (check === 'as-read' && head.orderOffset === null) {
      const headBytes = readAt(PREFIX, offsets[0] - PREFIX);
      if (head.end !== size || headBytes.length !== offsets[0] - PREFIX) return 'corrupt';
      file.check = { rows: 0, crcs: COLUMN_NAMES.map(() => 0), headCrc: crc32(headBytes), stored: head.checksum, state: 'reading' };
      if (file.length === 0 && !checksumPasses(file)) return 'corrupt';
      return file;
    }
    return crc32At(fd, PREFIX, size - PREFIX, 0) === head.checksum ? file : 'corrupt';
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads rows [from, from + count) of a cache file into `into` (rows 0..count-1); `fd` is open on file.path.
 * price2 and size2 of a file that does not store them are left as they are: the caller fills them with NaN
 * once (stream.ts reuses one buffer for every chunk). A file checked as read folds the rows into its
 * checksum when they are the next ones in order, and once the last row is read throws CorruptCacheError
 * (after removing the file) when the checksum fails (see the header).
 */
export function readCacheRows(file: CacheFile<unknown>, fd: number, from: number, count: number, into: Omit<EventColumns, 'length'>): void {
  const check = file.check;
  const folds = check !== null && check.state === 'reading' && from === check.rows;
  readStoredRows(file, fd, from, count, into, folds ? check.crcs : null);
  if (folds) recordCheckedRows(file, from + count, check.crcs);
}

/** Where a cache file's stored columns are: what reading its rows needs (CacheFile's fields; read-ahead.ts sends them to its thread). */
export type CacheLayout = Pick<CacheFile<unknown>, 'path' | 'offsets' | 'secondValues'>;

/**
 * Reads rows [from, from + count) of the stored columns into `into` (rows 0..count-1; price2 and size2 left
 * as they are when not stored); with `crcs`, folds each stored column's bytes read into its CRC-32 there
 * (COLUMN_NAMES order). Throws when the file ends before them.
 */
export function readStoredRows(
  file: CacheLayout,
  fd: number,
  from: number,
  count: number,
  into: Omit<EventColumns, 'length'>,
  crcs: { [column: number]: number } | null,
): void {
  COLUMN_NAMES.forEach((name, k) => {
    const w = widthOf(name);
    const col = into[name];
    if (!file.secondValues && isSecond(name)) return;
    const bytes = count * w;
    const view = new Uint8Array(col.buffer, col.byteOffset, bytes);
    for (let at = 0; at < bytes; ) {
      const n = readSync(fd, view, at, bytes - at, file.offsets[k] + from * w + at);
      if (n <= 0) throw new Error(`${file.path}: cache file shorter than its header says (delete it to rebuild)`);
      at += n;
    }
    // not over an empty view: Node 20's crc32 returns 0 for one, whatever the running value
    if (crcs && bytes > 0) crcs[k] = crc32(view, crcs[k]);
  });
}

/**
 * Records that rows [0, rows) of a file checked as read are folded into `crcs` (each stored column's CRC-32
 * over them, COLUMN_NAMES order), the next rows after those already recorded; when that is every row,
 * checks the file's checksum and, when it fails, removes the file and throws CorruptCacheError.
 */
export function recordCheckedRows(file: CacheFile<unknown>, rows: number, crcs: ArrayLike<number>): void {
  const check = file.check!;
  for (let k = 0; k < check.crcs.length; k++) check.crcs[k] = crcs[k];
  check.rows = rows;
  if (rows === file.length && !checksumPasses(file)) {
    rmSync(file.path, { force: true });
    throw new CorruptCacheError(file.path);
  }
}

/**
 * Completes the checksum of a file checked as read over the rows not read yet (none when a replay read it
 * to the end); throws CorruptCacheError, after removing the file, when it fails. Nothing to do for a file
 * checked on opening or already checked (a file that failed threw when it did).
 */
export function finishChecking(file: CacheFile<unknown>, chunkRows = 1 << 16): void {
  const check = file.check;
  if (!check || check.state !== 'reading') return;
  const fd = openSync(file.path, 'r');
  try {
    const into = allocateColumns(Math.max(1, Math.min(chunkRows, file.length - check.rows)), file.secondValues);
    while (check.rows < file.length) readCacheRows(file, fd, check.rows, Math.min(chunkRows, file.length - check.rows), into);
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether the checksum of a file checked as read, its rows all folded in, is the one it stores: the columns'
 * CRCs combined behind the header's, each followed by the bytes after its rows (its padding, and the room
 * it did not fill: read now, from a descriptor of its own); records a pass.
 */
function checksumPasses(file: CacheFile<unknown>): boolean {
  const check = file.check!;
  let crc = check.headCrc;
  const fd = openSync(file.path, 'r');
  try {
    COLUMN_NAMES.forEach((name, k) => {
      if (!file.secondValues && isSecond(name)) return;
      const bytes = file.length * widthOf(name);
      if (bytes > 0) crc = crc32Combine(crc, check.crcs[k], bytes);
      crc = crc32At(fd, file.offsets[k] + bytes, pad8(file.capacity * widthOf(name)) - bytes, crc);
    });
  } finally {
    closeSync(fd);
  }
  check.state = (crc >>> 0) === check.stored ? 'passed' : 'failed';
  return check.state === 'passed';
}

/** `crc` (a CRC-32) continued over the file's `length` bytes at `position`, read 1 MiB at a time; a short read leaves it short (a check then fails). */
function crc32At(fd: number, position: number, length: number, crc: number): number {
  const piece = Buffer.alloc(Math.min(length, 1 << 20));
  for (let done = 0; done < length; ) {
    const n = readSync(fd, piece, 0, Math.min(piece.length, length - done), position + done);
    if (n <= 0) break;
    crc = crc32(piece.subarray(0, n), crc);
    done += n;
  }
  return crc;
}

/** The CRC-32 polynomial, reflected (zlib's). */
const CRC32_POLY = 0xedb88320;

/** a(x) · b(x) modulo the CRC-32 polynomial (reflected bit order, as zlib's multmodp). */
function multModP(a: number, b: number): number {
  let product = 0;
  for (let m = 0x80000000; m !== 0; m >>>= 1) {
    if ((a & m) !== 0) product ^= b;
    b = b & 1 ? (b >>> 1) ^ CRC32_POLY : b >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) modulo the CRC-32 polynomial, k = 0..31 (zlib's x2n_table). */
const X_POW_2K = (() => {
  const table = new Array<number>(32);
  let p = 0x40000000; // x^1
  for (let k = 0; k < 32; k++) {
    table[k] = p;
    p = multModP(p, p);
  }
  return table;
})();

/** x^(8·bytes) modulo the CRC-32 polynomial: what `bytes` bytes shift a CRC register by (zlib's x2nmodp(bytes, 3)). */
function byteShift(bytes: number): number {
  let shift = 0x80000000; // x^0
  let k = 3; // x^(8 · bytes) = Π x^(2^(k+3)) over the set bits k of bytes
  for (let n = bytes; n > 0; n = Math.floor(n / 2), k++) if (n % 2 === 1) shift = multModP(X_POW_2K[k & 31], shift);
  return shift;
}

/**
 * The CRC-32 of A followed by B from crcA, crcB (B's own CRC-32, from 0) and B's length in bytes: zlib's
 * crc32_combine, which Node does not expose (crcA · x^(8·lengthB) + crcB modulo the polynomial).
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(byteShift(lengthB), crcA) ^ crcB) >>> 0;
}

/**
 * `crc` continued over `bytes` zero bytes, without them: a zero byte shifts the CRC register (crc inverted,
 * as zlib keeps it) by x^8, so the register is multiplied by x^(8·bytes).
 */
export function crc32OfZeros(crc: number, bytes: number): number {
  return (multModP(byteShift(bytes), ~crc >>> 0) ^ 0xffffffff) >>> 0;
}

/** The warning for a corrupt cache entry, which the caller then rebuilds. */
export function corruptEntry(path: string): void {
  warn(`the data cache entry ${path} is corrupt (it fails its checksum): decoding the data again and rewriting it`);
}

/**
 * Makes the cache folder; false (with a warning) when it cannot be used — not a writable folder on real
 * storage — so the caller replays without the cache.
 */
export function cacheFolderReady(dir: string): boolean {
  try {
    checkOutputPath(dir, 'the data cache');
    mkdirSync(dir, { recursive: true });
    return true;
  } catch (error) {
    warn(`cannot use the data cache folder ${dir} (${error instanceof Error && !('code' in error) ? error.message : describeFsError(error)}): replaying without it`);
    return false;
  }
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
  if (typeof hit === 'object') {
    for (const p of hit.problems) problems.report(p.file, p.line, p.column, p.message);
    return { decoded: { ...hit.meta, columns: hit.columns }, fromCache: true };
  }
  if (hit === 'corrupt') corruptEntry(path);
  const before = problems.list.length;
  const decoded = await decode();
  if (cacheFolderReady(dir)) writeCache(path, decoded.columns, cacheMeta(decoded), problems.list.slice(before));
  return { decoded, fromCache: false };
}
