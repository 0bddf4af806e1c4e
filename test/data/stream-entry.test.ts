import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { MarketEventSource } from '../../src/core/events.ts';
import { onWarning } from '../../src/core/warnings.ts';
import { allocateColumns, FLAG_ASK, FLAG_LAST, FLAG_SNAPSHOT_START, Kind, openColumns, RowEvents, type RowSource } from '../../src/data/columns.ts';
import { writeStreamedEntry } from '../../src/data/stream-entry.ts';
import { CorruptCacheError } from '../../src/data/corrupt-cache.ts';
import { openColumnsByExchTime } from '../../src/data/exchange-order.ts';
import { loadReplay, prepareStream, type StreamedReplay } from '../../src/data/replay.ts';
import { rowSourceOf } from '../../src/data/row-source.ts';
import { openCacheRows } from '../../src/data/stream.ts';
import { ROOT } from '../spawn-cli.ts';
import { activitiesOf, corruptFile, craftedFiles, distChunkExporting, tempDir, units, writeTemp } from './helpers.ts';

// Counts the venue-order threads started (venue-order-thread.ts), so a test knows which way an entry was made.
const venueThreads = vi.hoisted(() => ({ started: 0 }));
vi.mock('../../src/data/venue-order-thread.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/data/venue-order-thread.ts')>();
  class CountedVenueOrderThread extends real.VenueOrderThread {
    constructor(...args: ConstructorParameters<typeof real.VenueOrderThread>) {
      super(...args);
      venueThreads.started++;
    }
  }
  return { ...real, VenueOrderThread: CountedVenueOrderThread };
});

const opts = { units: units(1, 0.1), format: 'tardis' as const, onError: 'stop' as const, onGap: 'stop' as const, timezone: 'UTC', alignLocalTime: true };

/** Every event's fields as text, read with next(). */
function byNext(source: MarketEventSource): string[] {
  const out: string[] = [];
  for (let e = source.next(); e; e = source.next()) out.push(JSON.stringify(e));
  return out;
}

/** Every event's fields as text, read as rows where a row is one event (as the backtest reads deltas), else with next(). */
function byRows(source: RowSource): string[] {
  const out: string[] = [];
  const events = new RowEvents();
  for (let i = source.peekRow(); i >= 0; i = source.peekRow()) {
    if (source.rows.kind[i] === Kind.SNAPSHOT) {
      out.push(JSON.stringify(source.next()));
      continue;
    }
    out.push(JSON.stringify(events.read(source.rows, i, source.localShift)));
    source.skipRow();
  }
  return out;
}

async function streamedEntry(
  files: { path: string; display: string }[],
  dir: string,
  onError: 'stop' | 'skip' = 'stop',
  venueThreadMinRows?: number,
): Promise<StreamedReplay> {
  const s = await prepareStream(files, { ...opts, onError, cache: { dir, venueThreadMinRows } });
  if (!s) throw new Error('the cache folder could not be used');
  return s;
}

/** Whether a cache file was written in place, as planned (cache.ts ChunkedCacheWriter): its JSON header is padded with spaces. */
function writtenInPlace(path: string): boolean {
  const bytes = readFileSync(path);
  return bytes.toString('utf8', 16, 16 + bytes.readUInt32LE(8)).endsWith(' ');
}

// Every entry made both ways: in one pass (the default below VENUE_THREAD_MIN_ROWS rows), and with its venue
// file written by a thread of its own from the feed file's chunks (venue-order-thread.ts).
describe.each([
  ['in one pass', undefined],
  ['the venue file by a thread of its own', 0],
])('the streamed replay entry (stream-entry.ts), %s', (_, venueThreadMinRows) => {
  const streamed = (files: { path: string; display: string }[], dir: string, onError: 'stop' | 'skip' = 'stop') =>
    streamedEntry(files, dir, onError, venueThreadMinRows);

  it('holds the in-memory feed and venue events, cold and warm, read at any chunk size and as rows', async () => {
    const files = craftedFiles();
    const memory = await loadReplay(files, { ...opts, cache: null });
    const feed = byNext(openColumns(memory.columns)());
    const venue = byNext(openColumnsByExchTime(memory.columns, memory.venueOrder)());
    expect(venue).not.toEqual(feed); // the late trades move
    expect(memory.localShiftUs).toBe(0);
    const dir = tempDir();
    const before = venueThreads.started;
    const cold = await streamed(files, dir);
    const warm = await streamed(files, dir);
    expect(venueThreads.started - before).toBe(venueThreadMinRows === 0 ? 1 : 0); // the cold load's, when asked for
    expect(cold.inputs.map((i) => i.fromCache)).toEqual([false, false]);
    expect(warm.inputs.map((i) => i.fromCache)).toEqual([true, true]);
    expect(warm.feed.length).toBe(memory.columns.length);
    expect([writtenInPlace(cold.feed.path), writtenInPlace(cold.venue.path)]).toEqual([true, true]); // the rows counted right
    // the tardis files' own entries too, with room for the rows their start promises (tardisEstimate)
    const unitEntries = readdirSync(dir).filter((name) => name.endsWith('.cols'));
    expect(unitEntries.map((name) => writtenInPlace(join(dir, name)))).toEqual([true, true]);
    for (const s of [cold, warm]) {
      for (const chunkRows of [1, 2, 3, 7, 64, 1 << 16]) {
        expect(byNext(openCacheRows(s.feed, chunkRows)()), `feed, ${chunkRows} rows a chunk`).toEqual(feed);
        expect(byNext(openCacheRows(s.venue, chunkRows)()), `venue, ${chunkRows} rows a chunk`).toEqual(venue);
      }
      for (const chunkRows of [1, 5]) {
        expect(byRows(rowSourceOf(openCacheRows(s.feed, chunkRows)()))).toEqual(feed);
        expect(byRows(rowSourceOf(openCacheRows(s.venue, chunkRows)()))).toEqual(venue);
      }
    }
  });

  it('a warm load reads only the entry: the units cache entries may be gone', async () => {
    const files = craftedFiles();
    const dir = tempDir();
    const cold = await streamed(files, dir);
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.cols'))) rmSync(join(dir, f));
    const warm = await streamed(files, dir);
    expect(warm.inputs.map((i) => i.fromCache)).toEqual([true, true]);
    expect(byNext(openCacheRows(warm.venue, 4)())).toEqual(byNext(openCacheRows(cold.venue)()));
    expect(readdirSync(dir).filter((f) => f.endsWith('.cols'))).toEqual([]);
  });

  it.each(['feed', 'venue'] as const)('a %s file whose columns are damaged fails as it is read: removed, and made again by the next load', async (which) => {
    const files = craftedFiles();
    const dir = tempDir();
    const cold = await streamed(files, dir);
    const feed = byNext(openCacheRows(cold.feed)());
    const venue = byNext(openCacheRows(cold.venue)());
    const path = cold[which].path;
    corruptFile(path);
    const warm = await streamed(files, dir); // its header and length are intact: found
    expect(() => byNext(openCacheRows(warm[which], 3)())).toThrow(CorruptCacheError);
    expect(existsSync(path)).toBe(false);
    const again = await streamed(files, dir);
    expect(again.inputs.map((i) => i.fromCache)).toEqual([true, true]); // the units' entries were intact
    expect(byNext(openCacheRows(again.feed, 3)())).toEqual(feed);
    expect(byNext(openCacheRows(again.venue, 3)())).toEqual(venue);
    expect([again.feed.check?.state, again.venue.check?.state]).toEqual(['passed', 'passed']);
    expect(readdirSync(join(dir, 'streams')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it.each(['feed', 'venue'] as const)('a %s file whose header is damaged is rewritten on opening, with a warning naming it', async (which) => {
    const files = craftedFiles();
    const dir = tempDir();
    const cold = await streamed(files, dir);
    const expected = byNext(openCacheRows(cold[which])());
    const path = cold[which].path;
    const bytes = readFileSync(path);
    bytes[20] ^= 0x01; // inside the JSON header
    writeFileSync(path, bytes);
    const warnings: string[] = [];
    const restore = onWarning((w) => warnings.push(w));
    let again: StreamedReplay;
    try {
      again = await streamed(files, dir);
    } finally {
      restore();
    }
    expect(warnings).toEqual([`the data cache entry ${path} is corrupt (it fails its checksum): decoding the data again and rewriting it`]);
    expect(byNext(openCacheRows(again[which], 3)())).toEqual(expected);
  });

  it('under onError skip, keeps the feed without the far print and reports it again on a warm load', async () => {
    const files = craftedFiles(true);
    const memory = await loadReplay(files, { ...opts, onError: 'skip', cache: null });
    const dir = tempDir();
    const cold = await streamed(files, dir, 'skip');
    const warm = await streamed(files, dir, 'skip');
    expect(memory.problems.list).toHaveLength(1);
    expect(memory.problems.list[0].message).toMatch(/far outside the book/);
    for (const s of [cold, warm]) {
      expect(s.problems.list).toEqual(memory.problems.list);
      expect(byNext(openCacheRows(s.feed, 2)())).toEqual(byNext(openColumns(memory.columns)()));
      expect(byNext(openCacheRows(s.venue, 2)())).toEqual(byNext(openColumnsByExchTime(memory.columns, memory.venueOrder)()));
    }
    expect(warm.rows).toBe(memory.columns.length + 1); // rows of the units, the far print among them
    expect([writtenInPlace(cold.feed.path), writtenInPlace(cold.venue.path)]).toEqual([true, true]); // planned with the far print's room, left unfilled
  });

  it('a venue file that cannot be put in place: nothing of the entry left, the replay from memory with a warning, the obstacle untouched', async () => {
    const files = craftedFiles();
    const dir = tempDir();
    const first = await streamed(files, dir);
    const { venue } = first;
    rmSync(first.feed.path);
    rmSync(venue.path);
    mkdirSync(venue.path); // a folder where the venue file goes, not spreadlab's
    writeFileSync(join(venue.path, 'keep.txt'), 'mine');
    const warnings: string[] = [];
    const restore = onWarning((w) => warnings.push(w));
    let again: StreamedReplay | null;
    try {
      again = await prepareStream(files, { ...opts, cache: { dir, venueThreadMinRows } });
    } finally {
      restore();
    }
    expect(again).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/replaying from memory instead/);
    expect(existsSync(first.feed.path)).toBe(false);
    expect(readdirSync(join(dir, 'streams')).sort()).toEqual([basename(venue.path)]);
    expect(readFileSync(join(venue.path, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('under onError stop, a far print ends the first load with its problem and leaves no entry', async () => {
    const files = craftedFiles(true);
    const dir = tempDir();
    await expect(streamed(files, dir, 'stop')).rejects.toThrow(/far outside the book/);
    expect(readdirSync(join(dir, 'streams'))).toEqual([]); // neither file, nor a temporary one
    const again = await streamed(craftedFiles(), dir, 'stop'); // the folder is still usable
    expect(again.problems.list).toEqual([]);
  });
});

describe('a streamed replay entry of many chunks, its venue file written by a thread of its own', () => {
  it('is byte for byte the entry made in one pass (snapshots across the pipe\'s chunks, quotes, a clock shift), and holds the in-memory replay', async () => {
    // Every row its own local time (a snapshot's rows share one), so a row's place in the feed is the order
    // it is made in: snapshots of 40 rows placed across the pipe's first two chunk boundaries (65,536 rows
    // a chunk), trades that reach the capture 40 µs late and quotes stamped 5 µs ahead of it (clock
    // alignment, from book rows stamped so too, then shifts every localTs, which the feed file stores
    // shifted), so the reorder buffer moves
    // rows across chunks and the quotes carry price2 and size2 through the pipe.
    const dir = tempDir();
    const book = ['exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount'];
    const trades = ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount'];
    const quotes = ['exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount'];
    const chunk = 1 << 16;
    const snapshotsAt = [0, chunk - 17, 2 * chunk - 29];
    const t0 = 1_700_000_000_000_000;
    for (let g = 0; g < 220_000; g++) {
      const local = t0 + 10 * g;
      if (snapshotsAt.includes(g)) {
        for (let k = 1; k <= 20; k++) book.push(`binance,X,${local - 3},${local},true,bid,${1000 - k},${k}`, `binance,X,${local - 3},${local},true,ask,${1000 + k},${k}`);
        g += 39;
      } else if (g % 5 === 1) trades.push(`binance,X,${local - 40},${local},${g},${g % 2 ? 'sell' : 'buy'},1000,0.5`);
      else if (g % 5 === 3) quotes.push(`binance,X,${local + 5},${local},${(g % 4) + 1},${1001 + (g % 3)},${999 - (g % 3)},${(g % 5) + 1}`);
      else book.push(`binance,X,${g % 7 === 0 ? local + 5 : local - 3},${local},false,${g % 2 ? 'bid' : 'ask'},${g % 2 ? 999 - (g % 7) : 1001 + (g % 7)},${(g % 5) + 1}`);
    }
    const files = [
      { path: writeTemp('x_incremental_book_L2.csv', `${book.join('\n')}\n`, dir), display: 'book' },
      { path: writeTemp('x_trades.csv', `${trades.join('\n')}\n`, dir), display: 'trades' },
      { path: writeTemp('x_quotes.csv', `${quotes.join('\n')}\n`, dir), display: 'quotes' },
    ];
    const before = venueThreads.started;
    const onePass = await streamedEntry(files, join(dir, 'one-pass'));
    expect(venueThreads.started).toBe(before);
    const threaded = await streamedEntry(files, join(dir, 'threaded'), 'stop', 0);
    expect(venueThreads.started).toBe(before + 1);
    expect(threaded.localShiftUs).toBe(5);
    expect(threaded.venue.secondValues).toBe(true);
    // the snapshots at the boundaries are where they were placed, across them
    const starts: number[] = [];
    const feedRows = rowSourceOf(openCacheRows(threaded.feed)());
    for (let row = 0, i = feedRows.peekRow(); i >= 0; row++, feedRows.skipRow(), i = feedRows.peekRow()) {
      if (feedRows.rows.kind[i] === Kind.SNAPSHOT && (feedRows.rows.flags[i] & FLAG_SNAPSHOT_START) !== 0) starts.push(row);
    }
    expect(starts).toEqual(snapshotsAt);
    expect(readFileSync(threaded.feed.path).equals(readFileSync(onePass.feed.path))).toBe(true);
    expect(readFileSync(threaded.venue.path).equals(readFileSync(onePass.venue.path))).toBe(true);
    const memory = await loadReplay(files, { ...opts, cache: null });
    const venue = byNext(openColumnsByExchTime(memory.columns, memory.venueOrder)());
    expect(venue).not.toEqual(byNext(openColumns(memory.columns)()));
    expect(byNext(openCacheRows(threaded.venue)())).toEqual(venue);
  });
});

describe('the bundle ships the venue-order thread', () => {
  it('dist makes the entry the sources make, its venue file by the thread', async () => {
    const files = craftedFiles();
    const dir = tempDir();
    const fromSources = await streamedEntry(files, join(dir, 'sources'), 'stop', 0);
    const withPrepare = distChunkExporting('prepareStream');
    const withUnits = distChunkExporting('MarketUnits');
    expect(withPrepare && withUnits).toBeTruthy();
    const script = `
      import { prepareStream } from ${JSON.stringify(withPrepare)};
      import { MarketUnits } from ${JSON.stringify(withUnits)};
      const units = new MarketUnits({ symbol: 'X', tickSize: 1, lotSize: 0.1, makerFeeBps: 0, takerFeeBps: 0 });
      const options = { ...${JSON.stringify({ ...opts, units: undefined })}, units, cache: { dir: ${JSON.stringify(join(dir, 'dist'))}, venueThreadMinRows: 0 } };
      const entry = await prepareStream(${JSON.stringify(files)}, options);
      console.log(entry.venue.path);`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(readFileSync(result.stdout.trim()).equals(readFileSync(fromSources.venue.path))).toBe(true);
  });
});

describe('a venue file thread that fails while the feed is written (venue-order-thread.ts)', () => {
  it("stops the feed once the pipe is full, with the thread's own error; nothing of the entry left", async () => {
    // more chunks than the pipe has slots, and a thread that fails before it takes the first: the feed's
    // side waits for a slot, sees the thread failed (PipeStopped) and throws the thread's error
    const rows = 5 * (1 << 16);
    const c = allocateColumns(rows, false);
    for (let i = 0; i < rows; i++) {
      c.kind[i] = Kind.DELTA;
      c.flags[i] = FLAG_LAST | (i % 2 ? FLAG_ASK : 0);
      c.exchTs[i] = c.localTs[i] = 1_000_000 + i;
      c.price[i] = i % 2 ? 101 : 99;
      c.size[i] = 1 + (i % 5);
    }
    const dir = tempDir();
    const paths = { feed: join(dir, 'x.feed.cols'), venue: join(dir, 'no-such-folder', 'x.venue.cols') };
    const meta = { units: [], localShiftUs: 0, maxFeedLagUs: 0, startTs: 1_000_000, lastTs: 1_000_000 + rows - 1 };
    const feed = rowSourceOf(openColumns({ ...c, length: rows })());
    const before = venueThreads.started;
    const failure = await writeStreamedEntry(paths, feed, { rows, secondValues: false }, meta, () => [], 0).catch((error: unknown) => error);
    expect(venueThreads.started).toBe(before + 1);
    expect(failure).toMatchObject({ code: 'ENOENT', stack: expect.stringMatching(/venue-order-worker/) }); // the thread's own, with its stack
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('a streamed replay prepared for the first time reports its long steps (core/activity.ts)', () => {
  it('hashes and reads each file, then writes the entry (feed and venue order in one pass), each advancing to the end and done once; nothing from the cache', async () => {
    const files = craftedFiles();
    const dir = tempDir();
    const first = await activitiesOf(() => streamedEntry(files, dir));
    expect(first.map((a) => a.label)).toEqual([
      'hash x_incremental_book_L2.csv', // the files' SHA-256s, remembered in the cache folder after
      'hash x_trades.csv',
      'read book', // the files' names as the scenario gives them
      'read trades',
      'write the streamed replay entry', // the far prints screened out on the way
    ]);
    for (const a of first) {
      expect(a.done).toBe(1);
      expect(a.fractions.at(-1)).toBe(1);
      expect(a.fractions).toEqual([...a.fractions].sort((x, y) => x - y)); // never backwards
    }
    expect(await activitiesOf(() => streamedEntry(files, dir))).toEqual([]); // from the cache: nothing to wait for
  });
});
