import { describe, expect, it } from 'vitest';
import type { MarketEventSource } from '../../src/core/events.ts';
import { isUserError } from '../../src/core/errors.ts';
import { onWarning } from '../../src/core/warnings.ts';
import { openColumns } from '../../src/data/columns.ts';
import { openColumnsByExchTime } from '../../src/data/exchange-order.ts';
import { findStream, loadReplay, prepareStream } from '../../src/data/replay.ts';
import { prepareStreamInThread } from '../../src/data/stream-prepare.ts';
import { openCacheRows } from '../../src/data/stream.ts';
import { activitiesOf, craftedFiles, tempDir, units, writeTemp } from './helpers.ts';

const opts = { units: units(1, 0.1), format: 'tardis' as const, onError: 'skip' as const, onGap: 'stop' as const, timezone: 'UTC', alignLocalTime: true };

function byNext(source: MarketEventSource): string[] {
  const out: string[] = [];
  for (let e = source.next(); e; e = source.next()) out.push(JSON.stringify(e));
  return out;
}

describe('a streamed replay prepared the first time by a thread of its own (stream-prepare.ts)', () => {
  it('makes the entry prepareStream makes, with the same problems, activities and nothing more', async () => {
    const files = craftedFiles(true); // a far print: skipped and reported
    const memory = await loadReplay(files, { ...opts, cache: null });
    const dir = tempDir();
    expect(await findStream(files, { ...opts, cache: { dir } })).toBeNull();
    // its venue file by a thread of the preparing thread's own (stream-entry.ts), as a day-size entry's is
    const inThread = await activitiesOf(() => prepareStreamInThread(files, { ...opts, cache: { dir, venueThreadMinRows: 0 } }));
    const found = await findStream(files, { ...opts, cache: { dir } });
    expect(found).not.toBeNull();
    expect(found!.problems.list).toEqual(memory.problems.list);
    expect(byNext(openCacheRows(found!.feed, 3)())).toEqual(byNext(openColumns(memory.columns)()));
    expect(byNext(openCacheRows(found!.venue, 3)())).toEqual(byNext(openColumnsByExchTime(memory.columns, memory.venueOrder)()));
    // the same steps as on this thread (the files hashed by the findStream before), passed on: each to its end, done once
    const other = { ...opts, cache: { dir: tempDir() } };
    await findStream(files, other);
    const here = await activitiesOf(() => prepareStream(files, other));
    expect(here.map((a) => a.label)).toEqual(['read book', 'read trades', 'write the streamed replay entry']);
    expect(inThread.map((a) => [a.label, a.done, a.fractions.at(-1)])).toEqual(here.map((a) => [a.label, 1, 1]));
  });

  it('passes its warnings on, and throws a user error as a SpreadlabError with its message and details', async () => {
    const [book, trades] = craftedFiles();
    const bad = { path: writeTemp('x_trades.csv', 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount\nbinance,X,1,2,1,buy,oops,1\n'), display: 'trades' };
    const options = { ...opts, onError: 'stop' as const, cache: { dir: tempDir() } };
    const here = await prepareStream([book, bad], options).catch((error: unknown) => error);
    const there = await prepareStreamInThread([book, bad], options).catch((error: unknown) => error);
    expect(isUserError(here)).toBe(true);
    expect(isUserError(there)).toBe(true);
    expect((there as Error).message).toBe((here as Error).message);
    expect((there as { details: unknown }).details).toEqual((here as { details: unknown }).details);
    expect((there as Error).message).toMatch(/^trades:2:21: price "oops"/);
    // a warning: the cache folder cannot be used (a file stands where it would be), so no entry is made
    const warnings: string[] = [];
    const restore = onWarning((w) => warnings.push(w));
    try {
      expect(await prepareStreamInThread([book, trades], { ...opts, cache: { dir: writeTemp('not-a-folder', 'x') } })).toBe(false);
    } finally {
      restore();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/not-a-folder/);
  });
});
