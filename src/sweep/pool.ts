import { Worker } from 'node:worker_threads';
import { SpreadlabError } from '../core/errors.ts';
import type { PlannedRun } from './grid.ts';
import type { SweepBase } from './run-one.ts';
import type { RunReply, RunRequest } from './worker.ts';

/**
 * Runs planned runs across W worker threads, handing out the next run as soon as a worker is free. The
 * order in which runs finish depends on timing; callers key results by run index, so outputs do not.
 * A run that fails stops the pool: a user error (bad parameter value) is re-raised as such.
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
  const threads = Array.from({ length: Math.min(workers, runs.length) }, () => new Worker(new URL('./worker-entry.js', import.meta.url)));
  try {
    await Promise.all(threads.map((thread) => drain(thread, queue, base, extra, onResult)));
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
}

function drain(thread: Worker, queue: PlannedRun[], base: SweepBase, extra: string[], onResult: (index: number, row: [string, unknown][]) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (): void => {
      const run = queue.shift();
      if (!run) return resolve();
      thread.postMessage({ base, run, extra } satisfies RunRequest);
    };
    thread.on('message', (reply: RunReply) => {
      if ('error' in reply) {
        queue.length = 0;
        reject(reply.userError ? new SpreadlabError(`run ${reply.index}: ${reply.error}`) : new Error(`run ${reply.index}: ${reply.error}`));
        return;
      }
      onResult(reply.index, reply.row);
      next();
    });
    thread.on('error', reject);
    next();
  });
}
