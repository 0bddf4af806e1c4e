import { rmSync } from 'node:fs';
import { startActivity } from '../core/activity.ts';
import type { BookSnapshot, MarketEvent } from '../core/events.ts';
import { ChunkedCacheWriter, corruptEntry, openCacheFile, type CacheFile, type CacheMeta, type CacheWriterPlan, type RowsPlanned } from './cache.ts';
import { allocateColumns, copyRow, FLAG_ASK, FLAG_SNAPSHOT_START, Kind, type EventColumns, type RowSource } from './columns.ts';
import { byExchangeTime } from './exchange-order.ts';
import type { Problem } from './problems.ts';
import { rowSourceOf, RowsPassedOn } from './row-source.ts';
import { DEFAULT_CHUNK_ROWS } from './stream.ts';
import { PipeStopped } from './chunk-pipe.ts';
import { VenueOrderThread } from './venue-order-thread.ts';

/**
 * The streamed replay entry: a streamed replay's rows kept in the cache (cache.ts streamedEntryPaths) in
 * the two orders its two timelines read them, so a warm streamed replay reads two files front to back in
 * fixed-size chunks (stream.ts openCacheRows): no merge of the units, no far-print screen and no reorder
 * buffer on each run.
 *
 * Rules:
 * - Written by the first streamed load that finds no entry (or a corrupt one: a warning names it), in one
 *   pass over the units' rows: the feed file holds them merged lazily (stream.ts openStream, merge.ts's tie
 *   rule), clock-aligned (localTs stored shifted, so the file is read with no shift) and without far prints
 *   (screen.ts withoutFarPrintRows: under onError stop the first ends the load, under skip each is
 *   dropped and reported); the venue file holds the same rows in venue order, as the reorder buffer
 *   (exchange-order.ts byExchangeTime, bounded by the data's feed lag) yields them from the feed, and each
 *   feed row is appended to the feed file as the buffer reads it. From VENUE_THREAD_MIN_ROWS rows on, the
 *   venue file is written by a thread of its own instead (venue-order-thread.ts): this thread writes the
 *   feed file and passes each of its chunks on, that one runs the reorder buffer over them; the same rows
 *   reach the buffer with the same times (the feed file's localTs are stored shifted), so both files hold
 *   the same bytes either way. Each file is written chunk by chunk (ChunkedCacheWriter: bounded memory,
 *   renamed into place when whole, CRC-32 like every entry), the feed file finished first; a failed write
 *   leaves neither. Both files are planned for the units' rows
 *   before the first row, so each file's columns are written in place, once (cache.ts ChunkedCacheWriter
 *   with a plan): a far print dropped leaves its row's room unfilled; the feed file's header has room for
 *   the problems found on the way (more than fit cost a copy, never the entry).
 * - A snapshot is stored as its levels' rows, bids then asks, the first marked FLAG_SNAPSHOT_START, each
 *   with the snapshot's times: the event formed from them again is the same (levels keep their order per
 *   side, and only the first row's times make the event).
 * - The feed file's header holds what a streamed load needs besides the rows (StreamedEntryMeta): the units
 *   kept with their metadata and row counts, the alignment shift, the reorder bound and the span; and the
 *   problems recorded while the entry was made, reported again on a hit (as a replay entry's). A hit reads
 *   neither the units' cache files nor the data files (their hashes are remembered: replay.ts).
 * - Found when both files open and hold as many rows as each other; a missing file means the entry is made
 *   again, a corrupt one the same after a warning. Their checksums are checked as a replay reads them
 *   (cache.ts, checked as read: a warm run reads each file once, not twice), so a file whose bytes fail is
 *   found when its last row is read (CorruptCacheError: the file is removed, and sim/run-scenario.ts runs
 *   the scenario again, which makes the entry again) or when a run that ended early completes the check
 *   (OpenedData.verify).
 * - Why a second copy rather than the venue order as row indices (4 bytes a row, as the in-memory replay
 *   entry keeps it): indices into a file are random reads, or need a window of feed chunks as deep as the
 *   data's lag held and searched on every row, which is the reorder buffer again. A sequential copy costs
 *   disk, not time per event.
 * Disk cost: 2 × 34 bytes a row (50 with quote or order rows) besides the units' own entries, e.g. 4.6 GB
 * for the 68 M-row day benchmark (and, should a plan not hold, as much again in a temporary copy while a
 * file is assembled). Below VENUE_THREAD_MIN_ROWS, one pass instead of three (a screening pass over the
 * merged events, the feed file, then the venue file from the feed file read back): about a second less of a
 * day's first run when the day was written so; above it, the venue-order thread (27.8 → 19.8 s of the day's
 * entry: bench/RESULTS.md), which costs its pipe (6.5–9.8 MB) and a thread's heap.
 * Known limits: a damaged file is found only once a replay has read it (or the rest of it), so a run over
 * one is made twice.
 */
export interface StreamedEntryMeta {
  /** Each unit kept: its metadata, its rows and its index among the replay's decode units. */
  units: (CacheMeta & { rows: number; unit: number })[];
  /** µs added to every localTs by clock alignment (already added to the stored rows). */
  localShiftUs: number;
  /** The reorder bound the venue file was made with (StreamedReplay.maxFeedLagUs). */
  maxFeedLagUs: number;
  startTs: number;
  lastTs: number;
}

export interface StreamedEntry {
  feed: CacheFile<StreamedEntryMeta>;
  venue: CacheFile<unknown>;
}

/** The entry at `paths`, or null when it is missing or corrupt (a warning names a corrupt file). */
export function openStreamedEntry(paths: { feed: string; venue: string }): StreamedEntry | null {
  const feed = openCacheFile<StreamedEntryMeta>(paths.feed, 'as-read');
  if (feed === 'corrupt' || (typeof feed === 'object' && !Array.isArray(feed.meta.units))) corruptEntry(paths.feed);
  if (typeof feed !== 'object' || !Array.isArray(feed.meta.units)) return null;
  const venue = openCacheFile<unknown>(paths.venue, 'as-read');
  if (venue === 'corrupt' || (typeof venue === 'object' && venue.length !== feed.length)) corruptEntry(paths.venue);
  if (typeof venue !== 'object' || venue.length !== feed.length) return null;
  return { feed, venue };
}

/**
 * Writes the entry from the replay's feed (merged, aligned, screened: see the header), whose rows
 * `layout.rows` counts in advance or bounds, and opens it; file system errors (and a problem that stops the
 * load, thrown by the feed) are thrown, with nothing left behind. `problems` gives the problems to keep in
 * the feed file's header: asked for before the first row (the header's room is planned for them and
 * PROBLEMS_ROOM more) and once the feed is read. From `venueThreadMinRows` rows on (default
 * VENUE_THREAD_MIN_ROWS), the venue file is written by a thread of its own from the feed file's chunks
 * (venue-order-thread.ts) while this one writes the feed file; below, in one pass here: the venue file is
 * written from the reorder buffer, which reads the feed, and every feed row is appended to the feed file as
 * it is read. Both ways write the same bytes.
 */
export async function writeStreamedEntry(
  paths: { feed: string; venue: string },
  feed: RowSource,
  layout: RowsPlanned,
  meta: StreamedEntryMeta,
  problems: () => Problem[],
  venueThreadMinRows = VENUE_THREAD_MIN_ROWS,
): Promise<StreamedEntry> {
  const writers: ChunkedCacheWriter<unknown>[] = [];
  const activity = startActivity('write the streamed replay entry');
  const progress = (file: RowAppender): void => activity.update(file.length / layout.rows);
  let venueThread: VenueOrderThread | null = null;
  try {
    if (layout.rows >= venueThreadMinRows) {
      const thread = (venueThread = new VenueOrderThread(paths.venue, layout, meta.maxFeedLagUs, DEFAULT_CHUNK_ROWS));
      const feedFile = new RowAppender(paths.feed, feedPlan(layout, meta, problems()), writers, (c, count) => thread.put(c, count));
      while (appendChunk(feed, feedFile)) {
        progress(feedFile);
        await thread.drain();
      }
      feedFile.finish(meta, problems());
      await thread.finished();
    } else {
      const feedFile = new RowAppender(paths.feed, feedPlan(layout, meta, problems()), writers);
      const venueFile = new RowAppender(paths.venue, venuePlan(layout), writers);
      appendAll(venueOrderOf(new AppendedAsRead(feed, feedFile), meta.maxFeedLagUs), venueFile, progress);
      feedFile.finish(meta, problems());
      venueFile.finish(VENUE_META, []);
    }
    activity.update(1);
  } catch (error) {
    for (const writer of writers) writer.abort();
    const thrown = error instanceof PipeStopped && venueThread ? await venueThread.failure() : error;
    await venueThread?.abandon();
    rmSync(paths.feed, { force: true }); // finished, when the venue file was not
    throw thrown;
  } finally {
    activity.done();
  }
  return { feed: openWritten<StreamedEntryMeta>(paths.feed), venue: openWritten(paths.venue) };
}

/**
 * The venue file of the feed read from `feed` (the feed file's rows: venue-order-worker.ts), written whole
 * or not at all.
 */
export function writeVenueFile(path: string, feed: RowSource, layout: RowsPlanned, maxFeedLagUs: number): void {
  const writers: ChunkedCacheWriter<unknown>[] = [];
  try {
    const venueFile = new RowAppender(path, venuePlan(layout), writers);
    appendAll(venueOrderOf(feed, maxFeedLagUs), venueFile, () => {});
    venueFile.finish(VENUE_META, []);
  } catch (error) {
    for (const writer of writers) writer.abort();
    throw error;
  }
}

/**
 * Streamed entries of this many rows (2^22, about 4.2 M) or more have their venue file written by a thread of
 * its own (see writeStreamedEntry): a bundled thread's start (about 0.1 s here: stream.ts) against about
 * 0.18 µs a row of reorder buffer and venue file taken off the feed's thread (12 s of the 68 M-row day:
 * bench/RESULTS.md), with a margin.
 */
export const VENUE_THREAD_MIN_ROWS = 1 << 22;

const VENUE_META = { order: 'venue' };

function feedPlan(layout: RowsPlanned, meta: StreamedEntryMeta, problems: Problem[]): CacheWriterPlan<unknown> {
  return { ...layout, meta, problems, spareRoom: PROBLEMS_ROOM, stats: false };
}

function venuePlan(layout: RowsPlanned): CacheWriterPlan<unknown> {
  return { ...layout, meta: VENUE_META, problems: [], stats: false };
}

/** The feed's rows in venue order: the reorder buffer over them (exchange-order.ts), bounded by the data's feed lag. */
function venueOrderOf(feed: RowSource, maxFeedLagUs: number): RowSource {
  return rowSourceOf(byExchangeTime(() => feed, maxFeedLagUs)());
}

/** Appends every row of `source` to `file`, calling `onChunk` each time a chunk fills. */
function appendAll(source: RowSource, file: RowAppender, onChunk: (file: RowAppender) => void): void {
  while (appendChunk(source, file)) onChunk(file);
}

/** Appends rows of `source` to `file` (a snapshot as its rows) until its chunk is full (true) or the source ends (false). */
function appendChunk(source: RowSource, file: RowAppender): boolean {
  for (let i = source.peekRow(); i >= 0; i = source.peekRow()) {
    if (source.rows.kind[i] !== Kind.SNAPSHOT) {
      file.row(source.rows, i, source.localShift);
      source.skipRow();
    } else file.snapshot(source.next() as BookSnapshot);
    if (file.chunkFull()) return true;
  }
  return false;
}

/**
 * Header room for the problems found while the feed is read (far prints, screen.ts: about 250 of their
 * messages) besides those found before; more are still kept, the feed file then finished as without a plan
 * (cache.ts: one copy of its rows).
 */
const PROBLEMS_ROOM = 1 << 16;

function openWritten<Meta>(path: string): CacheFile<Meta> {
  const file = openCacheFile<Meta>(path, 'as-read');
  if (typeof file !== 'object') throw new Error(`${path}: cache entry just written cannot be read`);
  return file;
}

/** Rows appended to one cache file planned as `plan` says, a chunk of columns at a time (snapshots as in the header). */
class RowAppender {
  private readonly writer: ChunkedCacheWriter<unknown>;
  private readonly chunk = allocateColumns(DEFAULT_CHUNK_ROWS);
  private count = 0;
  /** Rows handed to the writer. */
  private handed = 0;

  /** `passOn`, when given, gets each chunk as it is handed to the writer (the venue file's thread: writeStreamedEntry). */
  constructor(
    path: string,
    plan: CacheWriterPlan<unknown>,
    writers: ChunkedCacheWriter<unknown>[],
    private readonly passOn?: (c: Omit<EventColumns, 'length'>, count: number) => void,
  ) {
    this.writer = new ChunkedCacheWriter<unknown>(path, plan);
    writers.push(this.writer);
  }

  row(c: Omit<EventColumns, 'length'>, i: number, localShift: number): void {
    this.room();
    copyRow(c, i, localShift, this.chunk, this.count++);
  }

  snapshot(snapshot: BookSnapshot): void {
    let start = FLAG_SNAPSHOT_START;
    for (const side of [
      { prices: snapshot.bidPrices, sizes: snapshot.bidSizes, flags: 0 },
      { prices: snapshot.askPrices, sizes: snapshot.askSizes, flags: FLAG_ASK },
    ]) {
      for (let k = 0; k < side.prices.length; k++) {
        this.room();
        snapshotRow(this.chunk, this.count++, snapshot, side.prices[k], side.sizes[k], side.flags | start);
        start = 0;
      }
    }
  }

  /** Rows appended. */
  get length(): number {
    return this.handed + this.count;
  }

  /** Whether the last row filled the chunk (handed to the writer on the next row). */
  chunkFull(): boolean {
    return this.count === DEFAULT_CHUNK_ROWS;
  }

  finish(meta: unknown, problems: Problem[]): void {
    this.hand();
    this.writer.finish(meta, problems);
  }

  private room(): void {
    if (this.count < DEFAULT_CHUNK_ROWS) return;
    this.hand();
    this.handed += this.count;
    this.count = 0;
  }

  private hand(): void {
    this.writer.append(this.chunk, this.count);
    this.passOn?.(this.chunk, this.count);
  }
}

/** The rows of `source`, each appended to `file` as it is passed over: the feed file, written in the order the feed is read. */
class AppendedAsRead extends RowsPassedOn {
  constructor(
    source: RowSource,
    private readonly file: RowAppender,
  ) {
    super(source);
  }

  skipRow(): void {
    const i = this.source.peekRow();
    if (i < 0) return;
    this.file.row(this.source.rows, i, this.source.localShift);
    this.source.skipRow();
  }

  next(): MarketEvent | null {
    const i = this.source.peekRow();
    if (i < 0) return null;
    if (this.source.rows.kind[i] !== Kind.SNAPSHOT) {
      this.file.row(this.source.rows, i, this.source.localShift);
      return this.source.next();
    }
    const snapshot = this.source.next() as BookSnapshot;
    this.file.snapshot(snapshot);
    return snapshot;
  }
}

function snapshotRow(c: Omit<EventColumns, 'length'>, at: number, snapshot: BookSnapshot, price: number, size: number, flags: number): void {
  c.kind[at] = Kind.SNAPSHOT;
  c.flags[at] = flags;
  c.exchTs[at] = snapshot.exchTs;
  c.localTs[at] = snapshot.localTs;
  c.price[at] = price;
  c.size[at] = size;
  c.price2[at] = NaN;
  c.size2[at] = NaN;
}
