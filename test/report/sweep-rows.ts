import type { SweepRow } from '../../src/report/sweep-page.ts';

/** A hand-made 3 × 3 grid over spread and skew, two seeds each; the best config is spread 10, skew 0.5. */
export function handRows(withOutOfSample = false): SweepRow[] {
  const rows: SweepRow[] = [];
  let run = 0;
  let config = 0;
  for (const spread of [5, 10, 20]) {
    for (const skew of [0, 0.5, 1]) {
      for (const seed of [1, 2]) {
        const pnl =
          (spread === 10 && skew === 0.5 ? 0.05 : 0.01 * (spread / 10) - 0.02 * Math.abs(skew - 0.5)) +
          seed * 0.001 -
          (spread === 5 ? 0.03 : 0);
        const row: SweepRow = {
          run: run++,
          config,
          seed,
          'strategy.spreadBps': spread,
          'strategy.skewFactor': skew,
          'pnl.total': pnl,
          'realizedSpreadBps.30s': spread / 2 - 4 + seed * 0.1,
          'fills.count': Math.round(400 / spread) + seed,
        };
        if (withOutOfSample) {
          row['train.pnl.total'] = pnl;
          row['test.pnl.total'] = pnl * 0.6 - 0.001;
        }
        rows.push(row);
      }
      config++;
    }
  }
  return rows;
}
