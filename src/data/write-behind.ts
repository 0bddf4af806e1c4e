import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { FROM_SOURCES, packageFile, threadEntry } from '../core/package-files.ts';

/**
 * Write-behind of a large cache file's writes by a thread of their own (node:worker_threads), so that the
 * main thread decodes and merges the next rows while the disk takes the last ones. A day's first run writes
 * 6.9 GB of cache files (the decoded files, then the streamed entry's two orders); on this project's VM the
 * kernel takes writes at memory speed only until about a gigabyte is waiting for the disk, then holds the
 * writer to the disk's pace (about 480 MB/s here: 8 GB written in 1 MiB pieces by one process, each GB after
 * the first in 1.8-2.2 s). Written on the main thread, that wait was 15.7 s of the day's 56.6 s first run
 * (main thread, `node --cpu-prof`; bench/RESULTS.md).
 *
 * Rules:
 * - `write(fd, bytes, position)` copies the bytes into a ring of WRITE_BEHIND_SLOTS slots of SLOT_BYTES in
 *   shared memory (a larger write takes several slots, in order) and returns; the thread writes the slots in
 *   the order filled, each whole (fs.writeSync until every byte is taken), at the position given or, with
 *   position −1, at the descriptor's own position. Writes to one descriptor therefore land in the order
 *   given, as they would written at once. The main thread waits only when every slot is still full.
 * - `flush()` returns once every write given so far is done: the cache writer calls it before it finishes a
 *   file (writes its header, copies its columns from temporary files, closes and renames it).
 * - A failed write (a full disk, say) stops the thread; the next `write` or `flush` throws the thread's
 *   error with its message and fields (code, errno, syscall), as a write on the main thread would have (so
 *   a streamed replay that finds no room falls back to memory as before: replay.ts). Later writes are not
 *   made.
 * - `close()` stops the thread and returns only once it has ended or cannot start any more, so the caller
 *   may close the descriptors at once (a thread still writing could otherwise write to a descriptor number
 *   the process has given to another file meanwhile). Writes not made by then are dropped: close without
 *   flush is for a writer that gives up (its files are removed). A thread not started by then never starts
 *   writing (it claims its start; close claims it first).
 * - From the TypeScript sources (tests), the thread registers tsx first (write-behind-entry.js); the bundle
 *   ships it as dist/data/write-behind-worker.js. It is unref'd: it never keeps the process alive.
 * Known limits: a thread that cannot start (its module missing) is found only by a timeout
 * (WRITE_BEHIND_START_MS), once the caller waits for it (a full ring, a flush). The copy into the ring costs
 * the main thread a memory copy of every byte (0.8 s of the day's first run under the profiler, against the
 * 15.7 s it waited before). Memory: the ring (WRITE_BEHIND_SLOTS × SLOT_BYTES, 8 MiB), besides the thread's
 * heap.
 */
export const WRITE_BEHIND_SLOTS = 8;
export const SLOT_BYTES = 1 << 20;

/** A thread not started after this long is an error (see the header). */
const WRITE_BEHIND_START_MS = 60_000;

/** Slot states. */
export const SLOT_EMPTY = 0;
export const SLOT_FULL = 1;

/** Control array: the slots' states first, then these. */
export const CONTROL_STOP = WRITE_BEHIND_SLOTS;
/** The thread's start: THREAD_WAITING, THREAD_RUNNING (claimed by the thread), THREAD_REFUSED (claimed by close first). */
export const CONTROL_THREAD = WRITE_BEHIND_SLOTS + 1;
export const CONTROL_FAILED = WRITE_BEHIND_SLOTS + 2;
export const CONTROL_ENDED = WRITE_BEHIND_SLOTS + 3;
const CONTROL_LENGTH = WRITE_BEHIND_SLOTS + 4;

export const THREAD_WAITING = 0;
export const THREAD_RUNNING = 1;
export const THREAD_REFUSED = 2;

/** Each slot's job: descriptor, position (−1: the descriptor's own), byte count. */
export const JOB_FIELDS = 3;

/** What the thread is given (workerData). */
export interface WriteBehindData {
  control: SharedArrayBuffer;
  jobs: SharedArrayBuffer;
  ring: SharedArrayBuffer;
  port: MessagePort;
}

/** A write error as sent to the main thread: its message and own fields (code, errno, syscall). */
export interface WriteBehindError {
  message: string;
  fields: Record<string, unknown>;
}

/** The thread's module: the bundle's, or from the sources an entry that registers tsx first. */
const WORKER_FILE = packageFile(FROM_SOURCES ? 'src/data/write-behind-entry.js' : 'dist/data/write-behind-worker.js');

/** Writes made by a thread behind the caller (see the header). */
export class WriteBehind {
  private readonly control: Int32Array;
  private readonly jobs: Float64Array;
  private readonly ring: Uint8Array;
  private readonly port: MessagePort;
  /** The next slot to fill. */
  private next = 0;
  private closed = false;
  private failure: Error | null = null;

  constructor() {
    const control = new SharedArrayBuffer(CONTROL_LENGTH * 4);
    const jobs = new SharedArrayBuffer(WRITE_BEHIND_SLOTS * JOB_FIELDS * 8);
    const ring = new SharedArrayBuffer(WRITE_BEHIND_SLOTS * SLOT_BYTES);
    this.control = new Int32Array(control);
    this.jobs = new Float64Array(jobs);
    this.ring = new Uint8Array(ring);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: WriteBehindData = { control, jobs, ring, port: port2 };
    const worker = new Worker(threadEntry(WORKER_FILE), { eval: true, workerData: data, transferList: [port2] });
    worker.unref();
  }

  /** Writes the bytes at `position` (−1: at the descriptor's own position), behind the caller (see the header). */
  write(fd: number, bytes: Uint8Array, position: number): void {
    for (let at = 0; at < bytes.length; at += SLOT_BYTES) {
      const slot = this.next;
      this.waitUntilEmpty(slot);
      const piece = bytes.subarray(at, Math.min(at + SLOT_BYTES, bytes.length));
      this.ring.set(piece, slot * SLOT_BYTES);
      this.jobs[slot * JOB_FIELDS] = fd;
      this.jobs[slot * JOB_FIELDS + 1] = position < 0 ? -1 : position + at;
      this.jobs[slot * JOB_FIELDS + 2] = piece.length;
      Atomics.store(this.control, slot, SLOT_FULL);
      Atomics.notify(this.control, slot);
      this.next = (slot + 1) % WRITE_BEHIND_SLOTS;
    }
  }

  /** Returns once every write given so far is done; throws the thread's error if one failed. */
  flush(): void {
    for (let slot = 0; slot < WRITE_BEHIND_SLOTS; slot++) this.waitUntilEmpty(slot);
  }

  /** Stops the thread; returns once it can no longer write (see the header). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const control = this.control;
    Atomics.store(control, CONTROL_STOP, 1);
    for (let slot = 0; slot < WRITE_BEHIND_SLOTS; slot++) Atomics.notify(control, slot);
    if (Atomics.compareExchange(control, CONTROL_THREAD, THREAD_WAITING, THREAD_REFUSED) === THREAD_RUNNING) {
      while (Atomics.load(control, CONTROL_ENDED) === 0) Atomics.wait(control, CONTROL_ENDED, 0);
    }
    this.port.close();
  }

  /** Waits until the slot is EMPTY (written); throws the thread's error if a write failed. */
  private waitUntilEmpty(slot: number): void {
    const control = this.control;
    let waited = 0;
    for (;;) {
      if (Atomics.load(control, CONTROL_FAILED) === 1) this.fail();
      if (Atomics.load(control, slot) === SLOT_EMPTY) return;
      if (Atomics.load(control, CONTROL_THREAD) === THREAD_RUNNING) {
        Atomics.wait(control, slot, SLOT_FULL);
        continue;
      }
      if (waited >= WRITE_BEHIND_START_MS) {
        this.close();
        throw new Error(`the write-behind thread (${WORKER_FILE.pathname}) did not start within ${WRITE_BEHIND_START_MS / 1000} s`);
      }
      Atomics.wait(control, slot, SLOT_FULL, 100);
      waited += 100;
    }
  }

  /** Throws the thread's error (the same error again on every later call). */
  private fail(): never {
    if (!this.failure) {
      const sent = receiveMessageOnPort(this.port)?.message as WriteBehindError | undefined;
      this.close();
      this.failure = Object.assign(new Error(sent?.message ?? 'the write-behind thread failed'), sent?.fields);
    }
    throw this.failure;
  }
}
