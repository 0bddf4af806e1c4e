import { describe, expect, it } from 'vitest';
import { matchFills } from '../../src/live/reconcile.ts';

const fill = (ts: number, side: string, price: number, size = 0.01, orderId = '') => ({
  ts,
  side,
  price,
  size,
  liquidity: 'maker',
  orderId,
});

describe('reconcile: pairing live and simulated fills', () => {
  it('pairs by side within the tolerance, prefers the same price, and labels the rest missed / extra, in time order', () => {
    const live = [
      fill(1_000_000, 'buy', 99.9, 0.01, 'L1'),
      fill(5_000_000, 'sell', 100.1, 0.01, 'L2'),
      fill(9_000_000, 'buy', 99.8, 0.01, 'L3'),
    ];
    const sim = [
      fill(1_200_000, 'buy', 99.8, 0.01, '1'), // closer in time but another price
      fill(1_900_000, 'buy', 99.9, 0.01, '2'), // same price, 0.9 s away: preferred
      fill(5_000_500, 'buy', 100.1, 0.01, '3'), // wrong side for L2
      fill(20_000_000, 'sell', 100.2, 0.01, '4'), // beyond the tolerance of L2
    ];
    const rows = matchFills(live, sim, 2_000_000);
    expect(rows.map((r) => [r.status, r.live?.orderId ?? null, r.sim?.orderId ?? null])).toEqual([
      ['matched', 'L1', '2'],
      ['extra', null, '1'],
      ['missed', 'L2', null],
      ['extra', null, '3'],
      ['missed', 'L3', null],
      ['extra', null, '4'],
    ]);
  });

  it('a simulated fill is used once', () => {
    const rows = matchFills([fill(0, 'buy', 1), fill(10, 'buy', 1)], [fill(5, 'buy', 1)], 1_000);
    expect(rows.map((r) => r.status)).toEqual(['matched', 'missed']);
  });
});
