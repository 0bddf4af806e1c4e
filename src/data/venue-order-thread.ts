import { Worker } from 'node:worker_threads';
import { FROM_SOURCES, packageFile, threadEntry } from '../core/package-files.ts';
import type { RowsPlanned } from './cache.ts';
import { pipeMemory, PipeWriter, type PipeMemory } from './chunk-pipe.ts';
import type { EventColumns } from './columns.ts';

/**
 * A streamed replay entry's venue file written by a thread of its own (stream-entry.ts): the thread that
 * writes the feed file passes each chunk of feed rows on through a pipe (chunk-pipe.ts) as it hands it to the
 * feed file's writer, and this thread runs the reorder buffer over them and writes the venue file. The two
 * halves of the entry's making then take two cores: on the day benchmark the entry took 27.8 s in one pass,
 * about 10 s of it the merge, far-print screen and feed file and 12 s the reorder buffer and venue file,
 * and 19.8 s split so (bench/RESULTS.md).
 *
 * Rules:
 * - The venue file is the one the one-pass writer makes (stream-entry.ts): the feed file's rows are the
 *   feed's, stored shifted, so the reorder buffer reads the same rows with the same times; the bytes are the
 *   same (test/data/stream-entry.test.ts compares them).
 * - `put` never blocks (chunk-pipe.ts); the feed's side calls `drain` between chunks, which awaits room in
 *   the pipe and throws PipeStopped when the thread failed or ended: the caller then asks `failure()` for
 *   the thread's own error (its message and fields, e.g. code, so a full disk is still a file system fault:
 *   replay.ts falls back to memory; a thread that ended without an answer, e.g. out of memory or its module
 *   missing, an error saying so).
 * - `finished()` drains and ends the pipe and resolves once the venue file is in place; it rejects with the
 *   thread's error, after the thread has removed what it wrote.
 * - `abandon()` (the feed's side failed) stops the pipe and resolves once the thread has ended, its
 *   temporary files removed.
 * - From the TypeScript sources (tests), the thread registers tsx first (venue-order-entry.js); the bundle
 *   ships it as dist/data/venue-order-worker.js (scripts/bundle.mjs).
 * Memory: the pipe (3 chunks of 65,536 rows, 6.5–9.8 MB) and the thread's heap (the reorder buffer's rows,
 * as deep as the data's feed lag, and the venue file's chunk).
 */
export interface VenueOrderRequest {
  pipe: PipeMemory;
  path: string;
  layout: RowsPlanned;
  maxFeedLagUs: number;
}

export type VenueOrderAnswer = { written: true } | { message: string; fields: Record<string, unknown>; stack?: string };

export class VenueOrderThread {
  private readonly pipe: PipeWriter;
  private readonly answer: Promise<VenueOrderAnswer>;
  private readonly exited: Promise<void>;
  private alive = true;

  constructor(path: string, layout: RowsPlanned, maxFeedLagUs: number, chunkRows: number) {
    const memory = pipeMemory(chunkRows, layout.secondValues);
    this.pipe = new PipeWriter(memory);
    const request: VenueOrderRequest = { pipe: memory, path, layout, maxFeedLagUs };
    const worker = new Worker(threadEntry(WORKER_FILE), { eval: true, workerData: request });
    this.exited = new Promise((resolve) =>
      worker.on('exit', () => {
        this.alive = false;
        resolve();
      }),
    );
    this.answer = new Promise((resolve) => {
      worker.on('message', resolve);
      worker.on('error', (error) => resolve({ message: error.message, fields: {}, stack: error.stack }));
      worker.on('exit', (code) => resolve({ message: `the thread writing the venue file (${WORKER_FILE.pathname}) exited with code ${code} before it answered`, fields: {} }));
    });
  }

  /** Passes rows [0, count) of the feed's chunk on to the thread (see the header). */
  put(columns: Omit<EventColumns, 'length'>, count: number): void {
    this.pipe.put(columns, count);
  }

  /** Awaits room in the pipe for the next chunk (see the header). */
  drain(): Promise<void> {
    return this.pipe.drain(() => this.alive);
  }

  /** See the header. */
  async finished(): Promise<void> {
    await this.drain();
    this.pipe.end();
    const answer = await this.answer;
    await this.exited;
    if (!('written' in answer)) throw await this.failure();
  }

  /** The thread's error, once it has answered with one (after drain threw PipeStopped). */
  async failure(): Promise<Error> {
    const answer = await this.answer;
    if ('written' in answer) return new Error('the thread writing the venue file stopped reading the feed but wrote the file');
    return Object.assign(new Error(answer.message), answer.fields, answer.stack ? { stack: answer.stack } : {});
  }

  /** See the header. */
  async abandon(): Promise<void> {
    this.pipe.stop();
    await this.exited;
  }
}

/** The bundle's thread entry (scripts/bundle.mjs); from the TypeScript sources, an entry that registers tsx first. */
const WORKER_FILE = packageFile(FROM_SOURCES ? 'src/data/venue-order-entry.js' : 'dist/data/venue-order-worker.js');
