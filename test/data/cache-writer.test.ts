import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkedCacheWriter, readCache } from '../../src/data/cache.ts';
import { allocateColumns, Kind } from '../../src/data/columns.ts';

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

/** Writes the chunks (each a list of row kinds) through one ChunkedCacheWriter and reads the entry back. */
function writeAndRead(chunks: number[][]) {
  const path = join(mkdtempSync(join(tmpdir(), 'cache-writer-')), 'entry.cols');
  const writer = new ChunkedCacheWriter(path);
  let from = 0;
  for (const kinds of chunks) {
    writer.append(chunk(kinds, from), kinds.length);
    from += kinds.length;
  }
  writer.finish(META, []);
  const entry = readCache(path);
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
