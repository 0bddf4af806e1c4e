import { performance } from 'node:perf_hooks';
import type { BenchRow } from './report.ts';
import { runOne } from '../src/sweep/run-one.ts';
import { runPool } from '../src/sweep/pool.ts';
import { planSweep } from '../src/sweep/sweep.ts';

/**
 * Sweep scaling: wall time of a sweep across W worker threads against the ideal runs × (single-run time) / W,
 * where the single-run time is measured in this process on the same runs. The gap is what the pool costs:
 * worker start-up (loading the TypeScript sources), handing out runs, and for recorded data the decoding
 * each worker must not repeat (it gets the decoded columns from the main thread). Also the speed-up from
 * 1 to 2 workers. The scenario is the BTCUSDT spot replay (the recorded data in ../shared/data), 256 runs:
 * a worker takes about 0.5 s to start (loading the TypeScript sources) and its first runs are not yet
 * optimised by the JIT, so a short sweep pays a visible fixed cost per worker.
 */
const SCENARIO = 'scenarios/btcusdt-spot-replay.json';
const GRID = ['strategy.spreadBps=1:16:1', 'strategy.skewFactor=0:3:0.2'];

export async function benchSweep(): Promise<BenchRow[]> {
  const plan = await planSweep({ scenarioFile: SCENARIO, overrides: [], grid: GRID });
  const { base, runs } = plan;
  await runOne(base, runs[0]); // warm: decode into the cache, JIT
  let single = 0;
  for (const run of runs) {
    const started = performance.now();
    await runOne(base, run);
    single += performance.now() - started;
  }
  const wall = async (workers: number): Promise<number> => {
    const started = performance.now();
    await runPool(base, runs, workers, () => {});
    return performance.now() - started;
  };
  const one = await wall(1);
  const two = await wall(2);
  const seconds = (ms: number): number => ms / 1000;
  return [
    {
      name: `sweep of ${runs.length} replay runs, 1 worker: wall vs ideal`,
      ours: seconds(one),
      peer: seconds(single),
      unit: 's',
      peerName: 'ideal: Σ single-run times',
    },
    {
      name: `sweep of ${runs.length} replay runs, 2 workers: wall vs ideal`,
      ours: seconds(two),
      peer: seconds(single / 2),
      unit: 's',
      peerName: 'ideal: Σ single-run times / 2',
    },
    { name: 'sweep speed-up from 1 to 2 workers', ours: one / two, peer: null, unit: '×', peerName: '' },
  ];
}
