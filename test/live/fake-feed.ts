import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wallMicros, type FeedSink, type MarketFeed } from '../../src/live/feed.ts';

/**
 * A market that swings, for live-mode tests: the book sits at 99.99 / 100.01 (its top moving a tick every
 * 50 ms) and every 100 ms a trade prints alternately at 99.90 (a seller hitting bids down to there) and
 * 100.10, so quotes at ±5 bps get filled. After `stallAfterMs` the feed goes silent (a stale feed).
 */
export class FakeFeed implements MarketFeed {
  private timers: NodeJS.Timeout[] = [];
  private n = 0;
  /** Trades printed so far (tests wait on a count of market events, not on seconds). */
  tradesPrinted = 0;
  constructor(private readonly stallAfterMs = Infinity) {}
  start(sink: FeedSink): void {
    const t0 = Date.now();
    const book = () => {
      const ts = wallMicros();
      const wiggle = (this.n++ % 3) * 0.01;
      sink.book({
        exchTs: ts,
        localTs: ts,
        bids: [
          [99.99 - wiggle, 1],
          [99.98 - wiggle, 2],
          [99.9, 5],
        ],
        asks: [
          [100.01 + wiggle, 1],
          [100.02 + wiggle, 2],
          [100.1, 5],
        ],
      });
    };
    book();
    let k = 0;
    this.timers.push(
      setInterval(() => {
        if (Date.now() - t0 > this.stallAfterMs) return;
        book();
      }, 50),
      setInterval(() => {
        if (Date.now() - t0 > this.stallAfterMs) return;
        const ts = wallMicros();
        const sell = k++ % 2 === 0;
        this.tradesPrinted++;
        sink.trade({ exchTs: ts, localTs: ts, id: String(k), price: sell ? 99.9 : 100.1, size: 0.5, takerSide: sell ? 'sell' : 'buy' });
      }, 100),
    );
  }
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
  }
}

/**
 * Stops a run once `condition` holds (polled every 25 ms), or at the deadline: tests wait for what they
 * check, not for a number of wall-clock seconds that a loaded machine may not fill with enough ticks.
 */
export function stopWhen(condition: () => boolean, deadlineMs = 20_000): AbortSignal {
  const c = new AbortController();
  const started = Date.now();
  const timer = setInterval(() => {
    let met = false;
    try {
      met = condition();
    } catch {
      /* not yet (e.g. a file not written yet) */
    }
    if (met || Date.now() - started > deadlineMs) {
      clearInterval(timer);
      c.abort();
    }
  }, 25);
  return c.signal;
}

/** The events of a run's orders.jsonl so far ([] before it exists). */
export function runEvents(out: string): { event: string; [k: string]: unknown }[] {
  if (!existsSync(join(out, 'orders.jsonl'))) return [];
  return readFileSync(join(out, 'orders.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
