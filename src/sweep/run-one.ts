import { analyzeRun, horizonLabel, type Summary } from '../analytics/summary.ts';
import { runScenario } from '../sim/run-scenario.ts';
import { applyOverride, parseScenario, type Scenario } from '../sim/scenario.ts';
import { flatten } from './flatten.ts';
import type { PlannedRun } from './grid.ts';

/** What a sweep needs to rebuild any of its runs, in any process. */
export interface SweepBase {
  /** The scenario file's JSON, before overrides. */
  raw: unknown;
  /** Where the scenario file lives (its name for messages, its folder for relative data paths). */
  file: string;
  baseDir: string;
  /** `--set` overrides, applied before the run's own parameters. */
  overrides: string[];
}

/** The scenario of one run: the base, its overrides, then the run's parameters and seed. */
export function scenarioForRun(base: SweepBase, params: Record<string, unknown>, seed: number, extra: string[] = []): Scenario {
  const raw = structuredClone(base.raw);
  for (const override of base.overrides) applyOverride(raw, override);
  for (const [path, value] of Object.entries(params)) applyOverride(raw, `${path}=${JSON.stringify(value)}`);
  applyOverride(raw, `seed=${seed}`);
  for (const override of extra) applyOverride(raw, override);
  return parseScenario(raw, base.file);
}

/** The main markout horizon's label ("30s") of the base scenario with its overrides, as its summaries name it. */
export function mainHorizonOf(base: SweepBase): string {
  return horizonLabel(scenarioForRun(base, {}, 1).analytics.mainHorizonSeconds);
}

/**
 * Runs one planned run and returns its row: run, config, seed, the parameters under their dotted paths,
 * then every summary figure flattened (except the per-fill breakdown, whose keys differ from run to run;
 * it stays in each backtest's summary.json).
 */
export async function runOne(base: SweepBase, run: PlannedRun, extra: string[] = []): Promise<[string, unknown][]> {
  const scenario = scenarioForRun(base, run.params, run.seed, extra);
  const { summary } = analyzeRun(await runScenario(scenario, base.baseDir));
  const row: [string, unknown][] = [['run', run.index], ['config', run.config], ['seed', run.seed], ...Object.entries(run.params)];
  const taken = new Set(row.map(([k]) => k));
  for (const [key, value] of summaryFigures(summary)) if (!taken.has(key)) row.push([key, value]);
  return row;
}

/** A summary's figures as result columns: flattened, without the per-fill breakdown. */
export function summaryFigures(summary: Summary): [string, unknown][] {
  const { breakdown: _breakdown, ...figures } = summary;
  return flatten(figures);
}
