import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MarketEventSource } from '../../src/core/events.ts';
import { onWarning } from '../../src/core/warnings.ts';
import { Kind, openColumns, RowEvents, type RowSource } from '../../src/data/columns.ts';
import { CorruptCacheError } from '../../src/data/corrupt-cache.ts';
import { openColumnsByExchTime } from '../../src/data/exchange-order.ts';
import { loadReplay, prepareStream, type StreamedReplay } from '../../src/data/replay.ts';
import { rowSourceOf } from '../../src/data/row-source.ts';
import { openCacheRows } from '../../src/data/stream.ts';
import { activitiesOf, corruptFile, craftedFiles, tempDir, units } from './helpers.ts';

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

async function streamed(files: { path: string; display: string }[], dir: string, onError: 'stop' | 'skip' = 'stop'): Promise<StreamedReplay> {
  const s = await prepareStream(files, { ...opts, onError, cache: { dir } });
  if (!s) throw new Error('the cache folder could not be used');
  return s;
}

/** Whether a cache file was written in place, as planned (cache.ts ChunkedCacheWriter): its JSON header is padded with spaces. */
function writtenInPlace(path: string): boolean {
  const bytes = readFileSync(path);
  return bytes.toString('utf8', 16, 16 + bytes.readUInt32LE(8)).endsWith(' ');
}

describe('the streamed replay entry (stream-entry.ts)', () => {
  it('holds the in-memory feed and venue events, cold and warm, read at any chunk size and as rows', async () => {
    const files = craftedFiles();
    const memory = await loadReplay(files, { ...opts, cache: null });
    const feed = byNext(openColumns(memory.columns)());
    const venue = byNext(openColumnsByExchTime(memory.columns, memory.venueOrder)());
    expect(venue).not.toEqual(feed); // the late trades move
    expect(memory.localShiftUs).toBe(0);
    const dir = tempDir();
    const cold = await streamed(files, dir);
    const warm = await streamed(files, dir);
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

  it('under onError stop, a far print ends the first load with its problem and leaves no entry', async () => {
    const files = craftedFiles(true);
    const dir = tempDir();
    await expect(streamed(files, dir, 'stop')).rejects.toThrow(/far outside the book/);
    expect(readdirSync(join(dir, 'streams'))).toEqual([]); // neither file, nor a temporary one
    const again = await streamed(craftedFiles(), dir, 'stop'); // the folder is still usable
    expect(again.problems.list).toEqual([]);
  });
});

describe('a streamed replay prepared for the first time reports its long steps (core/activity.ts)', () => {
  it('hashes and reads each file, then writes the entry (feed and venue order in one pass), each advancing to the end and done once; nothing from the cache', async () => {
    const files = craftedFiles();
    const dir = tempDir();
    const first = await activitiesOf(() => streamed(files, dir));
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
    expect(await activitiesOf(() => streamed(files, dir))).toEqual([]); // from the cache: nothing to wait for
  });
});
