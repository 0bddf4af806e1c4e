import { parentPort, workerData } from 'node:worker_threads';
import { onActivity } from '../core/activity.ts';
import { isUserError, type SpreadlabError } from '../core/errors.ts';
import { MarketUnits, type MarketSpec } from '../core/market.ts';
import { onWarning } from '../core/warnings.ts';
import type { CacheOptions } from './cache.ts';
import type { ReplayInput } from './format.ts';
import { prepareStream, type ReplayOptions } from './replay.ts';

/**
 * The thread that prepares a streamed replay the first time (stream-prepare.ts starts it and states the
 * rules): prepareStream, its warnings and activities posted back as they come, then its answer. Compiled,
 * stream-prepare.ts starts this file; from the TypeScript sources, stream-prepare-entry.js, which registers
 * tsx first.
 */
export interface PrepareRequest {
  inputs: ReplayInput[];
  options: Omit<ReplayOptions, 'units'> & { units: MarketSpec; cache: CacheOptions };
}

export type PrepareMessage =
  | { warning: string }
  | { activity: string }
  | { fraction: number }
  | { done: true }
  | { made: boolean }
  | { userError: boolean; message: string; details: SpreadlabError['details']; stack?: string };

/** The smallest advance of an activity worth a message (updates can come every chunk of a file read). */
const STEP = 0.001;

const post = (message: PrepareMessage): void => parentPort!.postMessage(message);
const { inputs, options } = workerData as PrepareRequest;
onWarning((warning) => post({ warning }));
onActivity((label) => {
  post({ activity: label });
  let shown = 0;
  return {
    update: (fraction) => {
      if (fraction - shown < STEP && fraction < 1) return;
      shown = fraction;
      post({ fraction });
    },
    done: () => post({ done: true }),
  };
});
try {
  const prepared = await prepareStream(inputs, { ...options, units: new MarketUnits(options.units) });
  post({ made: prepared !== null });
} catch (error) {
  const user = isUserError(error);
  post({
    userError: user,
    message: error instanceof Error ? error.message : String(error),
    details: (user && error.details) || {},
    stack: error instanceof Error ? error.stack : undefined,
  });
}
