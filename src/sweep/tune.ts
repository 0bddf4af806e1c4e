import { SpreadlabError } from '../core/errors.ts';
import { checkOutputFolder, openOutputFolder } from '../core/output.ts';
import { withOutputLock } from '../core/output-lock.ts';
import { writeResults, type JournalEntry } from './journal.ts';
import { configFigures } from './objective.ts';
import { runPool } from './pool.ts';
import { mainHorizonOf } from './run-one.ts';
import { finishSweep, planSweep, readScenarioBase, type SweepPlan } from './sweep.ts';

/**
 * The seed guide's tuning rule: start at a spread (10 bps), measure realized spread at the main horizon over
 * the data, widen by 5 bps while it is negative, then narrow step by step (1 bp by default) to raise the
 * fill rate while realized spread stays positive. The chosen spread is the narrowest one tried whose
 * realized spread was positive. With several seeds, a step's figure is the mean over the seeds.
 * Writes results.csv (one row per run tried) and best.json, as a sweep does.
 */
export interface TuneOptions {
  scenarioFile: string;
  overrides: string[];
  param: string;
  start: number;
  widenBy: number;
  narrowBy: number;
  maxSpread: number;
  seeds?: number;
  workers: number;
  out: string;
  onStep?: (step: TuneStep) => void;
}

export interface TuneStep {
  phase: 'widen' | 'narrow';
  spread: number;
  realizedBps: number | null;
  fills: number | null;
}

export async function tune(options: TuneOptions): Promise<{ chosen: number | null; steps: TuneStep[] }> {
  checkOutputFolder(options.out, 'tune', 'the tune folder');
  return withOutputLock(options.out, 'tuning', () => {
    openOutputFolder(options.out, 'tune');
    return tuneLocked(options);
  });
}

async function tuneLocked(options: TuneOptions): Promise<{ chosen: number | null; steps: TuneStep[] }> {
  const entries: JournalEntry[] = [];
  const steps: TuneStep[] = [];
  const realized = `realizedSpreadBps.${mainHorizonOf(readScenarioBase(options.scenarioFile, options.overrides))}`;
  const measure = async (phase: TuneStep['phase'], spread: number): Promise<TuneStep> => {
    const plan = await planSweep({ ...options, grid: [`${options.param}=${spread}`] });
    const offset = entries.length;
    // Runs are numbered across steps, and each step is its own configuration; the rows carry both.
    const runs = plan.runs.map((r) => ({ ...r, index: offset + r.index, config: steps.length }));
    const rows: JournalEntry[] = [];
    await runPool(plan.base, runs, options.workers, (index, row) => rows.push({ index, row }));
    entries.push(...rows);
    const [figures] = configFigures(
      rows.map((e) => Object.fromEntries(e.row)),
      [options.param],
    );
    const step: TuneStep = { phase, spread, realizedBps: figures.means[realized] ?? null, fills: figures.means['fills.count'] ?? null };
    steps.push(step);
    options.onStep?.(step);
    return step;
  };

  let spread = options.start;
  let step = await measure('widen', spread);
  while (!(step.realizedBps !== null && step.realizedBps > 0)) {
    spread += options.widenBy;
    if (spread > options.maxSpread) {
      writeResults(options.out, entries);
      throw new SpreadlabError(
        `tune: realized spread stayed ≤ 0 up to ${options.maxSpread} bps (--max-spread); this market's adverse selection exceeds the spreads tried`,
      );
    }
    step = await measure('widen', spread);
  }
  let chosen = spread;
  while (chosen - options.narrowBy > 0) {
    const narrower = await measure('narrow', round(chosen - options.narrowBy));
    if (!(narrower.realizedBps !== null && narrower.realizedBps > 0)) break;
    chosen = narrower.spread;
  }
  const plan: SweepPlan = await planSweep({ ...options, grid: [`${options.param}=${chosen}`] });
  const selection = { objective: realized, minimize: false, require: [`${realized}>0`] };
  finishSweep(options.out, plan, entries, selection, (configs) => configs.find((c) => c.params[options.param] === chosen) ?? null);
  return { chosen, steps };
}

function round(x: number): number {
  return Number(x.toPrecision(12));
}
