import { Worker } from 'node:worker_threads';
import { SpreadlabError } from '../core/errors.ts';
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
 * value) is re-raised as such. One message per run each way: a run takes about 0.1 s, its row is a few
 * kilobytes, so batching would save nothing measurable.
 */
export async function runPool(
  base: SweepBase,
  runs: PlannedRun[],
  workers: number,
  onResult: (index: number, row: [string, unknown][]) => void,
  extra: string[] = [],
): Promise<void> {
  if (runs.length === 0) return;
  const queue = [...runs];
  const threads = Array.from({ length: Math.min(workers, runs.length) }, () => new Worker(WORKER_FILE));
  const preload = decodeOnce(base, runs[0]);
  try {
    await Promise.all(threads.map((thread) => drain(thread, preload, queue, base, extra, onResult)));
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
}

/** The compiled worker next to the compiled pool; from the TypeScript sources, an entry that registers tsx first. */
const WORKER_FILE = new URL(import.meta.url.endsWith('.ts') ? './worker-entry.js' : './worker.js', import.meta.url);

/**
 * Decodes the sweep's recorded data once in this thread (a replay is kept in the process-wide memo) and
 * returns every decoded replay with its columns in SharedArrayBuffers, for the workers.
 */
async function decodeOnce(base: SweepBase, first: PlannedRun): Promise<[string, DecodedReplay][]> {
  await dataSpan(scenarioForRun(base, first.params, first.seed), base.baseDir);
  return shareReplays();
}

/** Hands runs to one worker until the queue is empty: the decoded data first, once it is ready. */
function drain(
  thread: Worker,
  preload: Promise<[string, DecodedReplay][]>,
  queue: PlannedRun[],
  base: SweepBase,
  extra: string[],
  onResult: (index: number, row: [string, unknown][]) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (): void => {
      const run = queue.shift();
      if (!run) return resolve();
      thread.postMessage({ base, run, extra } satisfies RunRequest);
    };
    thread.on('message', (reply: RunReply) => {
      if ('error' in reply) {
        queue.length = 0;
        reject(
          reply.userError ? new SpreadlabError(`run ${reply.index}: ${reply.error}`) : new Error(`run ${reply.index}: ${reply.error}`),
        );
        return;
      }
      try {
        onResult(reply.index, reply.row);
      } catch (error) {
        queue.length = 0; // the result could not be kept (a full disk): stop handing out runs
        reject(error);
        return;
      }
      next();
    });
    thread.on('error', reject);
    preload.then((replays) => {
      thread.postMessage({ preload: replays } satisfies PreloadMessage);
      next();
    }, reject);
  });
}
