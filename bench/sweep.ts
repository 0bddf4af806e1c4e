import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { BenchRow } from './report.ts';
import buildDist from '../test/build-dist.ts';

/**
 * Sweep scaling, as the installed command runs a sweep: the compiled package in dist/ (rebuilt first when a
 * source is newer, as the tests do), its workers started from dist/sweep/worker.js. The scenario is the
 * BTCUSDT spot replay (the recorded data in ../shared/data), 256 runs.
 * - Wall time of the sweep across W worker threads against the ideal: the same runs done one after another
 *   by one warm worker (a second 1-worker sweep on the worker the first kept), divided by W. A worker is
 *   the fair basis: the runs in the main thread of this process (Σ single-run times, warm, after one run
 *   that decodes the data and warms the JIT; also printed) cost more than in a worker, whose heap starts
 *   with the pool's larger old generation (pool.ts WORKER_INITIAL_OLD_SPACE_MB) that a main thread's heap,
 *   set up before any code runs, cannot get. The gap is what the pool costs: each worker's start-up (loading the modules,
 *   overlapped with the main thread's decoding when the data is not yet decoded; here it is, from the single
 *   runs) and its JIT warm-up (a worker's first runs take 3–10 times a warm run), handing out runs, and the
 *   main thread and the compiler and collector threads competing for the cores with the workers. Each of
 *   these sweeps starts its workers cold (stopIdleWorkers first), as `spreadlab sweep` does.
 * - What the machine gives two at once, without the pool: two processes started together, each doing every
 *   other run one after another (warm: each first does 16 runs untimed), their common wall time against the
 *   ideal. On this 2-core VM two concurrent backtests each run about 1.5 times slower than one alone (two
 *   separate processes, nothing shared), so no pool can reach the ideal here; the pool's own cost is its
 *   kept 2-worker sweep against this row.
 * - A second 2-worker sweep right after, on the workers the pool kept: what tune's steps and walk-forward's
 *   folds pay after the first (no start-up, no JIT warm-up).
 * - The same in CPU time (process.cpuUsage, every thread of the process): the 2-worker pool's CPU against
 *   the warm worker's one after another. On a shared machine other processes stretch wall times (both the ideal and the sweep, not by
 *   the same amount); CPU time shows the pool's own overhead.
 * - Memory per worker: the process's peak RSS during the 1-worker sweep minus its RSS before; and during the
 *   2-worker sweep, halved (lower: memory the ended worker of the 1-worker sweep freed stays in the
 *   allocator's arenas, counted in the RSS before). The workers read the decoded columns in place (SharedArrayBuffers, one copy in the process), so this is a
 *   worker's own heap and code, not the data; the shared columns' size is given beside it.
 * The 1-minute load average before and after is in the wall rows' names: read them with it.
 */
const SCENARIO = 'scenarios/btcusdt-spot-replay.json';
const GRID = ['strategy.spreadBps=1:16:1', 'strategy.skewFactor=0:3:0.2'];
const MB = 1024 * 1024;

type Compiled = typeof import('../src/sweep/pool.ts') &
  typeof import('../src/sweep/run-one.ts') &
  typeof import('../src/sweep/sweep.ts') &
  typeof import('../src/data/shared-replays.ts');

async function compiled(): Promise<Compiled> {
  buildDist();
  const load = (path: string): Promise<object> => import(new URL(`../dist/${path}`, import.meta.url).href);
  const modules = await Promise.all(['sweep/pool.js', 'sweep/run-one.js', 'sweep/sweep.js', 'data/shared-replays.js'].map(load));
  return Object.assign({}, ...modules) as Compiled;
}

/** Runs every other run (from `parity`) of the plan one after another in a fresh process, warm; resolves to its timed wall seconds. */
function halfInProcess(parity: number): Promise<number> {
  const script = `
    const { planSweep } = await import(${JSON.stringify(new URL('../dist/sweep/sweep.js', import.meta.url).href)});
    const { runOne } = await import(${JSON.stringify(new URL('../dist/sweep/run-one.js', import.meta.url).href)});
    const { base, runs } = await planSweep({ scenarioFile: ${JSON.stringify(SCENARIO)}, overrides: [], grid: ${JSON.stringify(GRID)} });
    for (let i = 0; i < 16; i++) await runOne(base, runs[i]);
    const started = performance.now();
    for (let i = ${parity}; i < runs.length; i += 2) await runOne(base, runs[i]);
    console.log((performance.now() - started) / 1000);`;
  const child = spawn(process.execPath, ['--initial-old-space-size=64', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`bench sweep child exited ${code}`)))),
  );
}

/** CPU seconds of every thread of this process since `since` (process.cpuUsage's user + system). */
function cpuSeconds(since?: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

export async function benchSweep(): Promise<BenchRow[]> {
  const { planSweep, runOne, runPool, shareReplays, stopIdleWorkers } = await compiled();
  const plan = await planSweep({ scenarioFile: SCENARIO, overrides: [], grid: GRID });
  const { base, runs } = plan;
  await runOne(base, runs[0]); // warm: decode into the cache, JIT
  const columnsMb = shareReplays().reduce((bytes, [, r]) => bytes + r.venueOrder.byteLength + columnBytes(r.columns), 0) / MB;
  const loadBefore = loadavg()[0];
  let single = 0;
  for (const run of runs) {
    const started = performance.now();
    await runOne(base, run);
    single += performance.now() - started;
  }
  const sweep = async (workers: number, cold: boolean): Promise<{ seconds: number; cpu: number; rssMb: number }> => {
    if (cold) await stopIdleWorkers();
    const rssBefore = process.memoryUsage.rss();
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    const cpuFrom = process.cpuUsage();
    const started = performance.now();
    await runPool(base, runs, workers, () => {});
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    return { seconds, cpu: cpuSeconds(cpuFrom), rssMb: (peak - rssBefore) / MB };
  };
  const one = await sweep(1, true);
  const ideal = await sweep(1, false); // the runs one after another on the warm worker the first sweep kept
  const two = await sweep(2, true);
  const kept = await sweep(2, false);
  await stopIdleWorkers();
  const twoProcesses = Math.max(...(await Promise.all([halfInProcess(0), halfInProcess(1)])));
  const load = `load ${loadBefore.toFixed(1)}→${loadavg()[0].toFixed(1)}`;
  return [
    {
      name: `sweep of ${runs.length} replay runs, one after another: a warm worker vs the main thread (${load})`,
      ours: ideal.seconds,
      peer: single / 1000,
      unit: 's',
      peerName: 'Σ single-run times in the main thread',
    },
    {
      name: `sweep of ${runs.length} replay runs, 1 worker: wall vs ideal (${load})`,
      ours: one.seconds,
      peer: ideal.seconds,
      unit: 's',
      peerName: 'ideal: a warm worker, one run after another',
    },
    {
      name: `sweep of ${runs.length} replay runs, 2 workers: wall vs ideal (${load})`,
      ours: two.seconds,
      peer: ideal.seconds / 2,
      unit: 's',
      peerName: 'ideal: a warm worker, one run after another, / 2',
    },
    {
      name: `sweep of ${runs.length} replay runs, 2 workers: CPU time of the process`,
      ours: two.cpu,
      peer: ideal.cpu,
      unit: 's',
      peerName: 'CPU time of a warm worker, one run after another',
    },
    {
      name: `sweep of ${runs.length} replay runs, 2 workers kept from the previous sweep: wall vs ideal (${load})`,
      ours: kept.seconds,
      peer: ideal.seconds / 2,
      unit: 's',
      peerName: 'ideal: a warm worker, one run after another, / 2',
    },
    {
      name: `sweep of ${runs.length} replay runs, two processes at once, each every other run (no pool): wall vs ideal (${load})`,
      ours: twoProcesses,
      peer: ideal.seconds / 2,
      unit: 's',
      peerName: 'ideal: a warm worker, one run after another, / 2',
    },
    {
      name: `sweep of ${runs.length} replay runs, 2 workers kept: wall vs two processes at once (${load})`,
      ours: kept.seconds,
      peer: twoProcesses,
      unit: 's',
      peerName: 'two processes at once, each every other run (no pool)',
    },
    { name: 'sweep speed-up from 1 to 2 workers', ours: one.seconds / two.seconds, peer: null, unit: '×', peerName: '' },
    {
      name: 'sweep memory per worker: peak RSS added by 1 worker',
      ours: one.rssMb,
      peer: columnsMb,
      unit: 'MB',
      peerName: 'the decoded columns, shared (one copy in the process)',
    },
    {
      name: 'sweep memory per worker: peak RSS added by 2 workers, halved',
      ours: two.rssMb / 2,
      peer: columnsMb,
      unit: 'MB',
      peerName: 'the decoded columns, shared (one copy in the process)',
    },
  ];
}

function columnBytes(columns: object): number {
  return Object.values(columns).reduce((bytes: number, column) => bytes + (ArrayBuffer.isView(column) ? column.byteLength : 0), 0);
}
