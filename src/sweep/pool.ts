import { Worker } from 'node:worker_threads';
import { SpreadlabError } from '../core/errors.ts';
import { configureWorkerHeaps } from '../core/worker-heaps.ts';
import { FROM_SOURCES, packageFile, threadEntry } from '../core/package-files.ts';
import type { PlannedRun } from './grid.ts';
import type { SweepBase } from './run-one.ts';
import type { PreloadMessage, RunReply, RunRequest } from './worker.ts';
import { shareReplays, type DecodedReplay } from '../data/shared-replays.ts';
import { dataSpan } from '../sim/assemble.ts';
import { scenarioForRun } from './run-one.ts';

/**
 * Runs planned runs across W worker threads, handing out the next run as soon as a worker is free. The
 * workers start first, so that their start-up (loading the modules) overlaps with this thread decoding the
 * recorded data; the decoded columns are then shared with every worker through SharedArrayBuffers, which
 * the workers read in place (no copy per worker). The order in which runs finish depends on timing; callers
 * key results by run index, so outputs do not. A run that fails stops the pool: a user error (bad parameter
 * value) is re-raised as such, and the pool's workers are ended. One message per run each way: a run takes
 * about 0.1 s, its row is a few kilobytes, so batching would save nothing measurable.
 * Workers start with the process's Node and V8 flags (core/package-files.ts threadEntry).
 * Workers are kept for the next pool in this process for IDLE_MS (idle, they do not keep it alive): tune's
 * steps and walk-forward's folds pay a worker's start-up and JIT warm-up once, not once per step. A kept
 * worker holds the replays it was sent (shared memory, not copies) and gets only the ones it lacks;
 * stopIdleWorkers ends the kept workers at once.
 */
export async function runPool(
  base: SweepBase,
  runs: PlannedRun[],
  workers: number,
  onResult: (index: number, row: [string, unknown][]) => void,
): Promise<void> {
  if (runs.length === 0) return;
  const queue = [...runs];
  const count = Math.min(workers, runs.length);
  const threads = idle.splice(0, count);
  while (threads.length < count) threads.push(startWorker());
  for (const thread of threads) thread.worker.ref();
  const preload = decodeOnce(base, runs[0]);
  try {
    await Promise.all(threads.map((thread) => drain(thread, preload, queue, base, onResult)));
  } catch (error) {
    await Promise.all(threads.map((t) => t.worker.terminate()));
    throw error;
  }
  for (const thread of threads) thread.worker.unref();
  idle.push(...threads);
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => void stopIdleWorkers(), IDLE_MS).unref();
}

/** Ends the workers kept between pools (the next pool starts new ones). */
export async function stopIdleWorkers(): Promise<void> {
  clearTimeout(idleTimer);
  await Promise.all(idle.splice(0).map((t) => t.worker.terminate()));
}

/** The bundle's worker entry (scripts/bundle.mjs); from the TypeScript sources, an entry that registers tsx first. */
const WORKER_FILE = packageFile(FROM_SOURCES ? 'src/sweep/worker-entry.js' : 'dist/sweep/worker.js');

/** A worker thread and the keys of the replays it has been sent. */
interface PoolThread {
  worker: Worker;
  replays: Set<string>;
}

/** Workers kept between pools, unref'd, until IDLE_MS pass without a pool. */
const idle: PoolThread[] = [];
const IDLE_MS = 10_000;
let idleTimer: NodeJS.Timeout | undefined;

function startWorker(): PoolThread {
  configureWorkerHeaps();
  const thread = { worker: new Worker(threadEntry(WORKER_FILE), { eval: true }), replays: new Set<string>() };
  // A kept worker that fails or exits while idle is dropped (a running pool also hears it, in drain).
  const drop = (): void => {
    const at = idle.indexOf(thread);
    if (at >= 0) idle.splice(at, 1);
  };
  thread.worker.on('error', drop);
  thread.worker.on('exit', drop);
  return thread;
}

/**
 * Decodes the sweep's recorded data once in this thread (a replay is kept in the process-wide memo) and
 * returns every decoded replay with its columns in SharedArrayBuffers, for the workers.
 */
async function decodeOnce(base: SweepBase, first: PlannedRun): Promise<[string, DecodedReplay][]> {
  await dataSpan(scenarioForRun(base, first.params, first.seed), base.baseDir);
  return shareReplays();
}

/** Hands runs to one worker until the queue is empty: first the decoded replays it lacks, once they are ready. */
function drain(
  thread: PoolThread,
  preload: Promise<[string, DecodedReplay][]>,
  queue: PlannedRun[],
  base: SweepBase,
  onResult: (index: number, row: [string, unknown][]) => void,
): Promise<void> {
  const { worker } = thread;
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: unknown): void => {
      worker.off('message', onMessage);
      worker.off('error', settle);
      worker.off('exit', onExit);
      if (error === undefined) resolve();
      else reject(error);
    };
    const next = (): void => {
      const run = queue.shift();
      if (!run) return settle();
      worker.postMessage({ base, run } satisfies RunRequest);
    };
    const onMessage = (reply: RunReply): void => {
      if ('error' in reply) {
        queue.length = 0;
        settle(
          reply.userError ? new SpreadlabError(`run ${reply.index}: ${reply.error}`) : new Error(`run ${reply.index}: ${reply.error}`),
        );
        return;
      }
      try {
        onResult(reply.index, reply.row);
      } catch (error) {
        queue.length = 0; // the result could not be kept (a full disk): stop handing out runs
        settle(error);
        return;
      }
      next();
    };
    const onExit = (code: number): void => settle(new Error(`a sweep worker exited (code ${code}) before its runs were done`));
    worker.on('message', onMessage);
    worker.on('error', settle);
    worker.on('exit', onExit);
    preload.then((replays) => {
      const lacking = replays.filter(([key]) => !thread.replays.has(key));
      for (const [key] of lacking) thread.replays.add(key);
      if (lacking.length > 0) worker.postMessage({ preload: lacking } satisfies PreloadMessage);
      next();
    }, settle);
  });
}
