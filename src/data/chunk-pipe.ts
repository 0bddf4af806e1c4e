import type { EventColumns } from './columns.ts';
import { slotColumns } from './read-ahead.ts';

/**
 * A one-way pipe of row chunks from one thread to another in shared memory: the writer copies each chunk of
 * columns into a ring of PIPE_SLOTS slots and goes on; the reader takes the chunks in order as views on their
 * slot, without a copy (stream-entry.ts: the feed's chunks to the thread that writes the venue file).
 *
 * Rules:
 * - Chunk k goes in slot k mod PIPE_SLOTS, each of `chunkRows` rows at most. The writer waits only while the
 *   slot it needs still holds a chunk the reader has not handed back; the reader hands a slot back when it
 *   takes the next chunk (the views of a chunk are valid until then), and waits while the chunk it needs is
 *   not there yet.
 * - `end()` says no chunk follows: the reader's take then returns 0 after the last. `stop()` (the writer
 *   gives up) makes the reader's take throw PipeStopped; `fail()` (the reader gives up) makes the writer's
 *   put throw PipeStopped, so neither side waits for one that has stopped.
 * - Each side waits on the other's change counter (Atomics.wait on one word each side bumps after every
 *   change), so a change made between a look at the state and the wait is never missed.
 * - The reader's side says when it has started; a writer waiting for a reader that has not started within
 *   PIPE_START_MS fails (the thread's module missing would otherwise be a hang).
 * Memory: PIPE_SLOTS × chunkRows × 34 bytes (50 with price2 and size2).
 */
export const PIPE_SLOTS = 3;

/** A reader not started after this long fails the writer (see the header). */
const PIPE_START_MS = 60_000;

/** Control words: each slot's row count (EMPTY: none), then these. */
const EMPTY = -1;
const WRITER_CHANGES = PIPE_SLOTS;
const READER_CHANGES = PIPE_SLOTS + 1;
/** Chunks put, once the writer ended (-1 before). */
const ENDED_AFTER = PIPE_SLOTS + 2;
const STOPPED = PIPE_SLOTS + 3;
const FAILED = PIPE_SLOTS + 4;
const STARTED = PIPE_SLOTS + 5;
const CONTROL_LENGTH = PIPE_SLOTS + 6;

/** The shared memory of a pipe: made by the writer's side, passed to the reader's thread (workerData). */
export interface PipeMemory {
  control: SharedArrayBuffer;
  slots: SharedArrayBuffer[];
  chunkRows: number;
  secondValues: boolean;
}

/** The one thrown by a side whose other side gave up (see the header). */
export class PipeStopped extends Error {}

export function pipeMemory(chunkRows: number, secondValues: boolean): PipeMemory {
  const control = new SharedArrayBuffer(CONTROL_LENGTH * 4);
  const words = new Int32Array(control);
  words.fill(EMPTY, 0, PIPE_SLOTS);
  words[ENDED_AFTER] = -1;
  const slotBytes = chunkRows * ((secondValues ? 6 : 4) * 8 + 2);
  return { control, slots: Array.from({ length: PIPE_SLOTS }, () => new SharedArrayBuffer(slotBytes)), chunkRows, secondValues };
}

/** The writer's side (see the header). */
export class PipeWriter {
  private readonly control: Int32Array;
  private readonly slots: Omit<EventColumns, 'length'>[];
  private chunk = 0;

  constructor(memory: PipeMemory) {
    this.control = new Int32Array(memory.control);
    this.slots = memory.slots.map((buffer) => slotColumns(buffer, memory.chunkRows, memory.secondValues ? null : new Float64Array(0)));
  }

  /** Copies rows [0, count) of the columns into the next slot, once the reader has handed it back. */
  put(columns: Omit<EventColumns, 'length'>, count: number): void {
    if (count === 0) return; // a slot's count of 0 would read as the end
    const slot = this.chunk % PIPE_SLOTS;
    const control = this.control;
    let waited = 0;
    for (;;) {
      const seen = Atomics.load(control, READER_CHANGES);
      if (Atomics.load(control, FAILED) !== 0) throw new PipeStopped('the reader of the pipe stopped');
      if (Atomics.load(control, slot) === EMPTY) break;
      const started = Atomics.load(control, STARTED) !== 0;
      if (!started && waited >= PIPE_START_MS) throw new Error(`the reader of the pipe did not start within ${PIPE_START_MS / 1000} s`);
      Atomics.wait(control, READER_CHANGES, seen, started ? undefined : 100);
      if (!started) waited += 100;
    }
    const to = this.slots[slot];
    for (const name of ['kind', 'flags', 'exchTs', 'localTs', 'price', 'size', 'price2', 'size2'] as const) {
      if (to[name].length > 0) to[name].set(columns[name].subarray(0, count));
    }
    this.chunk++;
    Atomics.store(control, slot, count);
    this.changed();
  }

  /** No chunk follows (see the header). */
  end(): void {
    Atomics.store(this.control, ENDED_AFTER, this.chunk);
    this.changed();
  }

  /** The writer gives up (see the header). */
  stop(): void {
    Atomics.store(this.control, STOPPED, 1);
    this.changed();
  }

  private changed(): void {
    Atomics.add(this.control, WRITER_CHANGES, 1);
    Atomics.notify(this.control, WRITER_CHANGES);
  }
}

/** The reader's side: chunk after chunk as views on their slot (stream.ts FileChunks). */
export class PipeReader {
  columns: Omit<EventColumns, 'length'>;
  private readonly control: Int32Array;
  private readonly slots: Omit<EventColumns, 'length'>[];
  private chunk = 0;
  private held = -1;

  constructor(memory: PipeMemory) {
    this.control = new Int32Array(memory.control);
    const noSecond = memory.secondValues ? null : new Float64Array(memory.chunkRows).fill(NaN);
    this.slots = memory.slots.map((buffer) => slotColumns(buffer, memory.chunkRows, noSecond));
    this.columns = this.slots[0];
    Atomics.store(this.control, STARTED, 1);
    this.changed();
  }

  /** The next chunk's rows in `columns`, the one taken before handed back; 0 after the last. */
  take(): number {
    this.release();
    const slot = this.chunk % PIPE_SLOTS;
    const control = this.control;
    for (;;) {
      const seen = Atomics.load(control, WRITER_CHANGES);
      if (Atomics.load(control, STOPPED) !== 0) throw new PipeStopped('the writer of the pipe stopped');
      const count = Atomics.load(control, slot);
      if (count !== EMPTY) {
        this.held = slot;
        this.chunk++;
        this.columns = this.slots[slot];
        return count;
      }
      const ended = Atomics.load(control, ENDED_AFTER);
      if (ended >= 0 && this.chunk >= ended) return 0;
      Atomics.wait(control, WRITER_CHANGES, seen);
    }
  }

  /** Hands the chunk in hand back (the reader is done with it). */
  close(): void {
    this.release();
  }

  /** The reader gives up (see the header). */
  fail(): void {
    Atomics.store(this.control, FAILED, 1);
    this.changed();
  }

  private release(): void {
    if (this.held < 0) return;
    Atomics.store(this.control, this.held, EMPTY);
    this.held = -1;
    this.changed();
  }

  private changed(): void {
    Atomics.add(this.control, READER_CHANGES, 1);
    Atomics.notify(this.control, READER_CHANGES);
  }
}
