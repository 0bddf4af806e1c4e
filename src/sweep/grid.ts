import { SpreadlabError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';

/**
 * The run list of a sweep.
 *
 * Rules:
 * - `--grid path=spec`: spec is a list `0,0.25,0.5`, a range `start:stop:step` (stop included when it
 *   lands on the step grid; values rounded to 12 significant digits so 0.1 steps stay 0.1, 0.2, 0.3), or one
 *   value. Values are read as JSON (numbers, true/false, quoted strings) or taken as strings.
 * - The grid is the cartesian product in the order the flags were given, the last flag varying fastest;
 *   `--random K` instead draws K distinct configurations of that grid, each parameter uniform over its values
 *   (a range's values are its steps, so 5:30:5 draws only 5, 10, …, 30), from a generator seeded with the
 *   sweep's seed; K at least the grid's size runs the whole grid.
 * - Each configuration runs once per seed (seeds 1..N for synthetic data; the scenario's seed otherwise).
 *   Runs are numbered in order: configuration-major, seed-minor. This order is the order of results.csv,
 *   whatever the number of workers or shards.
 * - Size: a sweep of more than MAX_RUNS runs is refused unless confirmed (`--allow-large-grid`), and one of
 *   more than HARD_MAX_RUNS always is (the run list itself would not fit in memory); both are counted
 *   before any value is generated (a range's length from its bounds and step).
 */
export const MAX_RUNS = 10_000;
export const HARD_MAX_RUNS = 1_000_000;

export interface GridAxis {
  path: string;
  values: unknown[];
}

export interface PlannedRun {
  index: number;
  /** Configuration number (runs of one configuration differ only by seed). */
  config: number;
  params: Record<string, unknown>;
  seed: number;
}

export function parseGridFlag(flag: string): GridAxis {
  const eq = flag.indexOf('=');
  if (eq <= 0 || eq === flag.length - 1)
    throw new SpreadlabError(`--grid ${flag}: expected path=values, e.g. strategy.spreadBps=5:30:5 or strategy.skewFactor=0,0.5,1`);
  const path = flag.slice(0, eq);
  const spec = flag.slice(eq + 1);
  const range = /^(-?[\d.]+(?:e-?\d+)?):(-?[\d.]+(?:e-?\d+)?):([\d.]+(?:e-?\d+)?)$/.exec(spec);
  if (range) {
    const [start, stop, step] = range.slice(1).map(Number);
    if (!(step > 0) || !(stop >= start) || ![start, stop, step].every(Number.isFinite))
      throw new SpreadlabError(`--grid ${flag}: a range is start:stop:step of finite numbers with stop ≥ start and step > 0`);
    const count = Math.floor((stop - start) / step + 1e-9) + 1;
    if (count > HARD_MAX_RUNS) throw new SpreadlabError(`--grid ${flag}: ${count} values; at most ${HARD_MAX_RUNS} (use a larger step)`);
    const values: number[] = [];
    for (let i = 0; ; i++) {
      const value = round12(start + i * step);
      if (value > stop + Math.abs(step) * 1e-9) break;
      values.push(value);
    }
    return { path, values };
  }
  return { path, values: spec.split(',').map(parseValue) };
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function round12(x: number): number {
  return Number(x.toPrecision(12));
}

/** Refuses a sweep larger than MAX_RUNS (unless `allowLarge`) or HARD_MAX_RUNS, before the runs are listed. */
export function checkRunCount(axes: GridAxis[], seeds: number, random: number | undefined, allowLarge: boolean): void {
  const configs = random ?? axes.reduce((n, axis) => n * axis.values.length, 1);
  const runs = configs * seeds;
  const what = `${runs} runs (${configs} configuration${configs === 1 ? '' : 's'} × ${seeds} seed${seeds === 1 ? '' : 's'})`;
  if (runs > HARD_MAX_RUNS) throw new SpreadlabError(`the sweep has ${what}: at most ${HARD_MAX_RUNS}`);
  if (runs > MAX_RUNS && !allowLarge)
    throw new SpreadlabError(`the sweep has ${what}, more than ${MAX_RUNS}: pass --allow-large-grid to run it`);
}

export function planRuns(axes: GridAxis[], seeds: number[], random?: { count: number; seed: number }): PlannedRun[] {
  const configs = random ? randomConfigs(axes, random.count, random.seed) : cartesian(axes);
  const runs: PlannedRun[] = [];
  configs.forEach((params, config) => {
    for (const seed of seeds) runs.push({ index: runs.length, config, params, seed });
  });
  return runs;
}

function cartesian(axes: GridAxis[]): Record<string, unknown>[] {
  let configs: Record<string, unknown>[] = [{}];
  for (const axis of axes) configs = configs.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.path]: v })));
  return configs;
}

function randomConfigs(axes: GridAxis[], count: number, seed: number): Record<string, unknown>[] {
  const size = axes.reduce((n, axis) => n * axis.values.length, 1);
  if (count >= size) return cartesian(axes);
  const rng = new Rng(`sweep-random/${seed}`);
  const drawn = new Map<string, Record<string, unknown>>();
  while (drawn.size < count) {
    const params: Record<string, unknown> = {};
    for (const axis of axes) params[axis.path] = axis.values[Math.floor(rng.uniform() * axis.values.length)];
    const key = JSON.stringify(params);
    if (!drawn.has(key)) drawn.set(key, params);
  }
  return [...drawn.values()];
}

/** `--shard I/N` (I from 0): the runs whose index ≡ I mod N, so slices are balanced and disjoint. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new SpreadlabError(`--shard ${text}: expected I/N with 0 ≤ I < N, e.g. 0/3`);
  return { index, count };
}

export function inShard(run: PlannedRun, shard: { index: number; count: number } | null): boolean {
  return shard === null || run.index % shard.count === shard.index;
}
