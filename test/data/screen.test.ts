import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/core/events.ts';
import { ProblemLog } from '../../src/data/problems.ts';
import { rowSourceOf } from '../../src/data/row-source.ts';
import { withoutFarPrintRows } from '../../src/data/screen.ts';

const trade = (ts: number, price: number): MarketEvent => ({ kind: 'trade', exchTs: ts, localTs: ts, price, size: 1, takerSide: 'sell' });
const bid = (ts: number, price: number, size: number, last: boolean): MarketEvent => ({ kind: 'delta', exchTs: ts, localTs: ts, side: 'bid', price, size, last });

/**
 * A crafted market in ticks: a trade before any book (nothing to compare with), a snapshot with bid 100 and
 * ask 101, a print at 49 (below half the bid: far), one at 50 (half the bid: kept), the bid moved down to 30,
 * a print at 20 (far from the old bid, within reach of the new one: kept), one at 203 (above twice the ask).
 */
const market: MarketEvent[] = [
  trade(1, 5),
  { kind: 'snapshot', exchTs: 2, localTs: 2, bidPrices: [100], bidSizes: [1], askPrices: [101], askSizes: [1] },
  trade(3, 49),
  trade(4, 50),
  bid(5, 100, 0, false),
  bid(5, 30, 1, true),
  trade(6, 20),
  trade(7, 203),
];

/** Every event the screened rows yield (each row peeked at twice first, as a reorder buffer may), and the log. */
function screened(mode: 'skip' | 'stop'): { kept: string[]; problems: ProblemLog } {
  const problems = new ProblemLog(mode);
  let k = 0;
  const rows = withoutFarPrintRows(rowSourceOf({ next: () => market[k++] ?? null }), 'trades.csv', 0.5, problems);
  const kept: string[] = [];
  for (let i = rows.peekRow(); i >= 0; i = rows.peekRow()) {
    rows.peekRow();
    kept.push(JSON.stringify(rows.next()));
  }
  return { kept, problems };
}

describe('withoutFarPrintRows (screen.ts): far prints screened out as a merged stream is read', () => {
  it('drops each print far from the book of the rows before it and reports it once, under skip', () => {
    const { kept, problems } = screened('skip');
    expect(kept).toEqual([0, 1, 3, 4, 5, 6].map((i) => JSON.stringify(market[i])));
    expect(problems.list.map((p) => [p.file, p.message])).toEqual([
      ['trades.csv', expect.stringMatching(/price 24\.5 is far outside the book, below half the best bid \(bid 50, ask 50\.5\)/)],
      ['trades.csv', expect.stringMatching(/price 101\.5 is far outside the book, above twice the best ask \(bid 15, ask 50\.5\)/)],
    ]);
  });

  it('ends the read at the first far print under stop', () => {
    expect(() => screened('stop')).toThrow(/price 24\.5 is far outside the book/);
  });
});
