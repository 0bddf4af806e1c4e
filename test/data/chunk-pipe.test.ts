import { describe, expect, it } from 'vitest';
import { pipeMemory, PipeReader, PipeStopped, PipeWriter } from '../../src/data/chunk-pipe.ts';
import { allocateColumns, Kind } from '../../src/data/columns.ts';

/** A chunk of `count` delta rows whose exchTs are from, from + 1, … */
function chunk(from: number, count: number) {
  const c = allocateColumns(4, false);
  for (let i = 0; i < count; i++) c.exchTs[i] = from + i;
  return c;
}

const alive = () => true;

describe('a pipe of row chunks between threads (chunk-pipe.ts), both sides on one thread', () => {
  it('hands the chunks over in order as views on their slots; a put never blocks, drain awaits room; 0 after the end', async () => {
    const memory = pipeMemory(4, false);
    const writer = new PipeWriter(memory);
    const reader = new PipeReader(memory);
    for (let k = 0; k < 5; k++) writer.put(chunk(3 * k, 3), 3); // three slots: two chunks wait in the writer
    writer.put(chunk(0, 0), 0); // nothing: not a chunk
    const seen: number[] = [];
    const take = () => {
      const count = reader.take();
      seen.push(...reader.columns.exchTs.subarray(0, count));
      return count;
    };
    expect([take(), take(), take()]).toEqual([3, 3, 3]); // slots 0 and 1 handed back, 2 held
    expect([...reader.columns.price2.subarray(0, 3)]).toEqual([NaN, NaN, NaN]); // not carried: NaN
    let drained = false;
    const draining = writer.drain(alive).then(() => (drained = true)); // moves the waiting chunks into slots 0 and 1 at once
    await Promise.resolve();
    expect(drained).toBe(false); // the next slot (2) is still held
    expect(take()).toBe(3); // hands slot 2 back
    await draining;
    expect(take()).toBe(3);
    writer.end();
    expect(reader.take()).toBe(0);
    expect(reader.take()).toBe(0);
    expect(seen).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it('a reader whose writer stopped throws PipeStopped; a writer whose reader failed, closed early or is not alive, when it drains', async () => {
    const stopped = pipeMemory(4, true);
    const writer = new PipeWriter(stopped);
    const reader = new PipeReader(stopped);
    writer.put(chunk(0, 1), 1);
    writer.stop();
    expect(() => reader.take()).toThrow(PipeStopped);

    const failed = pipeMemory(4, true);
    new PipeReader(failed).fail();
    await expect(new PipeWriter(failed).drain(alive)).rejects.toThrow(PipeStopped);

    const closed = pipeMemory(4, true);
    const early = new PipeReader(closed);
    const closedWriter = new PipeWriter(closed);
    closedWriter.put(chunk(0, 1), 1);
    expect(early.take()).toBe(1);
    early.close(); // before the end: gives up
    await expect(closedWriter.drain(alive)).rejects.toThrow(PipeStopped);

    const gone = pipeMemory(4, true);
    const waitingWriter = new PipeWriter(gone);
    for (let k = 0; k < 4; k++) waitingWriter.put(chunk(0, 1), 1); // the fourth waits for a slot no reader frees
    await expect(waitingWriter.drain(() => false)).rejects.toThrow(/ended/);
  });

  it('refuses a row with price2 and size2 in a pipe made without them', () => {
    const writer = new PipeWriter(pipeMemory(4, false));
    const quote = allocateColumns(4);
    quote.kind[1] = Kind.QUOTE;
    expect(() => writer.put(quote, 2)).toThrow(/price2 and size2/);
  });
});
