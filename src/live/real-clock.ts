import type { Clock } from '../strategy/api.ts';

/**
 * The strategy's Clock in live and dry runs: wall-clock milliseconds and timer sleeps.
 *
 * Rules:
 * - `sleep(ms)` resolves true after `ms` (a negative wait is 0), or false when the run is stopping: at once
 *   for a sleep begun after `stop()`, and at `stop()` for every sleep pending then, so a
 *   `while (await clock.sleep(ms))` loop returns.
 * Known limits: timer precision is Node's (a few ms late under load).
 */
export class RealClock implements Clock {
  private stopping = false;
  private readonly pending = new Set<{ timer: NodeJS.Timeout; resolve: (alive: boolean) => void }>();

  now(): number {
    return Date.now();
  }

  sleep(ms: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(
          () => {
            this.pending.delete(entry);
            resolve(!this.stopping);
          },
          Math.max(0, ms),
        ),
        resolve,
      };
      this.pending.add(entry);
    });
  }

  stop(): void {
    this.stopping = true;
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.resolve(false);
    }
    this.pending.clear();
  }
}
