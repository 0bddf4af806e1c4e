import { setFlagsFromString } from 'node:v8';

/**
 * The old generation a worker thread's heap starts with room for, in MB (V8's --initial-old-space-size; its
 * default is a few MB), set for the package's busy threads: the sweep pool's workers (sweep/pool.ts) and a
 * streamed replay's first preparation (data/stream-prepare.ts; the threads started after it, such as its
 * venue-order thread, data/venue-order-thread.ts, get the same: the setting is the process's). With the small default start, once a heap's
 * old generation has less room left than its young generation holds, V8 starts a full (mark-compact)
 * collection at once, and a collection that leaves the old generation as full as before starts the next:
 * 44–52 of them in a sweep worker's 64 runs of the BTCUSDT spot replay, and about 3 s of a day's first
 * streamed run (6 s of CPU) in the decode, none with this setting (bench/RESULTS.md). At most this much more heap per
 * thread before its first full collection.
 */
const WORKER_INITIAL_OLD_SPACE_MB = 64;
let configured = false;

/**
 * Sets WORKER_INITIAL_OLD_SPACE_MB for the heaps created from now on (V8 reads it when it sets up a heap, so
 * this thread's own heap is unchanged: the reason for a thread), unless the process was started with a value
 * of its own.
 */
export function configureWorkerHeaps(): void {
  if (configured || process.execArgv.some((arg) => arg.startsWith('--initial-old-space-size'))) return;
  setFlagsFromString(`--initial-old-space-size=${WORKER_INITIAL_OLD_SPACE_MB}`);
  configured = true;
}
