import { describe, expect, it } from 'vitest';
import { PIPE_SLOTS, pipeMemory, PipeReader, PipeStopped, PipeWriter } from '../../src/data/chunk-pipe.ts';
import { allocateColumns } from '../../src/data/columns.ts';

/** A chunk of `count` rows whose exchTs are from, from + 1, … */
function chunk(from: number, count: number, rows = 4) {
  const c = allocateColumns(rows, false);
  for (let i = 0; i < count; i++) {
    c.exchTs[i] = from + i;
    c.kind[i] = 1;
  }
  return c;
}

describe('a pipe of row chunks between threads (chunk-pipe.ts), sides taken in turn on one thread', () => {
  it('hands the chunks over in order, as many rows as put, a ring of slots reused; 0 after the end', () => {
    const memory = pipeMemory(4, false);
    const reader = new PipeReader(memory);
    const writer = new PipeWriter(memory);
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < PIPE_SLOTS - 1; k++) {
        writer.put(chunk(next, 3), 3);
        next += 3;
      }
      writer.put(chunk(0, 0), 0); // nothing: not a chunk
      for (let k = 0; k < PIPE_SLOTS - 1; k++) {
        const count = reader.take();
        expect(count).toBe(3);
        seen.push(...reader.columns.exchTs.subarray(0, count));
        expect([...reader.columns.price2.subarray(0, count)]).toEqual([NaN, NaN, NaN]); // not stored: NaN
      }
    }
    writer.put(chunk(next, 2), 2);
    writer.end();
    expect(reader.take()).toBe(2);
    seen.push(...reader.columns.exchTs.subarray(0, 2));
    expect(reader.take()).toBe(0);
    expect(reader.take()).toBe(0);
    expect(seen).toEqual(Array.from({ length: next + 2 }, (_, i) => i));
  });

  it('a reader whose writer stopped throws PipeStopped; a writer whose reader failed too', () => {
    const memory = pipeMemory(4, true);
    const reader = new PipeReader(memory);
    const writer = new PipeWriter(memory);
    writer.put(chunk(0, 1, 4), 1);
    writer.stop();
    expect(() => reader.take()).toThrow(PipeStopped);

    const other = pipeMemory(4, true);
    const failing = new PipeReader(other);
    const blocked = new PipeWriter(other);
    failing.fail();
    expect(() => blocked.put(chunk(0, 1), 1)).toThrow(PipeStopped);
  });
});
