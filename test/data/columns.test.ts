import { describe, expect, it } from 'vitest';
import { ColumnsBuilder, Kind, type EventColumns } from '../../src/data/columns.ts';

describe('ColumnsBuilder', () => {
  it('leaves price2 and size2 empty until a quote row, then NaN on the rows before it', () => {
    const b = new ColumnsBuilder(2);
    b.push(Kind.TRADE, 0, 1, 1, 100, 5);
    b.push(Kind.DELTA, 0, 2, 2, 101, 6);
    b.push(Kind.TRADE, 0, 3, 3, 102, 7); // grows
    expect(b.build().price2.length).toBe(0);
    b.push(Kind.QUOTE, 0, 4, 4, 99, 1, 103, 2);
    b.push(Kind.TRADE, 0, 5, 5, 104, 8);
    const c = b.build();
    expect(Array.from(c.price)).toEqual([100, 101, 102, 99, 104]);
    expect(Array.from(c.price2)).toEqual([NaN, NaN, NaN, 103, NaN]);
    expect(Array.from(c.size2)).toEqual([NaN, NaN, NaN, 2, NaN]);
  });

  it('hands spilled rows out with empty second columns before the first quote, and NaN after it on other rows', () => {
    const b = new ColumnsBuilder(3);
    const spilled: { price: number[]; price2: number[] }[] = [];
    b.spillTo((cols, count) => spilled.push({ price: Array.from(cols.price.subarray(0, count)), price2: Array.from(cols.price2.subarray(0, count)) }));
    for (let i = 0; i < 4; i++) b.push(Kind.TRADE, 0, i, i, 100 + i, 1);
    b.push(Kind.QUOTE, 0, 4, 4, 99, 1, 105, 2);
    for (let i = 5; i < 8; i++) b.push(Kind.TRADE, 0, i, i, 100 + i, 1);
    expect(spilled).toEqual([
      { price: [100, 101], price2: [] },
      { price: [102, 103], price2: [NaN, NaN] },
      { price: [99, 105], price2: [105, NaN] },
    ]);
    const rest: EventColumns = b.build();
    expect(Array.from(rest.price)).toEqual([106, 107]);
    expect(Array.from(rest.price2)).toEqual([NaN, NaN]);
  });

  it('returns views of its buffer when the rows fill most of it, copies otherwise', () => {
    const full = new ColumnsBuilder(4);
    for (let i = 0; i < 3; i++) full.push(Kind.TRADE, 0, i, i, i, 1);
    expect(full.build().price.buffer.byteLength).toBe(4 * 8);
    const sparse = new ColumnsBuilder(8);
    for (let i = 0; i < 3; i++) sparse.push(Kind.TRADE, 0, i, i, i, 1);
    const c = sparse.build();
    expect(c.price.buffer.byteLength).toBe(3 * 8);
    expect(Array.from(c.exchTs)).toEqual([0, 1, 2]);
  });
});
