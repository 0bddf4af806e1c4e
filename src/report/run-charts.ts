import {
  drawdownSpec,
  fillsByDistanceSpec,
  inventoryHistogramSpec,
  latencySpec,
  markoutScatterSpec,
  queueSpec,
} from './execution-specs.ts';
import type { LoadedRun } from './load-run.ts';
import {
  breakdownSpec,
  histogramSpec,
  inventorySpec,
  markoutSpec,
  pnlSpec,
  quotesSpec,
  strategySeriesSpec,
  type ChartSpec,
} from './specs.ts';

/**
 * The charts of a run report, in page order: PnL and drawdown; quotes, the strategy's own series (only when
 * it recorded some) and inventory; adverse selection (markout curve, per-fill histogram and scatter,
 * breakdown); execution (fills by distance from the mid, queue and waiting time, latency).
 */
export function runCharts(run: LoadedRun): ChartSpec[] {
  return [
    { id: 'pnl', spec: pnlSpec(run), wide: true },
    { id: 'drawdown', spec: drawdownSpec(run), wide: true },
    { id: 'quotes', spec: quotesSpec(run), wide: true },
    ...(run.strategySeries.length > 0 ? [{ id: 'strategy-series', spec: strategySeriesSpec(run), wide: true }] : []),
    { id: 'inventory', spec: inventorySpec(run), wide: true },
    { id: 'inventory-histogram', spec: inventoryHistogramSpec(run), wide: false },
    { id: 'latency', spec: latencySpec(run), wide: false },
    { id: 'markouts', spec: markoutSpec(run), wide: false },
    { id: 'histogram', spec: histogramSpec(run), wide: false },
    { id: 'markout-scatter', spec: markoutScatterSpec(run), wide: true },
    { id: 'breakdown', spec: breakdownSpec(run), wide: true },
    { id: 'fill-distance', spec: fillsByDistanceSpec(run), wide: true },
    { id: 'queue', spec: queueSpec(run), wide: true },
  ];
}
