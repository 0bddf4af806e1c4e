import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32Combine, finishChecking, openCacheFile, type CacheFile } from '../../src/data/cache.ts';
import { allocateColumns, Kind } from '../../src/data/columns.ts';
import { CorruptCacheError } from '../../src/data/corrupt-cache.ts';
import { openCacheRows } from '../../src/data/stream.ts';
import { allEventFields, flip, openAsRead, tempDir, writeCacheFile } from './helpers.ts';

/** Bytes 0, 1, … of a pseudo-random sequence (a fixed LCG: the same bytes on every run). */
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('crc32Combine (cache.ts)', () => {
  it('gives the CRC-32 of two pieces joined, from theirs and the second one’s length', () => {
    for (const [a, b] of [
      [0, 1],
      [5, 0],
      [3, 7],
      [1000, 8],
      [17, 65_537],
      [1 << 20, 123_457],
    ]) {
      const first = bytes(a, a + 1);
      const second = bytes(b, b + 2);
      const whole = new Uint8Array(a + b);
      whole.set(first);
      whole.set(second, a);
      const crcOf = (piece: Uint8Array) => (piece.length === 0 ? 0 : crc32(piece));
      expect(crc32Combine(crcOf(first), crcOf(second), b), `${a} + ${b} bytes`).toBe(crc32(whole));
    }
  });

  it('is associative over lengths beyond 2^32 bytes (any 32-bit value is the CRC of some piece of any length)', () => {
    const [x, y, z] = [0x1234_5678, 0x9abc_def0, 0x0f1e_2d3c];
    for (const [ly, lz] of [
      [2 ** 31 + 3, 2 ** 32 + 17],
      [5, 2 ** 33 + 1],
    ]) {
      expect(crc32Combine(crc32Combine(x, y, ly), z, lz)).toBe(crc32Combine(x, crc32Combine(y, z, lz), ly + lz));
    }
  });
});

/** A cache file of `rows` delta and trade rows (13 rows: the kind and flags columns end in padding); returns its path. */
function writeEntry(rows = 13): string {
  const path = join(tempDir(), 'entry.cols');
  const c = allocateColumns(rows, false);
  for (let i = 0; i < rows; i++) {
    c.kind[i] = i % 3 === 0 ? Kind.TRADE : Kind.DELTA;
    c.flags[i] = i % 2;
    c.exchTs[i] = 1_000 + i;
    c.localTs[i] = 1_005 + i;
    c.price[i] = 100 + (i % 5);
    c.size[i] = 1 + i;
  }
  return writeCacheFile(path, c, rows);
}

describe('a cache file checked as read (cache.ts)', () => {
  it('passes once its rows are read to the end, at any chunk size, and gives the rows a checked open gives', () => {
    const path = writeEntry();
    const expected = allEventFields(openCacheRows(openCacheFile(path) as CacheFile));
    for (const chunkRows of [1, 4, 13, 1000]) {
      const file = openAsRead(path);
      expect(file.check?.state).toBe('reading');
      expect(allEventFields(openCacheRows(file, chunkRows))).toEqual(expected);
      expect(file.check?.state, `${chunkRows} rows a chunk`).toBe('passed');
    }
    expect((openCacheFile(path) as CacheFile).check).toBeNull(); // checked on opening by default
  });

  it('a flipped byte of a column: the read of its last row throws CorruptCacheError and the file is removed', () => {
    const path = writeEntry();
    flip(path, -30); // inside the size column
    const file = openAsRead(path);
    const source = openCacheRows(file, 4)();
    let events = 0;
    expect(() => {
      while (source.next()) events++;
    }).toThrow(CorruptCacheError);
    expect(events).toBeGreaterThanOrEqual(8); // every chunk before the last was handed out
    expect(file.check?.state).toBe('failed');
    expect(existsSync(path)).toBe(false);
  });

  it('a flipped padding byte fails too (the same bytes as a check on opening)', () => {
    const path = writeEntry();
    const intact = openCacheFile(path) as CacheFile;
    const kindPadding = intact.offsets[0] + 13; // the kind column holds 13 bytes, padded to 16
    flip(path, kindPadding);
    expect(openCacheFile(path)).toBe('corrupt');
    expect(() => allEventFields(openCacheRows(openAsRead(path), 5))).toThrow(CorruptCacheError);
  });

  it('a run that stops early: finishChecking reads the rest, passing an intact file and failing a damaged one', () => {
    const intactPath = writeEntry();
    const intact = openAsRead(intactPath);
    openCacheRows(intact, 4)().next();
    finishChecking(intact);
    expect(intact.check?.state).toBe('passed');
    const path = writeEntry();
    flip(path, -30);
    const damaged = openAsRead(path);
    openCacheRows(damaged, 4)().next();
    expect(() => finishChecking(damaged)).toThrow(CorruptCacheError);
    expect(existsSync(path)).toBe(false);
  });

  it('a damaged header, or a file longer or shorter than its header says, is corrupt on opening', () => {
    const header = writeEntry();
    flip(header, 20);
    expect(openCacheFile(header, 'as-read')).toBe('corrupt');
    const longer = writeEntry();
    appendFileSync(longer, Buffer.alloc(8));
    expect(openCacheFile(longer, 'as-read')).toBe('corrupt');
    const shorter = writeEntry();
    writeFileSync(shorter, readFileSync(shorter).subarray(0, -8));
    expect(openCacheFile(shorter, 'as-read')).toBe('corrupt');
  });

  it('an empty file is checked on opening', () => {
    const path = writeEntry(0);
    expect(openAsRead(path).check?.state).toBe('passed');
    flip(path, 20);
    expect(openCacheFile(path, 'as-read')).toBe('corrupt');
  });
});
