import { parentPort } from 'node:worker_threads';
import { isUserError } from '../core/errors.ts';
import type { PlannedRun } from './grid.ts';
import { runOne, type SweepBase } from './run-one.ts';
import { rememberReplay, type DecodedReplay } from '../data/shared-replays.ts';

/**
 * A sweep worker thread: receives runs one at a time and posts back each run's row (or its error message).
 * Compiled, the pool starts this file; from the TypeScript sources it starts worker-entry.js, which registers
 * tsx first.
 */
export interface RunRequest {
  base: SweepBase;
  run: PlannedRun;
}

/** Sent once, before any run: decoded replays to reuse, read in place (their columns live in SharedArrayBuffers). */
export interface PreloadMessage {
  preload: [string, DecodedReplay][];
}

export type RunReply = { index: number; row: [string, unknown][] } | { index: number; error: string; userError: boolean };

parentPort!.on('message', async (message: RunRequest | PreloadMessage) => {
  if ('preload' in message) {
    for (const [key, replay] of message.preload) rememberReplay(key, replay);
    return;
  }
  const { base, run } = message;
  try {
    parentPort!.postMessage({ index: run.index, row: await runOne(base, run) } satisfies RunReply);
  } catch (error) {
    parentPort!.postMessage({
      index: run.index,
      error: error instanceof Error ? error.message : String(error),
      userError: isUserError(error),
    } satisfies RunReply);
  }
});
