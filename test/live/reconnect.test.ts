import { describe, expect, it } from 'vitest';
import { backoffMs, keepWatching } from '../../src/live/reconnect.ts';

describe('keepWatching', () => {
  it('backs off 0.25 s doubling to at most 8 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map(backoffMs)).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('reports each failure with its attempt number, retries after the back-off, and tells the first success after failures', async () => {
    const stop = new AbortController();
    const events: string[] = [];
    let calls = 0;
    const t0 = Date.now();
    await keepWatching(
      async () => {
        calls++;
        if (calls <= 2) throw new Error(`down ${calls}`);
        if (calls === 4) stop.abort();
      },
      stop.signal,
      {
        failed: (error, attempt) => events.push(`failed ${error.message} #${attempt}`),
        beforeRetry: async () => void events.push('retry'),
        recovered: () => events.push('recovered'),
      },
    );
    expect(events).toEqual(['failed down 1 #0', 'retry', 'failed down 2 #1', 'retry', 'recovered']);
    expect(calls).toBe(4);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250 + 500 - 10);
  });

  it('stopping ends a back-off at once, without a retry or a report of later failures', async () => {
    const stop = new AbortController();
    const events: string[] = [];
    const t0 = Date.now();
    const loop = keepWatching(
      async () => {
        throw new Error('down');
      },
      stop.signal,
      { failed: () => events.push('failed'), beforeRetry: async () => void events.push('retry') },
    );
    setTimeout(() => stop.abort(), 50);
    await loop;
    expect(events).toEqual(['failed']);
    expect(Date.now() - t0).toBeLessThan(240);
  });
});
