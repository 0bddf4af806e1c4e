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
import { DEFAULT_MIN_FILLS, seedSpread } from '../core/evidence.ts';
import { chooseBest, configFigures, isCountColumn, minFillsConstraint, parseConstraint, type ConfigFigures } from './objective.ts';
import { runPool } from './pool.ts';
import { checkFiguresMarket, mainHorizonOf, scenarioForRun, type SweepBase } from './run-one.ts';
import { sweepMetrics } from '../report/sweep-page.ts';
import { resolveStrategy, type StrategyModule } from '../strategy/resolve.ts';
import { scenarioMarkets } from '../sim/scenario.ts';
import { BEST, writeSweepViews, type BestJson, type SweepMeta } from './views.ts';

/**
 * A parameter sweep: plan the runs, run the ones not yet in the folder's journal across worker threads,
 * then write results.csv (one row per run, in run order), best.json, configs.csv and sweep.html. See grid.ts
 * for the run list, journal.ts for resuming, objective.ts for how the best configuration is chosen,
 * views.ts for configs.csv and the page.
 * best.json: the selection (objective, direction, the rule as a sentence, every constraint including the
 * fills minimum), the swept parameters, warnings (the best on the edge of the grid, configurations excluded
 * for too few fills), the best configuration with its figures (means over seeds, counts rounded to whole
 * numbers) and its metrics across seeds, the full scenario to rerun it, and where it came from.
 */
export interface SweepOptions extends Selection {
  scenarioFile: string;
  overrides: string[];
  grid: string[];
  /** Seeds 1..N for synthetic data. */
  seeds?: number;
  random?: number;
  /** Run a sweep of more than MAX_RUNS runs (grid.ts). */
  allowLargeGrid?: boolean;
  /** Several markets: whose figures a row holds under the one-market names (SweepBase.market). */
  market?: string;
  workers: number;
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
  /** A configuration whose runs average fewer fills is never chosen (`--min-fills`; default DEFAULT_MIN_FILLS). */
  minFills?: number;
}

export function readScenarioBase(scenarioFile: string, overrides: string[], market?: string): SweepBase {
  const raw = readJsonFile(scenarioFile, 'scenario');
  return { raw, file: scenarioFile, baseDir: dirname(scenarioFile), overrides, ...(market === undefined ? {} : { market }) };
}

export async function planSweep(
  options: Pick<SweepOptions, 'scenarioFile' | 'overrides' | 'grid' | 'seeds' | 'random' | 'allowLargeGrid' | 'market'>,
): Promise<SweepPlan> {
  checkFlag('seeds', options.seeds, { min: 1, max: HARD_MAX_RUNS, integer: true });
  checkFlag('random', options.random, { min: 1, max: HARD_MAX_RUNS, integer: true });
  const base = readScenarioBase(options.scenarioFile, options.overrides, options.market);
  const scenario = scenarioForRun(base, {}, 1);
  checkFiguresMarket(scenario, options.market);
  const { module: strategyModule } = await resolveStrategy(scenario.strategy, base.baseDir, base.file);
  const synthetic = scenarioMarkets(scenario).some((m) => m.data.kind === 'synthetic');
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
  const market = base.market === undefined ? {} : { market: base.market };
  const listed = strategyModule
    ? { raw: base.raw, overrides: base.overrides, runs, strategyModule: strategyModule.sha256, ...market }
    : { raw: base.raw, overrides: base.overrides, runs, ...market };
  const runListHash = createHash('sha256').update(JSON.stringify(listed)).digest('hex');
  return { base, axes, runs, runListHash, strategyModule };
}

export async function sweep(
  options: SweepOptions,
): Promise<{ plan: SweepPlan; entries: JournalEntry[]; best: ConfigFigures | null; warnings: string[]; complete: boolean }> {
  checkOutputFolder(options.out, 'sweep', 'the sweep folder');
  const plan = await planSweep(options);
  return withOutputLock(options.out, 'running a sweep', () => sweepLocked(options, plan));
}

async function sweepLocked(
  options: SweepOptions,
  plan: SweepPlan,
): Promise<{ plan: SweepPlan; entries: JournalEntry[]; best: ConfigFigures | null; warnings: string[]; complete: boolean }> {
  openOutputFolder(options.out, 'sweep');
  checkManifest(options.out, manifestOf(plan, options));
  const journal = readJournal(options.out, { repair: true });
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
  const finished = complete ? finishSweep(options.out, plan, entries, options, options.random === undefined ? 'grid' : 'random') : null;
  if (!complete) writeResults(options.out, entries);
  return { plan, entries, best: finished?.best ?? null, warnings: finished?.warnings ?? [], complete };
}

/** How a folder's configurations were run and chosen: the sweep page and configs.csv follow it. */
export type SweepKind = 'grid' | 'random' | 'tune';

/**
 * Writes results.csv, best.json, configs.csv and sweep.html of a complete sweep (all its runs in `entries`).
 * `choose` overrides the rule that picks the best (tune's), with the sentence that states it.
 */
export function finishSweep(
  dir: string,
  plan: SweepPlan,
  entries: JournalEntry[],
  selection: Selection,
  kind: SweepKind,
  choose?: { rule: string; reason: string; pick: (configs: ConfigFigures[]) => ConfigFigures | null },
): { best: ConfigFigures | null; warnings: string[] } {
  writeResults(dir, entries);
  const minFills = selection.minFills ?? DEFAULT_MIN_FILLS;
  const paths = plan.axes.map((a) => a.path);
  const rows = entries.map(rowObject);
  const configs = configFigures(rows, paths);
  const require = [...selection.require, ...(minFills > 0 ? [minFillsConstraint(minFills)] : [])];
  const best = choose ? choose.pick(configs) : chooseBest(configs, selection.objective, selection.minimize, require.map(parseConstraint));
  const meta: SweepMeta = {
    kind,
    title: `${kind === 'tune' ? 'tune' : 'sweep'} of ${plan.base.file}`,
    objective: selection.objective,
    direction: selection.minimize ? 'minimize' : 'maximize',
    rule: choose?.rule ?? ruleOf(selection),
    require,
    minFills,
    params: paths,
    mainHorizon: mainHorizonOf(plan.base),
    warnings: [...edgeWarnings(paths, configs, best), ...excludedWarning(configs, best === null ? [] : [best], minFills)],
  };
  const metrics = sweepMetrics(Object.keys(rows[0] ?? {}), meta.objective, meta.mainHorizon);
  const bestRows = best ? rows.filter((r) => r.config === best.config) : [];
  const bestJson: BestJson = {
    ...meta,
    best: best && {
      config: best.config,
      params: best.params,
      seeds: best.seeds,
      objectiveMean: best.means[selection.objective],
      figures: Object.fromEntries(Object.entries(best.means).map(([k, v]) => [k, v !== null && isCountColumn(k) ? Math.round(v) : v])),
      acrossSeeds: Object.fromEntries(metrics.map((m) => [m.column, seedSpread(bestRows.map((r) => numberOrNull(r[m.column])))])),
    },
    reason: best ? undefined : (choose?.reason ?? noBestReason(selection)),
    scenario: best ? scenarioForRun(plan.base, best.params, best.seeds[0]) : undefined,
    source: {
      scenarioFile: plan.base.file,
      overrides: plan.base.overrides,
      runListHash: plan.runListHash,
      strategyModule: plan.strategyModule ?? undefined,
    },
  };
  writeAtomically(join(dir, BEST), `${JSON.stringify(bestJson, null, 2)}\n`);
  writeSweepViews(dir, bestJson, rows);
  return { best, warnings: meta.warnings };
}

/** The sentence that states how a sweep chooses. */
export function ruleOf(selection: Selection): string {
  const extra = selection.require.length > 0 ? ` passing ${selection.require.join(', ')}` : '';
  const direction = selection.minimize ? 'lowest mean' : 'highest mean';
  return `Chosen: the ${direction} ${selection.objective} over the seeds (${selection.minimize ? 'minimised' : 'maximised'}) among the configurations whose runs average at least ${selection.minFills ?? DEFAULT_MIN_FILLS} fills${extra}.`;
}

function noBestReason(selection: Selection): string {
  return `no configuration passed the constraints (at least ${selection.minFills ?? DEFAULT_MIN_FILLS} fills${selection.require.length > 0 ? `, ${selection.require.join(', ')}` : ''}) with a figure for ${selection.objective}`;
}

/** A warning for each numeric parameter with three or more values tried whose best value is the smallest or largest. */
export function edgeWarnings(paths: string[], configs: ConfigFigures[], best: ConfigFigures | null): string[] {
  if (!best) return [];
  return paths.flatMap((path) => {
    const values = [...new Set(configs.map((c) => c.params[path]))];
    const value = best.params[path];
    if (values.length < 3 || !values.every((v) => typeof v === 'number') || typeof value !== 'number') return [];
    const sorted = (values as number[]).sort((a, b) => a - b);
    const edge = value === sorted[0] ? 'smallest' : value === sorted[sorted.length - 1] ? 'largest' : null;
    return edge === null
      ? []
      : [
          `the best ${path} = ${value} is the ${edge} value tried: the optimum may lie beyond the grid; extend it ${edge === 'smallest' ? 'below' : 'above'} ${value} where the parameter allows`,
        ];
  });
}

function excludedWarning(configs: ConfigFigures[], chosen: ConfigFigures[], minFills: number): string[] {
  const few = configs.filter((c) => (c.means['fills.count'] ?? 0) < minFills && !chosen.includes(c)).length;
  return few === 0
    ? []
    : [`${few} of ${configs.length} configurations averaged fewer than ${minFills} fills a run and could not be chosen (--min-fills)`];
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
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
): Promise<{ best: ConfigFigures | null; warnings: string[]; runs: number }> {
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
    return { ...finishSweep(out, plan, entries, selection, first.random === null ? 'grid' : 'random'), runs: entries.length };
  });
}
