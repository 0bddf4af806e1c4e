import { isoMicros } from '../core/units.ts';
import { join } from 'node:path';
import { SpreadlabError } from '../core/errors.ts';
import { checkOutputFolder, openOutputFolder } from '../core/output.ts';
import { withOutputLock } from '../core/output-lock.ts';
import { dataSpan } from '../sim/run-scenario.ts';
import { csvText } from './flatten.ts';
import { renderSweepPage } from '../report/sweep-page.ts';
import { writeAtomically } from './journal.ts';
import { readScenarioBase, sweep, type SweepOptions } from './sweep.ts';
import { mainHorizonOf, scenarioForRun } from './run-one.ts';

/**
 * Walk-forward: pick the best configuration on a training window, then measure that one configuration on
 * the unseen test window that follows, so a user sees how much of the in-sample optimum was luck.
 *
 * Rules:
 * - `--train FROM..TO --test FROM..TO` is one fold; `--folds K` cuts the data's span into K + 1 equal
 *   consecutive parts and fold i trains on part i and tests on part i + 1.
 * - A fold is two ordinary sweeps in `<out>/fold-<i>/train` and `<out>/fold-<i>/test`, whose runs set
 *   `window.from`/`window.to` (so each is a backtest a user can rerun, and both resume like any sweep). The
 *   test sweep runs only the configuration chosen on the training window: nothing from the test window
 *   reaches the choice.
 * - walkforward.csv has one row per fold: windows, chosen parameters, and the objective, realized spread at
 *   the main horizon (the scenario's, after --set overrides) and fill count in-sample ("train.") and
 *   out-of-sample ("test.").
 */
export interface Fold {
  train: { from: string; to: string };
  test: { from: string; to: string };
}

export function parseWindowFlag(flag: string, text: string): { from: string; to: string } {
  const parts = text.split('..');
  if (parts.length !== 2 || !parts[0] || !parts[1])
    throw new SpreadlabError(`${flag} ${text}: expected FROM..TO (ISO times or offsets from the data start, e.g. 0s..30m)`);
  return { from: parts[0], to: parts[1] };
}

export async function foldsOf(options: Pick<SweepOptions, 'scenarioFile' | 'overrides'>, count: number): Promise<Fold[]> {
  if (!(Number.isInteger(count) && count >= 1)) throw new SpreadlabError('--folds: expected a whole number ≥ 1');
  const base = readScenarioBase(options.scenarioFile, options.overrides);
  const { startTs, endTs } = await dataSpan(scenarioForRun(base, {}, 1), base.baseDir);
  const part = (endTs - startTs) / (count + 1);
  const at = (i: number): string => isoMicros(Math.round(startTs + i * part));
  return Array.from({ length: count }, (_, i) => ({ train: { from: at(i), to: at(i + 1) }, test: { from: at(i + 1), to: at(i + 2) } }));
}

export interface FoldOutcome {
  fold: number;
  windows: Fold;
  params: Record<string, unknown> | null;
  train: Record<string, number | null> | null;
  test: Record<string, number | null> | null;
}

export async function walkForward(options: SweepOptions, folds: Fold[]): Promise<FoldOutcome[]> {
  checkOutputFolder(options.out, 'walk-forward', 'the walk-forward folder');
  return withOutputLock(options.out, 'running a walk-forward', () => {
    openOutputFolder(options.out, 'walk-forward');
    return walkForwardLocked(options, folds);
  });
}

async function walkForwardLocked(options: SweepOptions, folds: Fold[]): Promise<FoldOutcome[]> {
  const outcomes: FoldOutcome[] = [];
  for (const [i, windows] of folds.entries()) {
    const window = (w: { from: string; to: string }): string[] => [`window.from=${w.from}`, `window.to=${w.to}`];
    const dir = join(options.out, `fold-${i}`);
    const train = await sweep({ ...options, overrides: [...options.overrides, ...window(windows.train)], out: join(dir, 'train') });
    if (!train.best) {
      outcomes.push({ fold: i, windows, params: null, train: null, test: null });
      continue;
    }
    const grid = Object.entries(train.best.params).map(([path, value]) => `${path}=${JSON.stringify(value)}`);
    const test = await sweep({
      ...options,
      random: undefined,
      require: [],
      grid,
      overrides: [...options.overrides, ...window(windows.test)],
      out: join(dir, 'test'),
    });
    outcomes.push({ fold: i, windows, params: train.best.params, train: train.best.means, test: test.best?.means ?? null });
  }
  writeWalkForward(options.out, outcomes, options.objective, mainHorizonOf(readScenarioBase(options.scenarioFile, options.overrides)));
  return outcomes;
}

function writeWalkForward(dir: string, outcomes: FoldOutcome[], objective: string, mainHorizon: string): void {
  const figures = [objective, `realizedSpreadBps.${mainHorizon}`, 'fills.count'].filter((f, i, all) => all.indexOf(f) === i);
  const paramPaths = [...new Set(outcomes.flatMap((o) => Object.keys(o.params ?? {})))];
  const header = [
    'fold',
    'train.from',
    'train.to',
    'test.from',
    'test.to',
    ...paramPaths,
    ...figures.map((f) => `train.${f}`),
    ...figures.map((f) => `test.${f}`),
  ];
  const rows = outcomes.map((o) => [
    o.fold,
    o.windows.train.from,
    o.windows.train.to,
    o.windows.test.from,
    o.windows.test.to,
    ...paramPaths.map((p) => o.params?.[p] ?? null),
    ...figures.map((f) => o.train?.[f] ?? null),
    ...figures.map((f) => o.test?.[f] ?? null),
  ]);
  writeAtomically(join(dir, 'walkforward.csv'), csvText([header, ...rows]));
  const chosen = outcomes.filter((o) => o.params !== null);
  if (chosen.length === 0) return;
  // The walk-forward page: one row per fold, the in-sample objective as the objective column beside its
  // train./test. figures, so the page shows in-sample and out-of-sample side by side.
  const pageRows = chosen.map((o) => ({
    fold: o.fold,
    ...o.params,
    [objective]: o.train?.[objective] ?? null,
    ...Object.fromEntries(
      figures.flatMap((f) => [
        [`train.${f}`, o.train?.[f] ?? null],
        [`test.${f}`, o.test?.[f] ?? null],
      ]),
    ),
  }));
  const html = renderSweepPage({
    rows: pageRows,
    axes: [paramPaths[0], paramPaths[1] ?? 'fold'],
    objective,
    best: null,
    params: paramPaths,
    title: `walk-forward: ${chosen.length} fold${chosen.length === 1 ? '' : 's'} (chosen in-sample, measured out-of-sample)`,
  });
  writeAtomically(join(dir, 'sweep.html'), html);
}
