import { closeSync, openSync } from 'node:fs';
import { readCacheRows, type CacheFile } from './cache.ts';
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
 *   opened for each chunk and closed again, so an abandoned source holds no descriptor.
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
 *   stream-entry.ts) needs no merge: a plain row source over its chunk, as openColumns over a table.
 * - Chunk buffers are allocated once per open and reused for every chunk; price2 and size2 of a file that
 *   does not store them are filled with NaN once.
 * Known limits: the merge scans every input's head per row (inputs are few: the files of one replay).
 */
export const DEFAULT_CHUNK_ROWS = 1 << 16;

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

/** One cache file's rows in stored order, `chunkRows` at a time (see the header); each open starts from the first row. */
export function openCacheRows(file: CacheFile<unknown>, chunkRows = DEFAULT_CHUNK_ROWS): OpenMarketEvents {
  const rows = Math.max(1, Math.floor(chunkRows));
  return () => new CacheRows(file, rows);
}

/** One input's current chunk and position. */
class Cursor {
  readonly cols: Omit<EventColumns, 'length'>;
  /** Rows in the current chunk. */
  count = 0;
  /** Position in the current chunk. */
  i = 0;
  /** File row after the current chunk. */
  private nextRow = 0;

  constructor(
    private readonly file: CacheFile<unknown>,
    private readonly chunkRows: number,
  ) {
    this.cols = allocateColumns(Math.max(1, Math.min(chunkRows, file.length)));
    if (!file.secondValues) for (const name of SECOND_COLUMNS) this.cols[name].fill(NaN);
    this.refill();
  }

  advance(): void {
    if (++this.i >= this.count) this.refill();
  }

  private refill(): void {
    this.i = 0;
    this.count = Math.min(this.chunkRows, this.file.length - this.nextRow);
    if (this.count <= 0) {
      this.count = 0;
      return;
    }
    const fd = openSync(this.file.path, 'r');
    try {
      readCacheRows(this.file, fd, this.nextRow, this.count, this.cols);
    } finally {
      closeSync(fd);
    }
    this.nextRow += this.count;
  }
}

/** One cache file's rows in stored order: its cursor handed out as a row source (see the header). */
class CacheRows extends Cursor implements RowSource {
  readonly localShift = 0;
  readonly rows = this.cols;
  private readonly events = new RowEvents();

  peekRow(): number {
    return this.i < this.count ? this.i : -1;
  }

  skipRow(): void {
    if (this.i < this.count) this.advance();
  }

  next(): MarketEvent | null {
    const c = this.cols;
    const i = this.i;
    if (i >= this.count) return null;
    if (c.kind[i] !== Kind.SNAPSHOT) {
      const event = this.events.read(c, i, 0);
      this.advance(); // after reading the row: advancing may load the next chunk over it
      return event;
    }
    // a snapshot's rows, over chunk boundaries (the chunk buffer is refilled in place)
    const snapshot = emptySnapshot(c.exchTs[i], c.localTs[i]);
    do {
      addSnapshotRow(snapshot, c, this.i);
      this.advance();
    } while (this.i < this.count && c.kind[this.i] === Kind.SNAPSHOT && (c.flags[this.i] & FLAG_SNAPSHOT_START) === 0);
    return snapshot;
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
