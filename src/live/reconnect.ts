import { setTimeout as delay } from 'node:timers/promises';

/**
 * The watch loop of every ccxt stream (order book, trades, own fills, order states): call one `watch…`
 * step after another until stopped; after an error, back off and watch again (ccxt reconnects the socket
 * on the next call).
 *
 * Rules:
 * - Back-off after the n-th consecutive failure (n from 0): 0.25 s × 2^n, at most 8 s (0.25, 0.5, 1, 2,
 *   4, 8, 8… s). A successful step resets the count.
 * - `failed(error, attempt)` is told of each failure (attempt = failures before it) before the back-off;
 *   `beforeRetry()` runs after the back-off, before the next step (a resync); `recovered()` on the first
 *   success after failures.
 * - Stopping (the signal aborts) ends the loop: a failure after it is not reported, a back-off in progress
 *   ends at once, and no further step starts. A step in flight is not interrupted (closing the ccxt client
 *   ends it).
 */
export interface WatchHooks {
  failed(error: Error, attempt: number): void;
  beforeRetry?(): Promise<void>;
  recovered?(): void;
}

const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 8_000;

/** The wait after the failure numbered `attempt` (from 0). */
export function backoffMs(attempt: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt);
}

export async function keepWatching(step: () => Promise<void>, stop: AbortSignal, hooks: WatchHooks): Promise<void> {
  let failures = 0;
  while (!stop.aborted) {
    try {
      await step();
      if (failures > 0) hooks.recovered?.();
      failures = 0;
    } catch (error) {
      if (stop.aborted) return;
      hooks.failed(error as Error, failures);
      await delay(backoffMs(failures++), undefined, { signal: stop }).catch(() => {});
      if (!stop.aborted) await hooks.beforeRetry?.();
    }
  }
}
