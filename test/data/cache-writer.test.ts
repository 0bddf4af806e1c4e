import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import {
  ChunkedCacheWriter,
  crc32OfZeros,
  finishChecking,
  openCacheFile,
  readCache,
  type CacheFile,
  type CacheMeta,
  type CacheWriterPlan,
} from '../../src/data/cache.ts';
import { allocateColumns, Kind, RowEvents, type RowSource } from '../../src/data/columns.ts';
import { CorruptCacheError } from '../../src/data/corrupt-cache.ts';
import { openCacheRows } from '../../src/data/stream.ts';

/** A chunk of `kinds` rows, row i at time `from + i`; quote rows carry price2/size2, the others leave them empty (as the readers' builder does). */
function chunk(kinds: number[], from: number) {
  const quotes = kinds.includes(Kind.QUOTE);
  const c = allocateColumns(kinds.length, quotes);
  kinds.forEach((kind, i) => {
    c.kind[i] = kind;
    c.exchTs[i] = c.localTs[i] = from + i;
    c.price[i] = 100 + from + i;
    c.size[i] = 1;
    if (quotes) {
      c.price2[i] = kind === Kind.QUOTE ? 200 + from + i : NaN;
      c.size2[i] = kind === Kind.QUOTE ? 2 : NaN;
    }
  });
  return c;
}

const META = { format: 'test', symbol: 'T', lines: 0, dropped: 0, gaps: 0 };

/** Writes the chunks (each a list of row kinds) through one ChunkedCacheWriter (with `plan` when given) at a new path; returns the path. */
function write(chunks: number[][], plan: CacheWriterPlan<CacheMeta> | null = null, problems = plan?.problems ?? []): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cache-writer-')), 'entry.cols');
  const writer = new ChunkedCacheWriter(path, plan);
  let from = 0;
  for (const kinds of chunks) {
    writer.append(chunk(kinds, from), kinds.length);
    from += kinds.length;
  }
  writer.finish(META, problems);
  return path;
}

/** Every row's event as text, read chunk by chunk (the last row read completes a check as read). */
function byRows(source: RowSource): string[] {
  const out: string[] = [];
  const events = new RowEvents();
  for (let i = source.peekRow(); i >= 0; i = source.peekRow()) {
    out.push(JSON.stringify(events.read(source.rows, i, 0)));
    source.skipRow();
  }
  return out;
}

/** Writes the chunks (each a list of row kinds) through one ChunkedCacheWriter and reads the entry back. */
function writeAndRead(chunks: number[][]) {
  const entry = readCache(write(chunks));
  if (typeof entry === 'string') throw new Error(entry);
  return entry;
}

describe('ChunkedCacheWriter: price2 and size2 kept only when a row uses them', () => {
  it('book and trade rows only: the entry has no second values', () => {
    const entry = writeAndRead([[Kind.DELTA, Kind.TRADE], [Kind.DELTA]]);
    expect(entry.columns.length).toBe(3);
    expect(entry.columns.price2.length).toBe(0);
    expect([...entry.columns.price]).toEqual([100, 101, 102]);
  });

  it('a quote in a later chunk: the rows before it read NaN, its own values are kept', () => {
    const entry = writeAndRead([[Kind.DELTA, Kind.TRADE, Kind.DELTA], [Kind.DELTA, Kind.QUOTE], [Kind.TRADE]]);
    expect(entry.columns.length).toBe(6);
    expect([...entry.columns.price2]).toEqual([NaN, NaN, NaN, NaN, 204, NaN]);
    expect([...entry.columns.size2]).toEqual([NaN, NaN, NaN, NaN, 2, NaN]);
    expect([...entry.columns.localTs]).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('ChunkedCacheWriter with a plan: the columns written in place, once', () => {
  const BOOK = [[Kind.DELTA, Kind.TRADE, Kind.DELTA], [Kind.DELTA, Kind.DELTA], [Kind.TRADE]];
  const plan = (rows: number, secondValues = false, problems: CacheWriterPlan<CacheMeta>['problems'] = []) => ({ rows, secondValues, meta: META, problems });
  const PROBLEM = { file: 'f.csv', line: 3, column: 7, message: 'not a number' };

  /** The JSON header's text as stored (its length is in the prefix). */
  const headerText = (path: string) => {
    const bytes = readFileSync(path);
    return bytes.toString('utf8', 16, 16 + bytes.readUInt32LE(8));
  };

  it('reads back as the same entry as without a plan, its header padded with spaces, its checksum right', () => {
    const planned = write(BOOK, plan(6, false, [PROBLEM]));
    const unplanned = write(BOOK, null, [PROBLEM]);
    expect(readCache(planned)).toEqual(readCache(unplanned));
    expect(headerText(planned)).toMatch(/} +$/);
    expect(headerText(unplanned)).toMatch(/}$/);
    // readCache checks the whole file's CRC-32; checked as read, the columns' CRCs are combined instead
    const file = openCacheFile(planned, 'as-read') as CacheFile;
    finishChecking(file);
    expect(file.check?.state).toBe('passed');
    expect(readdirSync(join(planned, '..'))).toEqual(['entry.cols']); // no temporary file left
  });

  it('planned without stats (a streamed entry\'s files): the same rows, no stats in the header, in place', () => {
    const planned = write(BOOK, { ...plan(6), stats: false });
    const file = openCacheFile(planned) as CacheFile;
    expect(file.stats).toBeNull();
    expect((openCacheFile(write(BOOK, plan(6))) as CacheFile).stats).toMatchObject({ firstLocalTs: 0, lastLocalTs: 5, trades: 2 });
    expect(byRows(openCacheRows(file, 2)() as RowSource)).toEqual(byRows(openCacheRows(openCacheFile(write(BOOK)) as CacheFile, 2)() as RowSource));
    expect(headerText(planned)).toMatch(/} +$/);
  });

  it('planned with price2 and size2: kept, NaN where no row uses them', () => {
    const entry = readCache(write(BOOK, plan(6, true)));
    if (typeof entry === 'string') throw new Error(entry);
    expect([...entry.columns.price2]).toEqual([NaN, NaN, NaN, NaN, NaN, NaN]);
    expect([...entry.columns.price]).toEqual([100, 101, 102, 103, 104, 105]);
  });

  it('fewer rows than planned: in place, each column keeping the room it did not fill; every read and check agrees', () => {
    for (const chunks of [BOOK, []]) {
      const planned = write(chunks, plan(9, false, [PROBLEM]));
      const unplanned = write(chunks, null, [PROBLEM]);
      expect(headerText(planned)).toMatch(/"capacity":9} +$/);
      expect(readFileSync(planned).length).toBeGreaterThan(readFileSync(unplanned).length);
      expect(readCache(planned)).toEqual(readCache(unplanned));
      const now = openCacheFile(planned, 'now') as CacheFile;
      expect([now.length, now.capacity]).toEqual([chunks.flat().length, 9]);
      const asRead = openCacheFile(planned, 'as-read') as CacheFile;
      const rows = byRows(openCacheRows(asRead, 2, false)() as RowSource);
      expect(rows).toEqual(byRows(openCacheRows(openCacheFile(unplanned) as CacheFile, 4, false)() as RowSource));
      expect(asRead.check?.state).toBe('passed');
      expect(readdirSync(join(planned, '..'))).toEqual(['entry.cols']);
    }
  });

  it("the room a column did not fill is under the file's checksum", () => {
    const path = write(BOOK, plan(9));
    const bytes = readFileSync(path);
    const file = openCacheFile(path) as CacheFile;
    bytes[file.offsets[2] + 6 * 8 + 5] ^= 1; // exchTs's room after its 6 rows
    writeFileSync(path, bytes);
    expect(openCacheFile(path, 'now')).toBe('corrupt');
    const asRead = openCacheFile(path, 'as-read') as CacheFile;
    expect(() => finishChecking(asRead)).toThrow(CorruptCacheError);
  });

  it('a plan that does not hold (a room larger than a quarter of the rows and 4096, a longer header): the same file as without a plan', () => {
    expect(readFileSync(write(BOOK, plan(6 + 4096 + 2)))).toEqual(readFileSync(write(BOOK)));
    expect(headerText(write(BOOK, plan(6 + 4096 + 1)))).toMatch(/"capacity":4103} +$/); // the limit: still in place
    const long = { ...PROBLEM, message: 'x'.repeat(500) }; // longer than the room the plan's header leaves
    const withProblem = readFileSync(write(BOOK, null, [long]));
    expect(readFileSync(write(BOOK, plan(6), [long]))).toEqual(withProblem);
  });

  it('zero rows, and non-ASCII metadata and problems (the room is counted in bytes): each check passes', () => {
    const wide = { ...META, symbol: 'ÉTH€😀' };
    const problems = [{ file: 'fé.csv', line: 3, column: 7, message: 'pas un nombre ✓ 😀' }];
    for (const chunks of [[], BOOK]) {
      const rows = chunks.flat().length;
      const dir = mkdtempSync(join(tmpdir(), 'cache-writer-'));
      const path = join(dir, 'entry.cols');
      const writer = new ChunkedCacheWriter(path, { rows, secondValues: false, meta: wide, problems });
      let from = 0;
      for (const kinds of chunks) {
        writer.append(chunk(kinds, from), kinds.length);
        from += kinds.length;
      }
      writer.finish(wide, problems);
      writer.abort(); // after finish, and twice: nothing to do
      expect(headerText(path)).toMatch(/} +$/); // written in place
      const entry = readCache(path);
      if (typeof entry === 'string') throw new Error(entry);
      expect([entry.meta, entry.problems, entry.columns.length]).toEqual([wide, problems, rows]);
      expect(typeof openCacheFile(path, 'now')).toBe('object');
      const file = openCacheFile(path, 'as-read') as CacheFile;
      finishChecking(file, 4);
      expect(file.check?.state).toBe('passed');
      expect(readdirSync(dir)).toEqual(['entry.cols']);
    }
  });

  it.skipIf(!existsSync('/proc/self/io'))('a short plan costs the copy a file written without one takes, not more (bytes written, /proc/self/io)', () => {
    const written = (): number => Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
    const rows = Array.from({ length: 20 }, () => Array.from({ length: 10_000 }, (_, i) => (i % 7 === 0 ? Kind.TRADE : Kind.DELTA)));
    const cost = (p: CacheWriterPlan<CacheMeta> | null): number => {
      const before = written();
      write(rows, p);
      return written() - before;
    };
    const none = cost(null);
    const exact = cost(plan(200_000));
    const short = cost(plan(100_000));
    expect(exact).toBeLessThan(none * 0.55); // the rows once, against twice
    expect(short).toBeLessThan(none * 1.02); // moving the 100,000 rows written in place would add a quarter
    expect(readCache(write(rows, plan(100_000)))).toEqual(readCache(write(rows)));
  });

  it('a plan of more rows than 2^31 bytes a column holds: its places are right (they were bitwise, and wrapped)', () => {
    const path = write([[Kind.DELTA]], plan(300_000_000)); // written in a sparse file, then concatenated (too much room)
    const entry = readCache(path);
    if (typeof entry === 'string') throw new Error(entry);
    expect([entry.columns.length, entry.columns.exchTs[0], entry.columns.price[0], entry.columns.size[0]]).toEqual([1, 0, 100, 1]);
  });

  it('more rows than planned, or second values the plan leaves out: the same file as without a plan, nothing else left', () => {
    expect(readFileSync(write(BOOK, plan(4)))).toEqual(readFileSync(write(BOOK)));
    const quotes = [[Kind.DELTA, Kind.TRADE], [Kind.QUOTE, Kind.DELTA]];
    expect(readFileSync(write(quotes, plan(4)))).toEqual(readFileSync(write(quotes)));
    const overflowed = write(BOOK, plan(2, true)); // price2 and size2 planned: kept as NaN after the move
    expect(readCache(overflowed)).toEqual(readCache(write(BOOK, plan(6, true))));
    expect(readdirSync(join(overflowed, '..'))).toEqual(['entry.cols']);
  });
});

describe('crc32OfZeros', () => {
  it("is zlib's CRC-32 continued over that many zero bytes", () => {
    for (const [start, bytes] of [[0, 0], [0, 1], [12345, 7], [0xdeadbeef, 1000], [1, (1 << 20) + 3]]) {
      expect(crc32OfZeros(start, bytes), `${bytes} zeros after ${start}`).toBe(crc32(Buffer.alloc(bytes), start));
    }
  });
});
