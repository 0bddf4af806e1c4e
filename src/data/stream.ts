import { closeSync, openSync } from 'node:fs';
import { readCacheRows, type CacheFile } from './cache.ts';
import { ReadAhead } from './read-ahead.ts';
import {
  addSnapshotRow,
  allocateColumns,
  emptySnapshot,
  FLAG_SNAPSHOT_START,
  Kind,
  RowEvents,
  SECOND_COLUMNS,
  type EventColumns,
  type RowSource,
} from './columns.ts';
import type { BookSnapshot, MarketEvent, OpenMarketEvents } from '../core/events.ts';
import { RANK, sortsBefore } from './merge.ts';

/**
 * Streaming replay: market events read from cache files (cache.ts) in fixed-size chunks and merged lazily,
 * so memory is bounded by chunkRows × inputs (50 bytes a row) whatever the inputs' length.
 *
 * Rules:
 * - Each input (a decode unit's cache file) is read `chunkRows` rows at a time with fs.readSync; the file is
 *   opened for each chunk and closed again (by a read-ahead thread too), so an abandoned source holds no
 *   descriptor.
 * - Inputs are merged row by row with merge.ts's `sortsBefore` (its tie rule: trades, book rows, quotes,
 *   then input order), so the merged row order is the one mergeColumns writes. Events are then formed from
 *   merged rows as ColumnSource (columns.ts) forms them from the merged table: delta, trade and quote rows
 *   by the same RowEvents; a snapshot gathers the consecutive merged rows of kind SNAPSHOT up to the next
 *   snapshot start, across chunk boundaries.
 * - `localShiftUs` (clock alignment, replay.ts) is added to every localTs on output; ordering uses the
 *   stored localTs (a constant shift does not change it).
 * - It is also a row source (columns.ts RowSource): a row is handed out in the current chunk of the input
 *   that sorts first, with `localShiftUs` as its localShift.
 * - Each open starts from the first row; two opens yield identical sequences. Delta, trade and quote
 *   events are reused objects (MarketEventSource's contract); snapshots are new objects.
 * - One cache file read in its stored order (openCacheRows: a streamed replay entry's feed or venue file,
 *   stream-entry.ts) needs no merge: a plain row source over its chunk, as openColumns over a table. Its
 *   next chunk is taken when a row past the current one is asked for, so its `rows` change then (consumers
 *   read `rows` again after every peekRow: columns.ts RowSource).
 * - A file of READ_AHEAD_MIN_ROWS rows or more is read ahead by a thread (read-ahead.ts: the reads and the
 *   checksum's CRC-32 off the main thread, chunks handed over as views on shared memory); a smaller one on
 *   the main thread, as the merge's inputs are. The same bytes give the same rows either way, and the same
 *   checks and errors at the same row. Why the bound (measured on this project's shared 2-core VM): a
 *   bundled thread takes about 100 ms from its start to its first chunk (it loads the cache module), where
 *   the main thread reads and checks a chunk in a few ms; the main thread reads and checks a row in about
 *   16 ns (the warm day benchmark: 2.1–2.4 s of reads and CRC-32 over 2 × 68 M rows), which the thread
 *   takes off it. Both files' threads start at once, so a replay breaks even at about 3 M rows a file, and
 *   only when a core is free for the threads; 8 M rows (2–3 hours of the BTCUSDT futures benchmark day)
 *   leaves a margin. A source a run stops reading is closed by the run (sim/backtest.ts), which stops its
 *   thread.
 * - Chunk buffers are allocated once per open and reused for every chunk; price2 and size2 of a file that
 *   does not store them are filled with NaN once.
 * Known limits: the merge scans every input's head per row (inputs are few: the files of one replay). Read
 * ahead, a file's reads and checksum need a free core to gain anything: on a machine whose cores are all
 * busy the thread takes its time from the replay's.
 */
export const DEFAULT_CHUNK_ROWS = 1 << 16;

/** Files of fewer rows are read on the main thread (openCacheRows): a thread's start-up would cost more than it saves (see the header). */
export const READ_AHEAD_MIN_ROWS = 1 << 23;

/** StreamSource.current before the head is found. */
const UNKNOWN = -2;

export interface StreamOptions {
  /** Rows read per input per chunk (default DEFAULT_CHUNK_ROWS); small values are for tests. */
  chunkRows?: number;
  /** µs added to every localTs (clock alignment). */
  localShiftUs?: number;
}

export function openStream(inputs: readonly CacheFile<unknown>[], options: StreamOptions = {}): OpenMarketEvents {
  const chunkRows = Math.max(1, Math.floor(options.chunkRows ?? DEFAULT_CHUNK_ROWS));
  const shift = options.localShiftUs ?? 0;
  return () => new StreamSource(inputs, chunkRows, shift);
}

/**
 * One cache file's rows in stored order, `chunkRows` at a time (see the header), read ahead by a thread of
 * its own (read-ahead.ts) when `readAhead`: by default when the file holds READ_AHEAD_MIN_ROWS rows or
 * more. Each open starts from the first row.
 */
export function openCacheRows(file: CacheFile<unknown>, chunkRows = DEFAULT_CHUNK_ROWS, readAhead = file.length >= READ_AHEAD_MIN_ROWS): OpenMarketEvents {
  const rows = Math.max(1, Math.floor(chunkRows));
  return () => new CacheRows(readAhead && file.length > 0 ? new ReadAhead(file, rows) : new ChunksRead(file, rows));
}

/**
 * A file's chunks handed out one after another: `take` makes the next chunk's rows `columns` (refilled in
 * place, or other views: the columns of a chunk are valid until the next take) and returns its row count,
 * 0 after the last; `close` gives up the rest.
 */
export interface FileChunks {
  readonly columns: Omit<EventColumns, 'length'>;
  take(): number;
  close(): void;
}

/** Chunks handed out one after another (a file's, or a pipe's: chunk-pipe.ts) as a row source in their order. */
export function rowsOfChunks(chunks: FileChunks): RowSource {
  return new CacheRows(chunks);
}

/** A file's chunks read on this thread into one buffer, refilled for each chunk (the file is opened for each chunk). */
class ChunksRead implements FileChunks {
  readonly columns: Omit<EventColumns, 'length'>;
  /** File row after the chunk taken last. */
  private nextRow = 0;

  constructor(
    private readonly file: CacheFile<unknown>,
    private readonly chunkRows: number,
  ) {
    this.columns = allocateColumns(Math.max(1, Math.min(chunkRows, file.length)));
    if (!file.secondValues) for (const name of SECOND_COLUMNS) this.columns[name].fill(NaN);
  }

  take(): number {
    const count = Math.min(this.chunkRows, this.file.length - this.nextRow);
    if (count <= 0) return 0;
    const fd = openSync(this.file.path, 'r');
    try {
      readCacheRows(this.file, fd, this.nextRow, count, this.columns);
    } finally {
      closeSync(fd);
    }
    this.nextRow += count;
    return count;
  }

  close(): void {
    this.nextRow = this.file.length;
  }
}

/** One input's current chunk and position (the merge's: the next chunk is read as soon as the current one is passed). */
class Cursor {
  readonly cols: Omit<EventColumns, 'length'>;
  /** Rows in the current chunk. */
  count = 0;
  /** Position in the current chunk. */
  i = 0;
  private readonly chunks: ChunksRead;

  constructor(file: CacheFile<unknown>, chunkRows: number) {
    this.chunks = new ChunksRead(file, chunkRows);
    this.cols = this.chunks.columns;
    this.refill();
  }

  advance(): void {
    if (++this.i >= this.count) this.refill();
  }

  private refill(): void {
    this.i = 0;
    this.count = this.chunks.take();
  }
}

/**
 * One cache file's rows in stored order, as a row source (see the header). The next chunk is taken when a
 * row past the current one is asked for, so `rows` changes then: read it again after every peekRow.
 */
class CacheRows implements RowSource {
  readonly localShift = 0;
  rows: Omit<EventColumns, 'length'>;
  /** Rows in the current chunk, and the position in it. */
  private count = 0;
  private i = 0;
  private readonly events = new RowEvents();

  constructor(private readonly chunks: FileChunks) {
    this.rows = chunks.columns;
  }

  peekRow(): number {
    return this.i < this.count || this.nextChunk() ? this.i : -1;
  }

  skipRow(): void {
    if (this.i < this.count || this.nextChunk()) this.i++;
  }

  next(): MarketEvent | null {
    if (this.i >= this.count && !this.nextChunk()) return null;
    const c = this.rows;
    const i = this.i++;
    if (c.kind[i] !== Kind.SNAPSHOT) return this.events.read(c, i, 0);
    // a snapshot's rows, over chunk boundaries
    const snapshot = emptySnapshot(c.exchTs[i], c.localTs[i]);
    addSnapshotRow(snapshot, c, i);
    while ((this.i < this.count || this.nextChunk()) && this.rows.kind[this.i] === Kind.SNAPSHOT && (this.rows.flags[this.i] & FLAG_SNAPSHOT_START) === 0) {
      addSnapshotRow(snapshot, this.rows, this.i++);
    }
    return snapshot;
  }

  /** Gives up the rows not read yet (stops a read-ahead thread); the source then yields nothing more. */
  close(): void {
    this.chunks.close();
    this.i = this.count = 0;
  }

  private nextChunk(): boolean {
    this.i = 0;
    this.count = this.chunks.take();
    this.rows = this.chunks.columns;
    return this.count > 0;
  }
}

class StreamSource implements RowSource {
  rows: Omit<EventColumns, 'length'>;
  private readonly cursors: Cursor[];
  private readonly events = new RowEvents();
  /** The input whose current row sorts first, once found (UNKNOWN after any cursor moved). */
  private current = UNKNOWN;

  constructor(
    inputs: readonly CacheFile<unknown>[],
    chunkRows: number,
    readonly localShift: number,
  ) {
    this.cursors = inputs.map((f) => new Cursor(f, chunkRows));
    this.rows = this.cursors.length > 0 ? this.cursors[0].cols : allocateColumns(1);
  }

  peekRow(): number {
    const j = this.head();
    if (j < 0) return -1;
    const cur = this.cursors[j];
    this.rows = cur.cols;
    return cur.i;
  }

  skipRow(): void {
    const j = this.head();
    if (j >= 0) this.advance(this.cursors[j]);
  }

  next(): MarketEvent | null {
    const j = this.head();
    if (j < 0) return null;
    const cur = this.cursors[j];
    if (cur.cols.kind[cur.i] === Kind.SNAPSHOT) return this.snapshot(cur);
    const event = this.events.read(cur.cols, cur.i, this.localShift);
    this.advance(cur); // after reading the row: advancing may load the next chunk over it
    return event;
  }

  private advance(cur: Cursor): void {
    cur.advance();
    this.current = UNKNOWN;
  }

  /** The input whose current row sorts first (merge.ts tie rule), or -1 when all are done. */
  private head(): number {
    if (this.current !== UNKNOWN) return this.current;
    const cursors = this.cursors;
    let best = -1;
    let bestTs = 0;
    let bestRank = 0;
    for (let j = 0; j < cursors.length; j++) {
      const cur = cursors[j];
      if (cur.i >= cur.count) continue;
      const ts = cur.cols.localTs[cur.i];
      const rank = RANK[cur.cols.kind[cur.i]];
      if (best < 0 || sortsBefore(ts, rank, j, bestTs, bestRank, best)) {
        best = j;
        bestTs = ts;
        bestRank = rank;
      }
    }
    return (this.current = best);
  }

  /** Gathers one snapshot's consecutive merged rows (possibly over several chunks) into a snapshot event. */
  private snapshot(first: Cursor): BookSnapshot {
    const snapshot = emptySnapshot(first.cols.exchTs[first.i], first.cols.localTs[first.i] + this.localShift);
    let cur = first;
    for (;;) {
      addSnapshotRow(snapshot, cur.cols, cur.i);
      this.advance(cur);
      const j = this.head();
      if (j < 0) break;
      cur = this.cursors[j];
      if (cur.cols.kind[cur.i] !== Kind.SNAPSHOT || (cur.cols.flags[cur.i] & FLAG_SNAPSHOT_START) !== 0) break;
    }
    return snapshot;
  }
}
