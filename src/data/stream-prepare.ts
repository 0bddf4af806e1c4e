import { Worker } from 'node:worker_threads';
import { startActivity, type Activity } from '../core/activity.ts';
import { SpreadlabError } from '../core/errors.ts';
import { FROM_SOURCES, packageFile, threadEntry } from '../core/package-files.ts';
import { warn } from '../core/warnings.ts';
import { configureWorkerHeaps } from '../core/worker-heaps.ts';
import type { CacheOptions } from './cache.ts';
import type { ReplayInput } from './format.ts';
import type { ReplayOptions } from './replay.ts';
import type { PrepareMessage, PrepareRequest } from './stream-prepare-worker.ts';

/**
 * A streamed replay's first preparation — its files decoded into the cache and its streamed entry written
 * (replay.ts prepareStream) — done by a thread of its own while this one waits, because a thread's heap can
 * be set up with room (core/worker-heaps.ts) and this thread's cannot: on this thread's heap the decode ran
 * back-to-back full collections, about 3 s of a day's first run and 6 s of its CPU (bench/RESULTS.md).
 *
 * Rules:
 * - The thread runs prepareStream with the same inputs and options (the market's units made again from
 *   their spec) and answers whether the entry was made (false: the cache could not be written, after a
 *   warning; the caller replays from memory, as prepareStream's null says).
 * - Its warnings and activities (core/warnings.ts, core/activity.ts) are passed on here as they come, in
 *   order, so the command line shows them as it does its own (an activity's updates at most every 0.1 %).
 * - What it throws is thrown here: a user error (core/errors.ts) as a SpreadlabError with its message and
 *   details, anything else as an Error with its message and the thread's stack. A thread that ends without
 *   an answer is an internal fault.
 */
export function prepareStreamInThread(inputs: ReplayInput[], options: ReplayOptions & { cache: CacheOptions }): Promise<boolean> {
  configureWorkerHeaps();
  const request: PrepareRequest = { inputs, options: { ...options, units: options.units.spec } };
  const worker = new Worker(threadEntry(WORKER_FILE), { eval: true, workerData: request });
  let activity: Activity | null = null;
  let answered = false;
  return new Promise<boolean>((resolve, reject) => {
    worker.on('message', (message: PrepareMessage) => {
      if ('warning' in message) warn(message.warning);
      else if ('activity' in message) activity = startActivity(message.activity);
      else if ('fraction' in message) activity?.update(message.fraction);
      else if ('done' in message) {
        activity?.done();
        activity = null;
      } else {
        answered = true;
        if ('made' in message) resolve(message.made);
        else reject(message.userError ? new SpreadlabError(message.message, message.details) : Object.assign(new Error(message.message), { stack: message.stack }));
      }
    });
    worker.on('error', (error) => {
      answered = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      activity?.done();
      if (!answered) reject(new Error(`the thread preparing the streamed replay (${WORKER_FILE.pathname}) exited with code ${code} before it answered`));
    });
  });
}

/** The bundle's thread entry (scripts/bundle.mjs); from the TypeScript sources, an entry that registers tsx first. */
const WORKER_FILE = packageFile(FROM_SOURCES ? 'src/data/stream-prepare-entry.js' : 'dist/data/stream-prepare-worker.js');
