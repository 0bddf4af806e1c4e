import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ChunkedCacheWriter, readCache, type CacheMeta, type CacheWriterPlan } from '../../src/data/cache.ts';
import { allocateColumns, Kind } from '../../src/data/columns.ts';
import { SLOT_BYTES, WRITE_BEHIND_SLOTS, WriteBehind } from '../../src/data/write-behind.ts';
import { ROOT } from '../spawn-cli.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'write-behind-'));

/** `length` bytes counting up from `seed` (mod 251, so that a piece out of place shows). */
function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed + i) % 251;
  return bytes;
}

describe('WriteBehind: writes made by a thread behind the caller (write-behind.ts)', () => {
  it('writes at positions and at the descriptor’s own position, to two files, in the order given, larger writes over several slots', () => {
    const dir = tempDir();
    const placed = openSync(join(dir, 'placed'), 'w+');
    const appended = openSync(join(dir, 'appended'), 'w+');
    const big = pattern(SLOT_BYTES * 2 + 12_345, 1); // three slots
    const small = pattern(1000, 2);
    const behind = new WriteBehind();
    // more writes than the ring holds: the caller waits for slots the thread has written
    for (let round = 0; round < WRITE_BEHIND_SLOTS; round++) {
      behind.write(placed, small, round * 1000);
      behind.write(appended, big, -1);
    }
    behind.write(placed, big, 50_000); // past the end: a hole before it, as a positional write makes
    behind.flush();
    behind.close();
    closeSync(placed);
    closeSync(appended);
    const expectedPlaced = new Uint8Array(50_000 + big.length);
    for (let round = 0; round < WRITE_BEHIND_SLOTS; round++) expectedPlaced.set(small, round * 1000);
    expectedPlaced.set(big, 50_000);
    expect(readFileSync(join(dir, 'placed')).equals(expectedPlaced)).toBe(true);
    const expectedAppended = new Uint8Array(big.length * WRITE_BEHIND_SLOTS);
    for (let round = 0; round < WRITE_BEHIND_SLOTS; round++) expectedAppended.set(big, round * big.length);
    expect(readFileSync(join(dir, 'appended')).equals(expectedAppended)).toBe(true);
  });

  it('a failed write is thrown by the next flush with the error’s message and code, as a write on the caller’s thread would be', () => {
    const path = join(tempDir(), 'read-only');
    writeFileSync(path, 'x');
    const fd = openSync(path, 'r'); // writes fail: EBADF
    const behind = new WriteBehind();
    behind.write(fd, pattern(10, 0), 0);
    let thrown: unknown;
    try {
      behind.flush();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as NodeJS.ErrnoException).code).toBe('EBADF');
    expect((thrown as Error).message).toMatch(/EBADF/);
    expect(() => behind.write(fd, pattern(10, 0), 0)).toThrow(/EBADF/); // and every later write
    behind.close();
    closeSync(fd);
    expect(readFileSync(path, 'utf8')).toBe('x');
  });
});

describe('ChunkedCacheWriter written behind by a thread: the same file, byte for byte', () => {
  const META = { format: 'test', symbol: 'T', lines: 0, dropped: 0, gaps: 0 };

  /** A chunk of `rows` rows from row `from`: deltas and trades, a quote at `quoteAt` (a chunk index) when given. */
  function chunk(rows: number, from: number, quoteAt = -1) {
    const quotes = quoteAt >= 0;
    const c = allocateColumns(rows, quotes);
    for (let i = 0; i < rows; i++) {
      c.kind[i] = i === quoteAt ? Kind.QUOTE : i % 5 === 0 ? Kind.TRADE : Kind.DELTA;
      c.exchTs[i] = from + i;
      c.localTs[i] = from + i + 7;
      c.price[i] = 1000 + ((from + i) % 37);
      c.size[i] = 1 + ((from + i) % 11);
      if (quotes) {
        c.price2[i] = i === quoteAt ? 2000 : NaN;
        c.size2[i] = i === quoteAt ? 3 : NaN;
      }
    }
    return c;
  }

  /** The file written from chunks of these sizes (a quote in chunk `quoteChunk` when given); its path. */
  function written(sizes: number[], plan: CacheWriterPlan<CacheMeta> | null, writeBehind: boolean, quoteChunk = -1): string {
    const path = join(tempDir(), 'entry.cols');
    const writer = new ChunkedCacheWriter(path, plan, writeBehind);
    let from = 0;
    sizes.forEach((rows, k) => {
      writer.append(chunk(rows, from, k === quoteChunk ? 3 : -1), rows);
      from += rows;
    });
    writer.finish(META, []);
    expect(readdirSync(join(path, '..'))).toEqual(['entry.cols']); // no temporary file left
    return path;
  }

  // chunks of 150 k rows: each f64 column's bytes (1.2 MB) take two of the ring's slots
  const SIZES = [150_000, 150_000, 40_000];
  const ROWS = 340_000;
  const plan = (rows: number, secondValues = false) => ({ rows, secondValues, meta: META, problems: [] });

  it.each([
    ['a plan that holds (the columns written in place)', plan(ROWS), -1],
    ['fewer rows than planned (room left in each column)', plan(ROWS + 1000), -1],
    ['more rows than planned (the rest in temporary files, then concatenated)', plan(200_000), -1],
    ['a quote in the second chunk (price2 and size2 from then on: temporary files)', plan(ROWS), 1],
    ['planned with price2 and size2', plan(ROWS, true), 1],
  ])('%s', (_name, planned, quoteChunk) => {
    const behind = written(SIZES, planned, true, quoteChunk);
    expect(readFileSync(behind).equals(readFileSync(written(SIZES, planned, false, quoteChunk)))).toBe(true);
    const entry = readCache(behind); // its checksum checked
    if (typeof entry === 'string') throw new Error(entry);
    expect(entry.columns.length).toBe(ROWS);
    expect(entry.columns.price2.length).toBe(quoteChunk >= 0 ? ROWS : 0);
  });

  it('an abandoned writer (abort with writes still waiting) leaves no file behind', () => {
    const dir = tempDir();
    const writer = new ChunkedCacheWriter(join(dir, 'entry.cols'), plan(ROWS), true);
    writer.append(chunk(150_000, 0), 150_000);
    writer.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the bundle ships the thread: dist writes a file behind, as the sources do', () => {
    const chunks = join(ROOT, 'dist/chunks');
    const withWriter = readdirSync(chunks).find((name) => /^export \{[^}]*\bChunkedCacheWriter\b/m.test(readFileSync(join(chunks, name), 'utf8')));
    expect(withWriter).toBeTruthy();
    const path = join(tempDir(), 'entry.cols');
    const script = `
      import { ChunkedCacheWriter, readCache } from ${JSON.stringify(pathToFileURL(join(chunks, withWriter!)).href)};
      const c = { kind: new Uint8Array(1000).fill(1), flags: new Uint8Array(1000), exchTs: new Float64Array(1000).map((_, i) => i),
        localTs: new Float64Array(1000).map((_, i) => i), price: new Float64Array(1000).fill(5), size: new Float64Array(1000).fill(2),
        price2: new Float64Array(0), size2: new Float64Array(0) };
      const writer = new ChunkedCacheWriter(${JSON.stringify(path)}, { rows: 1000, secondValues: false, meta: {}, problems: [] }, true);
      writer.append(c, 1000);
      writer.finish({}, []);
      const entry = readCache(${JSON.stringify(path)});
      console.log(entry.columns.length, entry.columns.exchTs[999]);`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('1000 999');
  });
});
