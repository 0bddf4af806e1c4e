import { describe, expect, it } from 'vitest';
import { ColumnsBuilder, FLAG_LAST, Kind, type EventColumns } from '../../src/data/columns.ts';
import { mergeColumns } from '../../src/data/merge.ts';

function table(rows: [kind: number, localTs: number, tag: number][]): EventColumns {
  const b = new ColumnsBuilder(4);
  for (const [kind, ts, tag] of rows) b.push(kind, kind === Kind.DELTA ? FLAG_LAST : 0, ts, ts, tag, 1);
  return b.build();
}
const tags = (c: EventColumns) => Array.from(c.price);

describe('k-way merge by localTs', () => {
  it('orders by localTs, and at equal localTs: trades, then book rows, then quotes, then file order', () => {
    const book = table([
      [Kind.SNAPSHOT, 10, 1],
      [Kind.DELTA, 20, 2],
      [Kind.DELTA, 30, 3],
    ]);
    const trades = table([
      [Kind.TRADE, 20, 4],
      [Kind.TRADE, 25, 5],
    ]);
    const quotes = table([
      [Kind.QUOTE, 10, 6],
      [Kind.QUOTE, 20, 7],
    ]);
    const book2 = table([[Kind.DELTA, 20, 8]]);
    expect(tags(mergeColumns([book, trades, quotes, book2]))).toEqual([1, 6, 4, 2, 8, 7, 5, 3]);
    // the rule does not depend on the order files are given in, except between equal kinds
    expect(tags(mergeColumns([quotes, book2, trades, book]))).toEqual([1, 6, 4, 8, 2, 7, 5, 3]);
  });

  it('keeps price2 and size2 only when some input has quote or order rows: NaN on the rows of the others', () => {
    const book = table([
      [Kind.SNAPSHOT, 10, 1],
      [Kind.DELTA, 20, 2],
    ]);
    const trades = table([[Kind.TRADE, 15, 3]]);
    expect([book.price2.length, trades.size2.length]).toEqual([0, 0]);
    const bookAndTrades = mergeColumns([book, trades]);
    expect([bookAndTrades.price2.length, bookAndTrades.size2.length]).toEqual([0, 0]);
    const quotes = new ColumnsBuilder(4);
    quotes.push(Kind.QUOTE, 0, 12, 12, 100, 1, 101, 2);
    const all = mergeColumns([book, quotes.build(), trades]);
    expect(Array.from(all.price)).toEqual([1, 100, 3, 2]);
    expect(Array.from(all.price2)).toEqual([NaN, 101, NaN, NaN]);
    expect(Array.from(all.size2)).toEqual([NaN, 2, NaN, NaN]);
  });

  it('keeps one input’s rows in their order, so a message stays contiguous', () => {
    const a = table([
      [Kind.SNAPSHOT, 5, 1],
      [Kind.DELTA, 5, 2],
      [Kind.DELTA, 5, 3],
    ]);
    const b = table([
      [Kind.TRADE, 5, 4],
      [Kind.QUOTE, 5, 5],
    ]);
    expect(tags(mergeColumns([a, b]))).toEqual([4, 1, 2, 3, 5]);
    const merged = mergeColumns([a, b]);
    expect(merged.length).toBe(5);
    expect(Array.from(merged.localTs)).toEqual([5, 5, 5, 5, 5]);
  });

  it('returns a lone input as is and handles empty inputs', () => {
    const a = table([[Kind.TRADE, 1, 1]]);
    expect(mergeColumns([a, table([])])).toBe(a);
    expect(mergeColumns([]).length).toBe(0);
  });
});
