import { Worker } from 'node:worker_threads';
import { FROM_SOURCES, packageFile, threadEntry } from '../core/package-files.ts';
import { pipeMemory, PipeWriter, type PipeMemory } from './chunk-pipe.ts';
import type { EventColumns } from './columns.ts';

/**
 * A streamed replay entry's venue file written by a thread of its own (stream-entry.ts): the thread that
 * writes the feed file passes each chunk of feed rows on through a pipe (chunk-pipe.ts) as it hands it to the
 * feed file's writer, and this thread runs the reorder buffer over them and writes the venue file. The two
 * halves of the entry's making then take two cores: on the day benchmark each was about half of the entry's
 * 28 s (the merge, far-print screen and feed file; the reorder buffer and venue file: bench/RESULTS.md).
 *
 * Rules:
 * - The venue file is the one the one-pass writer makes (stream-entry.ts): the feed file's rows are the
 *   feed's, stored shifted, so the reorder buffer reads the same rows with the same times; the bytes are the
 *   same (test/data/stream-entry.test.ts compares them).
 * - `finished()` ends the pipe and resolves once the venue file is in place; it rejects with the thread's
 *   error (its message and fields, e.g. code, so a full disk is still a file system fault: replay.ts falls
 *   back to memory), after the thread has removed what it wrote.
 * - `abandon()` (the feed's side failed) stops the pipe and resolves once the thread has ended, its
 *   temporary files removed; a venue file it finished first is left for the caller to remove.
 * - A put into the pipe after the thread failed throws PipeStopped: the caller then asks `finished()` for
 *   the thread's own error.
 * - From the TypeScript sources (tests), the thread registers tsx first (venue-order-entry.js); the bundle
 *   ships it as dist/data/venue-order-worker.js (scripts/bundle.mjs).
 */
export interface VenueOrderRequest {
  pipe: PipeMemory;
  path: string;
  layout: { rows: number; secondValues: boolean };
  maxFeedLagUs: number;
}

export type VenueOrderAnswer = { written: true } | { message: string; fields: Record<string, unknown>; stack?: string };

export class VenueOrderThread {
  private readonly pipe: PipeWriter;
  private readonly answer: Promise<VenueOrderAnswer>;
  private readonly exited: Promise<void>;

  constructor(path: string, layout: { rows: number; secondValues: boolean }, maxFeedLagUs: number, chunkRows: number) {
    const memory = pipeMemory(chunkRows, layout.secondValues);
    this.pipe = new PipeWriter(memory);
    const request: VenueOrderRequest = { pipe: memory, path, layout, maxFeedLagUs };
    const worker = new Worker(threadEntry(WORKER_FILE), { eval: true, workerData: request });
    this.exited = new Promise((resolve) => worker.on('exit', () => resolve()));
    this.answer = new Promise((resolve) => {
      worker.on('message', resolve);
      worker.on('error', (error) => resolve({ message: error.message, fields: {}, stack: error.stack }));
      worker.on('exit', (code) => resolve({ message: `the thread writing the venue file (${WORKER_FILE.pathname}) exited with code ${code} before it answered`, fields: {} }));
    });
  }

  /** Passes rows [0, count) of the feed's chunk on to the thread. */
  put(columns: Omit<EventColumns, 'length'>, count: number): void {
    this.pipe.put(columns, count);
  }

  /** See the header. */
  async finished(): Promise<void> {
    this.pipe.end();
    const answer = await this.answer;
    await this.exited;
    if (!('written' in answer)) throw await this.failure();
  }

  /** The thread's error, once it has answered with one (after a put threw PipeStopped). */
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
