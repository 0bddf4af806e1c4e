import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SpreadlabError } from '../core/errors.ts';
import { checkFlag } from '../core/bounds.ts';
import { readJsonFile } from '../core/json-file.ts';
import { checkOutputFolder, openOutputFolder } from '../core/output.ts';
import { withOutputLock } from '../core/output-lock.ts';
import {
  appendJournal,
  checkManifest,
  readJournal,
  rowObject,
  writeAtomically,
  writeJournal,
  writeResults,
  MANIFEST,
  type JournalEntry,
} from './journal.ts';
import { checkRunCount, HARD_MAX_RUNS, inShard, parseGridFlag, planRuns, type GridAxis, type PlannedRun } from './grid.ts';
import { chooseBest, configFigures, parseConstraint, type ConfigFigures } from './objective.ts';
import { runPool } from './pool.ts';
import { mainHorizonOf, scenarioForRun, type SweepBase } from './run-one.ts';
import { renderSweepPage } from '../report/sweep-page.ts';
import { resolveStrategy, type StrategyModule } from '../strategy/resolve.ts';

/**
 * A parameter sweep: plan the runs, run the ones not yet in the folder's journal across worker threads,
 * then write results.csv (one row per run, in run order) and best.json. See grid.ts for the run list,
 * journal.ts for resuming, objective.ts for how the best configuration is chosen.
 */
export interface SweepOptions {
  scenarioFile: string;
  overrides: string[];
  grid: string[];
  /** Seeds 1..N for synthetic data. */
  seeds?: number;
  random?: number;
  /** Run a sweep of more than MAX_RUNS runs (grid.ts). */
  allowLargeGrid?: boolean;
  workers: number;
  objective: string;
  minimize: boolean;
  require: string[];
  out: string;
  shard: { index: number; count: number } | null;
  onProgress?: (done: number, total: number) => void;
}

export interface SweepPlan {
  base: SweepBase;
  axes: GridAxis[];
  runs: PlannedRun[];
  /** Over the scenario, overrides, runs and the strategy module's hash: a changed module is a different sweep. */
  runListHash: string;
  strategyModule: StrategyModule | null;
}

export interface Selection {
  objective: string;
  minimize: boolean;
  require: string[];
}

export function readScenarioBase(scenarioFile: string, overrides: string[]): SweepBase {
  const raw = readJsonFile(scenarioFile, 'scenario');
  return { raw, file: scenarioFile, baseDir: dirname(scenarioFile), overrides };
}

export async function planSweep(
  options: Pick<SweepOptions, 'scenarioFile' | 'overrides' | 'grid' | 'seeds' | 'random' | 'allowLargeGrid'>,
): Promise<SweepPlan> {
  checkFlag('seeds', options.seeds, { min: 1, max: HARD_MAX_RUNS, integer: true });
  checkFlag('random', options.random, { min: 1, max: HARD_MAX_RUNS, integer: true });
  const base = readScenarioBase(options.scenarioFile, options.overrides);
  const scenario = scenarioForRun(base, {}, 1);
  const { module: strategyModule } = await resolveStrategy(scenario.strategy, base.baseDir, base.file);
  const synthetic = scenario.data.kind === 'synthetic';
  if (options.seeds !== undefined && !synthetic)
    throw new SpreadlabError('--seeds: only synthetic data has seeds to vary; recorded data is one path');
  const seeds = synthetic ? Array.from({ length: options.seeds ?? 1 }, (_, i) => i + 1) : [scenario.seed];
  const axes = options.grid.map(parseGridFlag);
  checkRunCount(axes, seeds.length, options.random, options.allowLargeGrid ?? false);
  const runs = planRuns(axes, seeds, options.random === undefined ? undefined : { count: options.random, seed: scenario.seed });
  // Validate every configuration before spending time on any run.
  const checked = new Set<number>();
  for (const run of runs) {
    if (checked.has(run.config)) continue;
    checked.add(run.config);
    const planned = scenarioForRun(base, run.params, run.seed);
    if (strategyModule) await resolveStrategy(planned.strategy, base.baseDir, base.file);
  }
  const listed = strategyModule
    ? { raw: base.raw, overrides: base.overrides, runs, strategyModule: strategyModule.sha256 }
    : { raw: base.raw, overrides: base.overrides, runs };
  const runListHash = createHash('sha256').update(JSON.stringify(listed)).digest('hex');
  return { base, axes, runs, runListHash, strategyModule };
}

export async function sweep(
  options: SweepOptions,
): Promise<{ plan: SweepPlan; entries: JournalEntry[]; best: ConfigFigures | null; complete: boolean }> {
  checkOutputFolder(options.out, 'sweep', 'the sweep folder');
  const plan = await planSweep(options);
  return withOutputLock(options.out, 'running a sweep', () => sweepLocked(options, plan));
}

async function sweepLocked(
  options: SweepOptions,
  plan: SweepPlan,
): Promise<{ plan: SweepPlan; entries: JournalEntry[]; best: ConfigFigures | null; complete: boolean }> {
  openOutputFolder(options.out, 'sweep');
  checkManifest(options.out, manifestOf(plan, options));
  const journal = readJournal(options.out);
  const mine = plan.runs.filter((r) => inShard(r, options.shard));
  const pending = mine.filter((r) => !journal.has(r.index));
  let done = mine.length - pending.length;
  options.onProgress?.(done, mine.length);
  await runPool(plan.base, pending, options.workers, (index, row) => {
    const entry = { index, row };
    appendJournal(options.out, entry);
    journal.set(index, entry);
    options.onProgress?.(++done, mine.length);
  });
  const entries = mine.map((r) => journal.get(r.index)!);
  const complete = options.shard === null || options.shard.count === 1;
  const best = complete ? finishSweep(options.out, plan, entries, options) : null;
  if (!complete) writeResults(options.out, entries);
  return { plan, entries, best, complete };
}

/** Writes results.csv and best.json of a complete sweep (all its runs in `entries`). */
export function finishSweep(
  dir: string,
  plan: SweepPlan,
  entries: JournalEntry[],
  selection: Selection,
  pick: (configs: ConfigFigures[]) => ConfigFigures | null = (configs) =>
    chooseBest(configs, selection.objective, selection.minimize, selection.require.map(parseConstraint)),
): ConfigFigures | null {
  writeResults(dir, entries);
  const best = pick(
    configFigures(
      entries.map(rowObject),
      plan.axes.map((a) => a.path),
    ),
  );
  const bestJson = {
    objective: selection.objective,
    direction: selection.minimize ? 'minimize' : 'maximize',
    require: selection.require,
    best: best && {
      config: best.config,
      params: best.params,
      seeds: best.seeds,
      objectiveMean: best.means[selection.objective],
      figures: best.means,
    },
    reason: best ? undefined : 'no configuration passed the --require constraints (or every objective was NA)',
    scenario: best ? scenarioForRun(plan.base, best.params, best.seeds[0]) : undefined,
    source: {
      scenarioFile: plan.base.file,
      overrides: plan.base.overrides,
      runListHash: plan.runListHash,
      strategyModule: plan.strategyModule ?? undefined,
    },
  };
  writeAtomically(join(dir, 'best.json'), `${JSON.stringify(bestJson, null, 2)}\n`);
  writeSweepPage(dir, plan, entries, selection, best);
  return best;
}

/** sweep.html: the heatmap over the first two swept parameters (or the one parameter × seed). */
function writeSweepPage(dir: string, plan: SweepPlan, entries: JournalEntry[], selection: Selection, best: ConfigFigures | null): void {
  const paths = plan.axes.map((a) => a.path);
  const rows = entries.map(rowObject);
  const html = renderSweepPage({
    rows,
    axes: [paths[0], paths[1] ?? 'seed'],
    objective: selection.objective,
    minimize: selection.minimize,
    best: best && { config: best.config, params: best.params },
    params: paths,
    mainHorizon: mainHorizonOf(plan.base),
    title: plan.base.file,
  });
  writeAtomically(join(dir, 'sweep.html'), html);
}

function manifestOf(plan: SweepPlan, options: Pick<SweepOptions, 'grid' | 'seeds' | 'random' | 'shard'>) {
  return {
    scenarioFile: plan.base.file,
    overrides: plan.base.overrides,
    grid: options.grid,
    seeds: options.seeds ?? null,
    random: options.random ?? null,
    runCount: plan.runs.length,
    runListHash: plan.runListHash,
    paramPaths: plan.axes.map((a) => a.path),
    shard: options.shard,
  };
}

/** Merges the journals of shard folders into one complete sweep folder. */
export async function mergeShards(
  dirs: string[],
  out: string,
  selection: Selection,
): Promise<{ best: ConfigFigures | null; runs: number }> {
  checkOutputFolder(out, 'sweep', 'the merged sweep folder');
  const manifests = dirs.map((dir) => {
    const file = join(dir, MANIFEST);
    if (!existsSync(file)) throw new SpreadlabError(`${dir}: not a sweep folder (no ${MANIFEST})`);
    return readJsonFile(file, 'sweep manifest') as ReturnType<typeof manifestOf>;
  });
  const first = manifests[0];
  manifests.forEach((m, i) => {
    if (m.runListHash !== first.runListHash)
      throw new SpreadlabError(`${dirs[i]}: a shard of a different sweep than ${dirs[0]} (run lists differ)`);
  });
  const plan = await planSweep({
    scenarioFile: first.scenarioFile,
    overrides: first.overrides,
    grid: first.grid,
    seeds: first.seeds ?? undefined,
    random: first.random ?? undefined,
  });
  if (plan.runListHash !== first.runListHash)
    throw new SpreadlabError(`${first.scenarioFile} changed since the shards ran: the run list no longer matches`);
  const all = new Map<number, JournalEntry>();
  for (const dir of dirs) for (const [index, entry] of readJournal(dir)) all.set(index, entry);
  const missing = plan.runs.filter((r) => !all.has(r.index)).map((r) => r.index);
  if (missing.length > 0) {
    throw new SpreadlabError(
      `the shards hold ${all.size} of ${plan.runs.length} runs; missing runs ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}: finish or rerun those shards`,
    );
  }
  return withOutputLock(out, 'merging sweep shards', () => {
    openOutputFolder(out, 'sweep');
    checkManifest(out, {
      ...manifestOf(plan, { grid: first.grid, seeds: first.seeds ?? undefined, random: first.random ?? undefined, shard: null }),
    });
    const entries = plan.runs.map((r) => all.get(r.index)!);
    writeJournal(out, entries);
    return { best: finishSweep(out, plan, entries, selection), runs: entries.length };
  });
}
