import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { FROM_SOURCES, packageFile, threadEntry } from '../core/package-files.ts';
import { recordCheckedRows, type CacheFile, type CacheLayout } from './cache.ts';
import { COLUMN_NAMES, type EventColumns } from './columns.ts';

/**
 * Read-ahead of a cache file's chunks in a thread of its own (node:worker_threads): the thread reads the
 * file front to back, `chunkRows` rows at a time, into a ring of READ_AHEAD_SLOTS chunk slots in shared
 * memory and folds the CRC-32 of the bytes it reads, while the replay runs on the main thread; the main
 * thread's source (stream.ts openCacheRows) takes each chunk's columns as views on its slot, without a copy.
 *
 * Rules:
 * - Each slot holds one chunk: its columns (the f64 ones, then kind and flags) in one SharedArrayBuffer and
 *   a state in the shared control array: EMPTY (the thread may fill it), FULL (its chunk is ready), FAILED
 *   (the read failed: the error, sent over a MessagePort before the state is set, is thrown by the main
 *   thread when it takes that chunk, with the message and fields, e.g. code, of the thread's).
 *   Chunk k goes in slot k mod READ_AHEAD_SLOTS. The thread fills slots in chunk order and waits
 *   (Atomics.wait) while the next one is FULL; the main thread waits only when the chunk it needs is not FULL
 *   yet, and hands a slot back (EMPTY) when it takes the next chunk: the views of a chunk are valid until
 *   then (the row sources' contract: `rows` is read again after every peekRow).
 * - Checksum (cache.ts, checked as read): when the file is being checked at the open, the thread folds every
 *   stored column's bytes from the first row and stores the columns' CRC-32s after each chunk beside it; the
 *   main thread records them (cache.ts recordCheckedRows) as it takes the chunk that follows the rows
 *   recorded so far, so the file's check advances as far as the replay has read, as with reads on the main
 *   thread, and CorruptCacheError is thrown when the last chunk is taken. A file already checked is not
 *   folded again.
 * - The thread opens the file for each chunk and closes it again (no descriptor held while it waits); it
 *   ends by itself after the last chunk. It is unref'd: it never keeps the process alive. `close` (a run's
 *   end, sim/backtest.ts, or the end of the data) stops it: it ends after the chunk in hand; a reader
 *   dropped without close is stopped when it is garbage-collected (FinalizationRegistry).
 * - From the TypeScript sources (tests), the thread registers tsx first (read-ahead-entry.js); the bundle
 *   ships the thread's module as dist/data/read-ahead-worker.js (scripts/bundle.mjs). The thread gets the
 *   process's Node flags but --input-type (with it, a thread cannot load a module file).
 * - Who closes: a backtest closes both its sources when it ends (sim/backtest.ts, also on an error); a file
 *   read to its end needs nothing; `spreadlab serve` holds its venue's source for the server's life (a
 *   closed server's is stopped when collected).
 * Known limits: a thread that cannot start (its module missing) is found only by a timeout
 * (READ_AHEAD_START_MS): the main thread cannot hear the thread's error event while it waits. Memory is
 * READ_AHEAD_SLOTS chunks a file (34 bytes a row, 50 with price2 and size2), besides a thread's heap. On
 * a machine whose cores are all busy, the thread woken by a chunk handed back often runs in the main
 * thread's place (measured on the shared VM at load 4: one more involuntary context switch of the main
 * thread a chunk), so the replay's wall time gains little there; its CPU time still does.
 */
export const READ_AHEAD_SLOTS = 3;

/** A thread not started after this long is an error (see the header). */
const READ_AHEAD_START_MS = 60_000;

/** Slot states (see the header). */
export const SLOT_EMPTY = 0;
export const SLOT_FULL = 1;
export const SLOT_FAILED = 2;

/** Control array: the slots' states first, then these. */
export const CONTROL_STOP = READ_AHEAD_SLOTS;
export const CONTROL_STARTED = READ_AHEAD_SLOTS + 1;
const CONTROL_LENGTH = READ_AHEAD_SLOTS + 2;

/** What the thread is given (workerData). */
export interface ReadAheadData {
  file: CacheLayout & { length: number };
  chunkRows: number;
  /** Fold the CRC-32s (see the header). */
  folds: boolean;
  control: SharedArrayBuffer;
  /** Each slot's columns (slotColumns) and its columns' CRC-32s after its chunk (u32, COLUMN_NAMES order). */
  slots: { columns: SharedArrayBuffer; crcs: SharedArrayBuffer }[];
  port: MessagePort;
}

/** A read error as sent to the main thread: its message and own fields (code, errno, syscall, path). */
export interface ReadAheadError {
  message: string;
  fields: Record<string, unknown>;
}

/** The columns of a slot: f64 columns first (aligned), then kind and flags; price2 and size2 only when stored (else `noSecond`). */
export function slotColumns(buffer: SharedArrayBuffer, rows: number, noSecond: Float64Array | null): Omit<EventColumns, 'length'> {
  let at = 0;
  const f64 = () => {
    const view = new Float64Array(buffer, at, rows);
    at += rows * 8;
    return view;
  };
  const exchTs = f64();
  const localTs = f64();
  const price = f64();
  const size = f64();
  const price2 = noSecond ?? f64();
  const size2 = noSecond ?? f64();
  const kind = new Uint8Array(buffer, at, rows);
  const flags = new Uint8Array(buffer, at + rows, rows);
  return { kind, flags, exchTs, localTs, price, size, price2, size2 };
}

/** Bytes of a slot of `rows` rows. */
export function slotBytes(rows: number, secondValues: boolean): number {
  return rows * ((secondValues ? 6 : 4) * 8 + 2);
}

/** The thread's module: the bundle's, or from the sources an entry that registers tsx first. */
const WORKER_FILE = packageFile(FROM_SOURCES ? 'src/data/read-ahead-entry.js' : 'dist/data/read-ahead-worker.js');

/** Stops a dropped reader's thread (see the header). */
const dropped = new FinalizationRegistry<() => void>((stop) => stop());

/** One cache file's chunks, read ahead by a thread (see the header); `take` hands out chunk after chunk. */
export class ReadAhead {
  /** The columns of the chunk taken last. */
  columns: Omit<EventColumns, 'length'>;
  private readonly control: Int32Array;
  private readonly slots: { columns: Omit<EventColumns, 'length'>; crcs: Uint32Array }[];
  private readonly port: MessagePort;
  private readonly stop: () => void;
  /** The next chunk to take, and the slot of the one taken last (-1: none). */
  private chunk = 0;
  private held = -1;
  private closed = false;
  private readonly chunks: number;
  /** The thread folds the CRC-32s (see the header). */
  private readonly folds: boolean;

  constructor(
    private readonly file: CacheFile<unknown>,
    private readonly chunkRows: number,
  ) {
    const rows = Math.max(1, Math.min(chunkRows, file.length));
    this.chunks = Math.ceil(file.length / chunkRows);
    const control = new SharedArrayBuffer(CONTROL_LENGTH * 4);
    const noSecond = file.secondValues ? null : new Float64Array(rows).fill(NaN);
    const shared = Array.from({ length: READ_AHEAD_SLOTS }, () => ({
      columns: new SharedArrayBuffer(slotBytes(rows, file.secondValues)),
      crcs: new SharedArrayBuffer(COLUMN_NAMES.length * 4),
    }));
    this.control = new Int32Array(control);
    this.slots = shared.map((s) => ({ columns: slotColumns(s.columns, rows, noSecond), crcs: new Uint32Array(s.crcs) }));
    this.columns = this.slots[0].columns;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.folds = file.check?.state === 'reading';
    const data: ReadAheadData = {
      file: { path: file.path, offsets: file.offsets, secondValues: file.secondValues, length: file.length },
      chunkRows,
      folds: this.folds,
      control,
      slots: shared,
      port: port2,
    };
    const worker = new Worker(threadEntry(WORKER_FILE), { eval: true, workerData: data, transferList: [port2] });
    worker.unref();
    const controlArray = this.control;
    this.stop = () => {
      Atomics.store(controlArray, CONTROL_STOP, 1);
      for (let slot = 0; slot < READ_AHEAD_SLOTS; slot++) Atomics.notify(controlArray, slot);
      port1.close();
    };
    dropped.register(this, this.stop, this);
  }

  /** Takes the next chunk (its columns in `columns`), handing the one taken before back; its row count, 0 after the last. */
  take(): number {
    if (this.chunk >= this.chunks) {
      this.close();
      return 0;
    }
    this.release();
    const k = this.chunk++;
    const slot = k % READ_AHEAD_SLOTS;
    const state = this.waitFor(slot);
    if (state === SLOT_FAILED) {
      const error = receiveMessageOnPort(this.port)?.message as ReadAheadError | undefined;
      this.close();
      throw Object.assign(new Error(error?.message ?? `${this.file.path}: the read-ahead thread failed`), error?.fields);
    }
    this.held = slot;
    const from = k * this.chunkRows;
    const count = Math.min(this.chunkRows, this.file.length - from);
    this.columns = this.slots[slot].columns;
    const check = this.file.check;
    if (this.folds && check !== null && check.state === 'reading' && check.rows === from) {
      try {
        recordCheckedRows(this.file, from + count, this.slots[slot].crcs);
      } catch (error) {
        this.close();
        throw error;
      }
    }
    return count;
  }

  /** Stops the thread (see the header); the reader must not be used after. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
    this.chunk = this.chunks;
    dropped.unregister(this);
    this.stop();
  }

  /** Hands the slot taken last back to the thread. */
  private release(): void {
    if (this.held < 0) return;
    Atomics.store(this.control, this.held, SLOT_EMPTY);
    Atomics.notify(this.control, this.held);
    this.held = -1;
  }

  /** Waits until the slot is FULL or FAILED; returns its state. */
  private waitFor(slot: number): number {
    const control = this.control;
    let waited = 0;
    for (;;) {
      const state = Atomics.load(control, slot);
      if (state !== SLOT_EMPTY) return state;
      if (Atomics.load(control, CONTROL_STARTED) === 1) {
        Atomics.wait(control, slot, SLOT_EMPTY);
        continue;
      }
      if (waited >= READ_AHEAD_START_MS) {
        this.close();
        throw new Error(`${this.file.path}: the read-ahead thread (${WORKER_FILE.pathname}) did not start within ${READ_AHEAD_START_MS / 1000} s`);
      }
      Atomics.wait(control, slot, SLOT_EMPTY, 100);
      waited += 100;
    }
  }
}
