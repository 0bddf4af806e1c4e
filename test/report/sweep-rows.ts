import type { SweepPageConfig, SweepPageInput } from '../../src/report/sweep-page.ts';
import { sweepMetrics } from '../../src/report/sweep-page.ts';
import { groupByConfig, metricFigure, type ResultRow } from '../../src/sweep/objective.ts';

/** A hand-made 3 × 3 grid over spread and skew, two seeds each; the best config is spread 10, skew 0.5. */
export function handRows(): ResultRow[] {
  const rows: ResultRow[] = [];
  let run = 0;
  let config = 0;
  for (const spread of [5, 10, 20]) {
    for (const skew of [0, 0.5, 1]) {
      for (const seed of [1, 2]) {
        const pnl =
          (spread === 10 && skew === 0.5 ? 0.05 : 0.01 * (spread / 10) - 0.02 * Math.abs(skew - 0.5)) +
          seed * 0.001 -
          (spread === 5 ? 0.03 : 0);
        rows.push({
          run: run++,
          config,
          seed,
          'strategy.spreadBps': spread,
          'strategy.skewFactor': skew,
          'pnl.total': pnl,
          'netRealizedSpreadStats.30s.mean': spread / 2 - 4 + seed * 0.1,
          'netRealizedSpreadStats.30s.ci95Low': spread / 2 - 5,
          'netRealizedSpreadStats.30s.ci95High': spread / 2 - 3,
          'realizedSpreadBps.30s': spread / 2 - 3 + seed * 0.1,
          'fills.count': Math.round(400 / spread) + seed,
        });
      }
      config++;
    }
  }
  return rows;
}

/** A sweep page's input from result rows, as views.ts builds it (eligible: at least `minFills` fills a run). */
export function pageInput(
  rows: ResultRow[],
  params: string[],
  options: Partial<SweepPageInput> & { minFills?: number } = {},
): SweepPageInput {
  const objective = options.objective ?? 'pnl.total';
  const metrics = sweepMetrics(Object.keys(rows[0]), objective, '30s');
  const configs: SweepPageConfig[] = groupByConfig(rows).map(([config, runs]) => {
    const fills = runs.reduce((a, r) => a + (r['fills.count'] as number), 0) / runs.length;
    const eligible = fills >= (options.minFills ?? 30);
    return {
      config,
      params: Object.fromEntries(params.map((p) => [p, runs[0][p]])),
      runs: runs.length,
      figures: Object.fromEntries(metrics.map((m) => [m.column, metricFigure(runs, m.column, m.interval)])),
      eligible,
      note: eligible ? '' : `fewer than ${options.minFills ?? 30} fills`,
    };
  });
  return {
    title: 'hand-made sweep',
    kind: 'grid',
    params,
    configs,
    metrics,
    objective,
    minimize: false,
    rule: 'Chosen: the highest mean pnl.total over the seeds (maximised) among the configurations whose runs average at least 30 fills.',
    best: 4,
    warnings: [],
    runs: rows.length,
    ...options,
  };
}
