import { allocateColumns, COLUMN_NAMES, usesSecondValues, type EventColumns } from './columns.ts';
import { slotBytes, slotColumns } from './read-ahead.ts';

/**
 * A one-way pipe of row chunks from one thread to another in shared memory: the writer copies each chunk of
 * columns into a ring of PIPE_SLOTS slots; the reader takes the chunks in order as views on their slot,
 * without a copy (stream-entry.ts: the feed's chunks to the thread that writes the venue file).
 *
 * Rules:
 * - Chunk k goes in slot k mod PIPE_SLOTS, each of `chunkRows` rows at most. The reader hands a slot back
 *   when it takes the next chunk (the views of a chunk are valid until then), and waits (Atomics.wait)
 *   while the chunk it needs is not there yet.
 * - The writer never blocks: `put` copies a chunk into its slot when the slot is free, else keeps a copy of
 *   it until `drain`, which awaits (Atomics.waitAsync, so the writer's event loop runs meanwhile) until
 *   every chunk put is in a slot and the next slot is free. A writer that puts a chunk, then drains, holds
 *   at most the chunks it puts between two drains.
 * - `end()` (after a drain) says no chunk follows: the reader's take then returns 0 after the last.
 *   `stop()` (the writer gives up) makes the reader's take throw PipeStopped; `fail()` (the reader gives up,
 *   or closes before the end) makes the writer's drain throw PipeStopped, as does a reader that is no
 *   longer alive (drain's `alive`: the thread's exit, seen by the writer's event loop), so neither side
 *   waits for one that has stopped.
 * - Each side waits on the other's change counter (one word each side bumps after every change), so a
 *   change made between a look at the state and the wait is never missed.
 * - price2 and size2 travel only in a pipe made with `secondValues`; putting a row that uses them into one
 *   made without is an error.
 * Memory: PIPE_SLOTS × chunkRows × 34 bytes (50 with price2 and size2), and the writer's copies of chunks
 * waiting for a slot.
 */
export const PIPE_SLOTS = 3;

/** Control words: each slot's row count (EMPTY: none), then these. */
const EMPTY = -1;
const WRITER_CHANGES = PIPE_SLOTS;
const READER_CHANGES = PIPE_SLOTS + 1;
/** Chunks put, once the writer ended (-1 before). */
const ENDED_AFTER = PIPE_SLOTS + 2;
const STOPPED = PIPE_SLOTS + 3;
const FAILED = PIPE_SLOTS + 4;
const CONTROL_LENGTH = PIPE_SLOTS + 5;

/** How long drain waits before it looks at `alive` again. */
const DRAIN_LOOK_MS = 1000;

/** Atomics with waitAsync (in Node since 16; in TypeScript's lib only from ES2024, which this project does not target). */
const atomics = Atomics as typeof Atomics & {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: false; value: string } | { async: true; value: Promise<string> };
};

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
  return { control, slots: Array.from({ length: PIPE_SLOTS }, () => new SharedArrayBuffer(slotBytes(chunkRows, secondValues))), chunkRows, secondValues };
}

/** The writer's side (see the header). */
export class PipeWriter {
  private readonly control: Int32Array;
  private readonly slots: Omit<EventColumns, 'length'>[];
  private readonly secondValues: boolean;
  /** Chunks put while their slot was not free, in order. */
  private readonly waiting: { columns: Omit<EventColumns, 'length'>; count: number }[] = [];
  private chunk = 0;

  constructor(memory: PipeMemory) {
    this.control = new Int32Array(memory.control);
    this.secondValues = memory.secondValues;
    this.slots = memory.slots.map((buffer) => slotColumns(buffer, memory.chunkRows, memory.secondValues ? null : new Float64Array(0)));
  }

  /** Rows [0, count) of the columns, into the next slot when it is free, else kept for `drain`. */
  put(columns: Omit<EventColumns, 'length'>, count: number): void {
    if (count === 0) return; // a slot's count of 0 would read as the end
    if (!this.secondValues) {
      for (let i = 0; i < count; i++) if (usesSecondValues(columns.kind[i])) throw new Error('a row with price2 and size2 put into a pipe made without them');
    }
    if (this.waiting.length === 0 && this.slotFree()) return this.copyIn(columns, count);
    const copy = allocateColumns(count, this.secondValues);
    copyRows(columns, copy, count);
    this.waiting.push({ columns: copy, count });
  }

  /** Resolves once every chunk put is in a slot and the next slot is free; throws PipeStopped when the reader gave up or is not `alive`. */
  async drain(alive: () => boolean): Promise<void> {
    const control = this.control;
    for (;;) {
      const seen = Atomics.load(control, READER_CHANGES);
      if (Atomics.load(control, FAILED) !== 0) throw new PipeStopped('the reader of the pipe stopped');
      while (this.waiting.length > 0 && this.slotFree()) {
        const { columns, count } = this.waiting.shift()!;
        this.copyIn(columns, count);
      }
      if (this.waiting.length === 0 && this.slotFree()) return;
      if (!alive()) throw new PipeStopped('the reader of the pipe ended');
      const wait = atomics.waitAsync(control, READER_CHANGES, seen, DRAIN_LOOK_MS);
      if (wait.async) await wait.value;
    }
  }

  /** No chunk follows (see the header); every chunk put must be in its slot (drain first). */
  end(): void {
    if (this.waiting.length > 0) throw new Error('a pipe ended with chunks not yet in a slot (drain it first)');
    Atomics.store(this.control, ENDED_AFTER, this.chunk);
    this.changed();
  }

  /** The writer gives up (see the header). */
  stop(): void {
    Atomics.store(this.control, STOPPED, 1);
    this.changed();
  }

  private slotFree(): boolean {
    return Atomics.load(this.control, this.chunk % PIPE_SLOTS) === EMPTY;
  }

  private copyIn(columns: Omit<EventColumns, 'length'>, count: number): void {
    const slot = this.chunk % PIPE_SLOTS;
    copyRows(columns, this.slots[slot], count);
    this.chunk++;
    Atomics.store(this.control, slot, count);
    this.changed();
  }

  private changed(): void {
    Atomics.add(this.control, WRITER_CHANGES, 1);
    Atomics.notify(this.control, WRITER_CHANGES);
  }
}

/** Rows [0, count) of every column `to` has (price2 and size2 only when it keeps them). */
function copyRows(from: Omit<EventColumns, 'length'>, to: Omit<EventColumns, 'length'>, count: number): void {
  for (const name of COLUMN_NAMES) if (to[name].length > 0) to[name].set(from[name].subarray(0, count));
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
      if (this.ended()) return 0;
      Atomics.wait(control, WRITER_CHANGES, seen);
    }
  }

  /** Hands the chunk in hand back; before the end, gives up the rest (see the header). */
  close(): void {
    this.release();
    if (!this.ended()) this.fail();
  }

  /** The reader gives up (see the header). */
  fail(): void {
    Atomics.store(this.control, FAILED, 1);
    this.changed();
  }

  private ended(): boolean {
    const ended = Atomics.load(this.control, ENDED_AFTER);
    return ended >= 0 && this.chunk >= ended;
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
