import { rmSync } from 'node:fs';
import { startActivity } from '../core/activity.ts';
import type { BookSnapshot, OpenMarketEvents } from '../core/events.ts';
import { ChunkedCacheWriter, corruptEntry, openCacheFile, type CacheFile, type CacheMeta, type CacheWriterPlan } from './cache.ts';
import { allocateColumns, copyRow, FLAG_ASK, FLAG_SNAPSHOT_START, Kind, type EventColumns, type RowSource } from './columns.ts';
import { byExchangeTime } from './exchange-order.ts';
import type { Problem } from './problems.ts';
import { rowSourceOf } from './row-source.ts';
import { DEFAULT_CHUNK_ROWS, openCacheRows } from './stream.ts';

/**
 * The streamed replay entry: a streamed replay's rows kept in the cache (cache.ts streamedEntryPaths) in
 * the two orders its two timelines read them, so a warm streamed replay reads two files front to back in
 * fixed-size chunks (stream.ts openCacheRows): no merge of the units, no far-print screen and no reorder
 * buffer on each run.
 *
 * Rules:
 * - Written by the first streamed load that finds no entry (or a corrupt one: a warning names it): the feed
 *   file holds the units' rows merged lazily (stream.ts openStream, merge.ts's tie rule), clock-aligned
 *   (localTs stored shifted, so the file is read with no shift) and, under onError skip, without far prints
 *   (screen.ts); the venue file holds the same rows in venue order, as the reorder buffer
 *   (exchange-order.ts byExchangeTime, bounded by the data's feed lag) yields them from the feed file. Each
 *   file is written chunk by chunk (ChunkedCacheWriter: bounded memory, renamed into place when whole,
 *   CRC-32 like every entry), the feed file first; a failed write leaves neither. Both row counts are known
 *   before the first row (the units' rows less the far prints, as remembered or found by the screen; the
 *   venue file's are the feed file's), so each file's columns are written in place, once (cache.ts
 *   ChunkedCacheWriter with a plan; a count that proves wrong, e.g. a stale far-print memo, costs room
 *   left unfilled when it was too high, copies when too low, never the entry).
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
 * file is assembled).
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
 * Writes the entry from the replay's feed (merged, aligned, screened: see the header), whose rows `layout`
 * counts in advance, and opens it; file system errors are thrown, with nothing left behind.
 */
export function writeStreamedEntry(
  paths: { feed: string; venue: string },
  feed: OpenMarketEvents,
  layout: { rows: number; secondValues: boolean },
  meta: StreamedEntryMeta,
  problems: Problem[],
): StreamedEntry {
  writeRows(paths.feed, rowSourceOf(feed()), { ...layout, meta, problems }, 'write the streamed replay entry (feed order)');
  try {
    const feedFile = openWritten<StreamedEntryMeta>(paths.feed);
    const venue = { rows: feedFile.length, secondValues: feedFile.secondValues, meta: { order: 'venue' }, problems: [] };
    const venueRows = rowSourceOf(byExchangeTime(openCacheRows(feedFile), meta.maxFeedLagUs)());
    writeRows(paths.venue, venueRows, venue, 'write the streamed replay entry (venue order)');
    return { feed: feedFile, venue: openWritten(paths.venue) };
  } catch (error) {
    rmSync(paths.feed, { force: true });
    throw error;
  }
}

function openWritten<Meta>(path: string): CacheFile<Meta> {
  const file = openCacheFile<Meta>(path, 'as-read');
  if (typeof file !== 'object') throw new Error(`${path}: cache entry just written cannot be read`);
  return file;
}

/**
 * Writes every row of the source, in its order, as one cache file planned as `plan` says (snapshots as in the
 * header); an activity (core/activity.ts) named `label`, advanced by the share of the plan's rows written.
 */
function writeRows<Meta>(path: string, source: RowSource, plan: CacheWriterPlan<Meta>, label: string): void {
  const writer = new ChunkedCacheWriter<Meta>(path, plan);
  const activity = startActivity(label);
  try {
    const chunk = allocateColumns(DEFAULT_CHUNK_ROWS);
    let count = 0;
    let written = 0;
    const room = () => {
      if (count < DEFAULT_CHUNK_ROWS) return;
      writer.append(chunk, count);
      written += count;
      count = 0;
      activity.update(written / plan.rows);
    };
    for (let i = source.peekRow(); i >= 0; i = source.peekRow()) {
      if (source.rows.kind[i] !== Kind.SNAPSHOT) {
        room();
        copyRow(source.rows, i, source.localShift, chunk, count++);
        source.skipRow();
        continue;
      }
      const snapshot = source.next() as BookSnapshot;
      const sides = [
        { prices: snapshot.bidPrices, sizes: snapshot.bidSizes, flags: 0 },
        { prices: snapshot.askPrices, sizes: snapshot.askSizes, flags: FLAG_ASK },
      ];
      let start = FLAG_SNAPSHOT_START;
      for (const side of sides) {
        for (let k = 0; k < side.prices.length; k++) {
          room();
          snapshotRow(chunk, count++, snapshot, side.prices[k], side.sizes[k], side.flags | start);
          start = 0;
        }
      }
    }
    writer.append(chunk, count);
    writer.finish(plan.meta, plan.problems);
    activity.update(1);
  } catch (error) {
    writer.abort();
    throw error;
  } finally {
    activity.done();
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
