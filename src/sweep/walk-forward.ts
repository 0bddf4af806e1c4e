import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isoMicros } from '../core/units.ts';
import { SpreadlabError } from '../core/errors.ts';
import { DEFAULT_MIN_FILLS } from '../core/evidence.ts';
import { readJsonFile } from '../core/json-file.ts';
import { checkOutputFolder, openOutputFolder } from '../core/output.ts';
import { withOutputLock } from '../core/output-lock.ts';
import { loadRun } from '../report/load-run.ts';
import { writeRunFolder } from '../report/run-folder.ts';
import { sweepMetrics } from '../report/sweep-page.ts';
import { renderWalkForwardPage, type CurvePoint, type FoldOutcome } from '../report/walk-forward-page.ts';
import { dataSpan } from '../sim/assemble.ts';
import { runScenario } from '../sim/run-scenario.ts';
import { csvText } from './flatten.ts';
import { writeAtomically } from './journal.ts';
import { readScenarioBase, ruleOf, sweep, type SweepOptions } from './sweep.ts';
import { mainHorizonOf, portfolioFigures, scenarioForRun, summaryFigures } from './run-one.ts';

export type { FoldOutcome };

/**
 * Walk-forward: pick the best configuration on a training window, then measure that one configuration on
 * the unseen test window that follows, so a user sees how much of the in-sample optimum was luck.
 *
 * Rules:
 * - `--train FROM..TO --test FROM..TO` is one fold; `--folds K` cuts the data's span into K + 1 equal
 *   consecutive parts and fold i trains on part i and tests on part i + 1.
 * - A fold is an ordinary sweep in `<out>/fold-<i>/train` whose runs set `window.from`/`window.to` (it resumes
 *   like any sweep, and never chooses a configuration with too few fills), then one backtest per seed of the
 *   configuration it chose on the test window, written as a run folder `<out>/fold-<i>/test/seed-<s>` (with its
 *   report; redone on a rerun). Nothing from the test window reaches the choice.
 * - walkforward.json records the folds (windows, chosen parameters, runs, figures in and out of sample: the
 *   mean over the seeds); walkforward.csv has the same, one row per fold: windows, chosen parameters, then the
 *   objective, realized spread net of fees and before fees at the main horizon (the scenario's, after --set
 *   overrides; promote judges the latter), PnL and fills in-sample ("train.") and out-of-sample ("test.");
 *   walkforward.html shows them (report/walk-forward-page.ts) with the out-of-sample PnL stitched across the
 *   test windows.
 */
/** A fold's training window and the test window that follows. */
export type Fold = FoldOutcome['windows'];

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

/** walkforward.json: the folds and how they chose, what the page is rendered from. */
export interface WalkForwardRecord {
  scenarioFile: string;
  objective: string;
  direction: 'maximize' | 'minimize';
  rule: string;
  minFills: number;
  params: string[];
  mainHorizon: string;
  /** The figures kept per fold (in walkforward.csv as train.<figure> and test.<figure>). */
  figures: string[];
  folds: FoldOutcome[];
}

export const WALK_FORWARD = { record: 'walkforward.json', csv: 'walkforward.csv', page: 'walkforward.html' } as const;

const window = (w: { from: string; to: string }): string[] => [`window.from=${w.from}`, `window.to=${w.to}`];

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
    const dir = join(options.out, `fold-${i}`);
    const train = await sweep({ ...options, overrides: [...options.overrides, ...window(windows.train)], out: join(dir, 'train') });
    const trainRuns = train.entries.length;
    if (!train.best) {
      outcomes.push({ fold: i, windows, params: null, train: null, test: null, trainRuns, testRuns: [] });
      continue;
    }
    const { params, seeds } = train.best;
    const testRuns: string[] = [];
    const figures: [string, unknown][][] = [];
    for (const seed of seeds) {
      const overrides = [
        ...options.overrides,
        ...window(windows.test),
        ...Object.entries(params).map(([p, v]) => `${p}=${JSON.stringify(v)}`),
      ];
      const base = readScenarioBase(options.scenarioFile, overrides);
      const run = await runScenario(scenarioForRun(base, {}, seed), base.baseDir);
      const relative = join(`fold-${i}`, 'test', `seed-${seed}`);
      const { summary, portfolio } = writeRunFolder(join(options.out, relative), run, [...overrides, `seed=${seed}`]);
      testRuns.push(relative);
      figures.push(portfolio ? portfolioFigures(portfolio.summary, options.market) : summaryFigures(summary));
    }
    outcomes.push({ fold: i, windows, params, train: train.best.means, test: meanFigures(figures), trainRuns, testRuns });
  }
  const base = readScenarioBase(options.scenarioFile, options.overrides);
  const mainHorizon = mainHorizonOf(base);
  const columns = sweepMetrics(Object.keys(outcomes.find((o) => o.train)?.train ?? {}), options.objective, mainHorizon)
    .map((m) => m.column)
    .filter((c) =>
      [
        options.objective,
        `netRealizedSpreadStats.${mainHorizon}.mean`,
        `realizedSpreadBps.${mainHorizon}`,
        'pnl.total',
        'fills.count',
      ].includes(c),
    );
  const figures = columns.length > 0 ? columns : [options.objective];
  const record: WalkForwardRecord = {
    scenarioFile: options.scenarioFile,
    objective: options.objective,
    direction: options.minimize ? 'minimize' : 'maximize',
    rule: `Each fold: ${ruleOf(options).replace(/^Chosen: t/, 't')}`,
    minFills: options.minFills ?? DEFAULT_MIN_FILLS,
    params: options.grid.map((g) => g.slice(0, g.indexOf('='))),
    mainHorizon,
    figures,
    folds: outcomes.map((o) => ({ ...o, train: pick(o.train, figures), test: pick(o.test, figures) })),
  };
  writeAtomically(join(options.out, WALK_FORWARD.record), `${JSON.stringify(record, null, 2)}\n`);
  writeWalkForwardCsv(options.out, record);
  writeWalkForwardPage(options.out);
  return outcomes;
}

/** Mean over runs of every numeric figure (NA in any run makes it NA). */
function meanFigures(runs: [string, unknown][][]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [key] of runs[0]) {
    const values = runs.map((r) => r.find(([k]) => k === key)?.[1]);
    if (!values.every((v) => typeof v === 'number' || v === null)) continue;
    out[key] = values.some((v) => v === null) ? null : (values as number[]).reduce((a, b) => a + b, 0) / values.length;
  }
  return out;
}

function pick(figures: Record<string, number | null> | null, keys: string[]): Record<string, number | null> | null {
  return figures && Object.fromEntries(keys.map((k) => [k, figures[k] ?? null]));
}

function writeWalkForwardCsv(dir: string, record: WalkForwardRecord): void {
  const { figures, params } = record;
  const header = [
    'fold',
    'train.from',
    'train.to',
    'test.from',
    'test.to',
    ...params,
    ...figures.map((f) => `train.${f}`),
    ...figures.map((f) => `test.${f}`),
  ];
  const rows = record.folds.map((o) => [
    o.fold,
    o.windows.train.from,
    o.windows.train.to,
    o.windows.test.from,
    o.windows.test.to,
    ...params.map((p) => o.params?.[p] ?? null),
    ...figures.map((f) => o.train?.[f] ?? null),
    ...figures.map((f) => o.test?.[f] ?? null),
  ]);
  writeAtomically(join(dir, WALK_FORWARD.csv), csvText([header, ...rows]));
}

/**
 * Renders walkforward.html from walkforward.json and the out-of-sample run folders (their timeseries.csv
 * give the stitched PnL curve); `spreadlab report DIR` calls it too. Returns the page's path.
 */
export function writeWalkForwardPage(dir: string): string {
  const file = join(dir, WALK_FORWARD.record);
  if (!existsSync(file))
    throw new SpreadlabError(
      `${dir}: not a walk-forward folder (no ${WALK_FORWARD.record}; written by spreadlab sweep --folds or --train/--test)`,
    );
  const record = readJsonFile(file, 'walk-forward file') as WalkForwardRecord;
  const metrics = sweepMetrics(record.figures, record.objective, record.mainHorizon).filter((m) => record.figures.includes(m.column));
  const curve: CurvePoint[] = [];
  let carried = 0;
  for (const fold of record.folds) {
    if (fold.testRuns.length === 0) continue;
    const runs = fold.testRuns.map((run) => loadRun(join(dir, run)).timeseries);
    const samples = Math.min(...runs.map((r) => r.length));
    for (let i = 0; i < samples; i++) {
      const pnl = runs.reduce((a, r) => a + r[i].pnlTotal, 0) / runs.length;
      curve.push({ t: Math.round(runs[0][i].ts / 1000), pnl: Number((carried + pnl).toPrecision(12)), fold: fold.fold });
    }
    carried = curve[curve.length - 1].pnl;
  }
  const html = renderWalkForwardPage({
    title: `Walk-forward of ${record.scenarioFile}`,
    objective: record.objective,
    minimize: record.direction === 'minimize',
    rule: record.rule,
    params: record.params,
    figures: metrics,
    folds: record.folds,
    curve,
  });
  const out = join(dir, WALK_FORWARD.page);
  writeAtomically(out, html);
  return out;
}
