import { availableParallelism } from 'node:os';
import type { Argv } from 'yargs';
import { SpreadlabError } from '../core/errors.ts';
import { checkOutputFolder } from '../core/output.ts';
import type { ConfigFigures } from '../sweep/objective.ts';
import type { TuneStep } from '../sweep/tune.ts';
import type { FoldOutcome } from '../sweep/walk-forward.ts';
import { join } from 'node:path';
import { say, type CommandResult } from './output.ts';

/** Worker threads: one to a few hundred. */
const WORKERS = { min: 1, max: 256, integer: true };

export interface SelectionArgs {
  objective: string;
  minimize: boolean;
  require: string[];
  minFills: number;
}

export interface SweepArgs extends SelectionArgs {
  scenario: string;
  grid: string[];
  seeds?: number;
  random?: number;
  'allow-large-grid': boolean;
  workers: number;
  out?: string;
  set: string[];
  shard?: string;
  market?: string;
  train?: string;
  test?: string;
  folds?: number;
}

/**
 * The options builders below load the constants they show (the evidence rule's default, the grid's limits,
 * the bounds checks) when their command is named, so that --help and the other commands start without
 * simple-statistics or zod.
 */
export async function selectionOptions<T>(yargs: Argv<T>): Promise<Argv<T & SelectionArgs>> {
  const { DEFAULT_MIN_FILLS } = await import('../core/evidence.ts');
  return yargs
    .option('objective', { type: 'string', default: 'pnl.total', describe: 'results column to optimise (mean over seeds)' })
    .option('minimize', { type: 'boolean', default: false, describe: 'pick the lowest objective instead of the highest' })
    .option('require', {
      type: 'string',
      array: true,
      default: [],
      describe: 'constraint on a results column, e.g. "realizedSpreadBps.30s>0" (repeatable)',
    })
    .option('min-fills', {
      type: 'number',
      default: DEFAULT_MIN_FILLS,
      describe: 'never choose a configuration whose runs average fewer fills',
    }) as unknown as Argv<T & SelectionArgs>;
}

export async function sweepOptions(yargs: Argv): Promise<Argv<SweepArgs>> {
  const { checkFlag } = await import('../core/bounds.ts');
  const { HARD_MAX_RUNS, MAX_RUNS } = await import('../sweep/grid.ts');
  return (await selectionOptions(yargs))
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario JSON file' })
    .option('grid', {
      type: 'string',
      array: true,
      default: [],
      describe: 'path=values: a list 0,0.5,1 or a range start:stop:step (repeatable; the product is swept)',
    })
    .option('seeds', { type: 'number', describe: 'run every configuration with seeds 1..N (synthetic data)' })
    .option('random', {
      type: 'number',
      describe: 'draw K distinct configurations of the grid at random (a range gives its steps) instead of the full product',
    })
    .option('allow-large-grid', {
      type: 'boolean',
      default: false,
      describe: `run a sweep of more than ${MAX_RUNS} runs (configurations × seeds)`,
    })
    .option('workers', { type: 'number', default: availableParallelism(), describe: 'worker threads (default: cores)' })
    .option('out', { type: 'string', describe: 'sweep folder (default reports/sweep-<scenario name>); rerun the same command to resume' })
    .option('set', { type: 'string', array: true, default: [], describe: 'override a scenario field for every run: path=value' })
    .option('market', {
      type: 'string',
      describe: 'several markets: the market id whose figures fill the one-market columns (default: the quoted, first one)',
    })
    .option('train', {
      type: 'string',
      describe: 'walk-forward: training window FROM..TO (ISO times or offsets such as 0s..30m); needs --test',
    })
    .option('test', { type: 'string', describe: 'walk-forward: test window FROM..TO, measured with the config chosen on --train' })
    .option('folds', { type: 'number', describe: 'walk-forward over K folds: the data cut in K+1 parts, train on one, test on the next' })
    .option('shard', {
      type: 'string',
      describe: 'run only slice I/N of the run list (I from 0; default: JOB_COMPLETION_INDEX/SPREADLAB_SHARDS when both are set)',
    })
    .example('$0 sweep scenarios/demo.json --grid strategy.spreadBps=5:30:5 --grid strategy.skewFactor=0,0.25,0.5,1 --seeds 3', '')
    .check((args) => {
      if (args.grid.length === 0)
        throw new SpreadlabError('--grid: name at least one parameter to sweep, e.g. --grid strategy.spreadBps=5:30:5');
      checkFlag('workers', args.workers, WORKERS);
      checkFlag('seeds', args.seeds, { min: 1, max: HARD_MAX_RUNS, integer: true });
      checkFlag('random', args.random, { min: 1, max: HARD_MAX_RUNS, integer: true });
      checkFlag('folds', args.folds, { min: 1, max: 100, integer: true });
      if ((args.train === undefined) !== (args.test === undefined)) throw new SpreadlabError('--train and --test go together');
      if (args.folds !== undefined && args.train !== undefined) throw new SpreadlabError('use either --folds or --train/--test');
      if ((args.folds !== undefined || args.train !== undefined) && args.shard)
        throw new SpreadlabError('--shard does not combine with walk-forward');
      return true;
    }) as unknown as Argv<SweepArgs>;
}

/** The shard from --shard, or from a Kubernetes Indexed Job's JOB_COMPLETION_INDEX with SPREADLAB_SHARDS. */
async function shardOf(args: SweepArgs): Promise<{ index: number; count: number } | null> {
  const { parseShard } = await import('../sweep/grid.ts');
  if (args.shard) return parseShard(args.shard);
  const index = process.env.JOB_COMPLETION_INDEX;
  const count = process.env.SPREADLAB_SHARDS;
  if (index !== undefined && count !== undefined) return parseShard(`${index}/${count}`);
  return null;
}

/** The sweep and walk-forward implementation is loaded when the command runs (as every command's). */
export async function sweepCommand(args: SweepArgs): Promise<CommandResult> {
  const { sweep } = await import('../sweep/sweep.ts');
  const { foldsOf, parseWindowFlag, walkForward, WALK_FORWARD } = await import('../sweep/walk-forward.ts');
  const { progressBar } = await import('./progress.ts');
  const scenarioName = (args.scenario.split('/').pop() ?? 'scenario').replace(/\.json$/, '');
  const out = args.out ?? `reports/sweep-${scenarioName}`;
  const shard = await shardOf(args);
  const progress = progressBar(`sweep ${scenarioName}`);
  const isWalkForward = args.folds !== undefined || args.train !== undefined;
  checkOutputFolder(out, isWalkForward ? 'walk-forward' : 'sweep', isWalkForward ? 'the walk-forward folder' : 'the sweep folder');
  const options = {
    scenarioFile: args.scenario,
    overrides: args.set,
    grid: args.grid,
    seeds: args.seeds,
    random: args.random,
    allowLargeGrid: args['allow-large-grid'],
    market: args.market,
    workers: args.workers,
    objective: args.objective,
    minimize: args.minimize,
    require: args.require,
    minFills: args.minFills,
    out,
    shard,
    onProgress: (done: number, total: number) => progress.update(total > 0 ? done / total : 1),
  };
  if (isWalkForward) {
    const folds =
      args.folds !== undefined
        ? await foldsOf(options, args.folds)
        : [{ train: parseWindowFlag('--train', args.train!), test: parseWindowFlag('--test', args.test!) }];
    const outcomes = await walkForward(options, folds);
    progress.done();
    for (const o of outcomes) say(describeFold(o, args.objective));
    say(`walk-forward written to ${out}/walkforward.csv, ${out}/walkforward.html\n`);
    const foldResults = outcomes.map(({ fold, windows, params, train, test, trainRuns, testRuns }) => ({
      fold,
      windows,
      params,
      inSample: train,
      outOfSample: test,
      trainRuns,
      testRuns: testRuns.map((run) => join(out, run)),
    }));
    return {
      command: 'sweep',
      kind: 'walk-forward',
      out,
      objective: args.objective,
      folds: foldResults,
      files: [WALK_FORWARD.record, WALK_FORWARD.csv, WALK_FORWARD.page].map((f) => join(out, f)),
    };
  }
  const outcome = await sweep(options);
  progress.done();
  const shardNote = shard ? ` (shard ${shard.index}/${shard.count}; merge the shards with spreadlab sweep-merge)` : '';
  say(`${outcome.entries.length} runs in ${out}/results.csv${shardNote}\n`);
  if (outcome.complete) say(describeBest(outcome, args.objective, out));
  return {
    command: 'sweep',
    kind: 'sweep',
    out,
    runs: outcome.entries.length,
    complete: outcome.complete,
    shard,
    ...bestResult(outcome, args.objective),
    files: outcome.complete ? await sweepFiles(out) : [join(out, (await import('../sweep/journal.ts')).RESULTS)],
  };
}

/** The choice of a sweep as a result: the objective, the best configuration (null when none qualified) and the warnings. */
function bestResult(outcome: { best: ConfigFigures | null; warnings: string[] }, objective: string) {
  const { best, warnings } = outcome;
  return {
    objective,
    best: best && {
      config: best.config,
      params: best.params,
      seeds: best.seeds,
      objective: best.means[objective] ?? null,
      means: best.means,
    },
    warnings,
  };
}

/** The files of a finished sweep or tune folder (loaded when a command has one to name). */
async function sweepFiles(out: string): Promise<string[]> {
  const { RESULTS } = await import('../sweep/journal.ts');
  const { BEST, CONFIGS, SWEEP_PAGE } = await import('../sweep/views.ts');
  return [RESULTS, CONFIGS, BEST, SWEEP_PAGE].map((f) => join(out, f));
}

/** A figure as printed: 4 significant digits. */
function rounded(x: number | null | undefined): string {
  return x === null || x === undefined ? 'NA' : String(Number(x.toPrecision(4)));
}

export function describeBest(outcome: { best: ConfigFigures | null; warnings: string[] }, objective: string, out: string): string {
  const { best, warnings } = outcome;
  const warned = warnings.map((w) => `warning: ${w}\n`).join('');
  if (!best) return `no configuration passed the constraints: see ${out}/best.json\n${warned}`;
  const params = Object.entries(best.params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  return `best: ${params}  ${objective} = ${rounded(best.means[objective])} (mean over ${best.seeds.length} seed${best.seeds.length > 1 ? 's' : ''}), ${rounded(best.means['fills.count'])} fills a run; ${out}/best.json, ${out}/sweep.html\n${warned}`;
}

function describeFold(o: FoldOutcome, objective: string): string {
  const head = `fold ${o.fold}: train ${o.windows.train.from}..${o.windows.train.to}, test ${o.windows.test.from}..${o.windows.test.to}`;
  if (!o.params) return `${head}: no configuration passed the constraints (see fold-${o.fold}/train/best.json)\n`;
  const params = Object.entries(o.params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  return `${head}\n  chose ${params}: ${objective} in-sample ${rounded(o.train?.[objective])} → out-of-sample ${rounded(o.test?.[objective])}\n`;
}

export interface TuneArgs {
  scenario: string;
  param: string;
  start: number;
  widen: number;
  step: number;
  maxSpread: number;
  minFills: number;
  seeds?: number;
  workers: number;
  out?: string;
  set: string[];
  market?: string;
}

export async function tuneOptions(yargs: Argv): Promise<Argv<TuneArgs>> {
  const { DEFAULT_MIN_FILLS } = await import('../core/evidence.ts');
  return yargs
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario JSON file' })
    .option('param', { type: 'string', default: 'strategy.spreadBps', describe: 'the spread parameter to tune (bps)' })
    .option('start', { type: 'number', default: 10, describe: 'spread to start from, bps' })
    .option('widen', {
      type: 'number',
      default: 5,
      describe: 'widen by this while realized spread net of fees is not consistently positive, bps',
    })
    .option('step', { type: 'number', default: 1, describe: 'then narrow by this while it stays consistently positive, bps' })
    .option('max-spread', { type: 'number', default: 200, describe: 'give up beyond this spread, bps' })
    .option('min-fills', {
      type: 'number',
      default: DEFAULT_MIN_FILLS,
      describe: 'fewest fills with a complete markout to judge a spread on',
    })
    .option('seeds', { type: 'number', describe: 'pool each step over seeds 1..N (synthetic data)' })
    .option('workers', { type: 'number', default: availableParallelism(), describe: 'worker threads' })
    .option('out', { type: 'string', describe: 'output folder (default reports/tune-<scenario name>)' })
    .option('market', {
      type: 'string',
      describe: 'several markets: the market id whose figures fill the one-market columns (default: the quoted, first one)',
    })
    .option('set', {
      type: 'string',
      array: true,
      default: [],
      describe: 'override a scenario field: path=value',
    }) as unknown as Argv<TuneArgs>;
}

const EVIDENCE_TEXT: Record<TuneStep['evidence'], string> = {
  positive: 'consistently positive',
  negative: 'consistently negative',
  'spans-zero': 'not enough evidence (the interval spans 0)',
  'too-few': 'not enough evidence (too few fills)',
  none: 'no fills',
};

function describeStep(s: TuneStep): string {
  const signed = (x: number | null): string => (x === null ? 'NA' : `${x >= 0 ? '+' : ''}${x.toFixed(2)}`);
  const interval = s.net.ci95Low === null ? '' : ` (95% CI ${signed(s.net.ci95Low)} to ${signed(s.net.ci95High)})`;
  return `${s.phase.padEnd(6)} ${String(s.spread).padStart(6)} bps: net of fees ${signed(s.net.mean)} bps${interval}, before fees ${signed(s.grossBps)} bps, ${s.net.count} fills: ${EVIDENCE_TEXT[s.evidence]}\n`;
}

export async function tuneCommand(args: TuneArgs): Promise<CommandResult> {
  const { tune } = await import('../sweep/tune.ts');
  const { BOUNDS, checkFlag } = await import('../core/bounds.ts');
  const { HARD_MAX_RUNS } = await import('../sweep/grid.ts');
  for (const flag of ['start', 'widen', 'step', 'max-spread'] as const)
    checkFlag(flag, args[flag === 'max-spread' ? 'maxSpread' : flag], BOUNDS.spreadBps);
  if (args.maxSpread / args.widen > 10_000 || args.start / args.step > 10_000)
    throw new SpreadlabError('--widen/--step: at most 10000 steps between --start and --max-spread (widen or step by more)');
  checkFlag('seeds', args.seeds, { min: 1, max: HARD_MAX_RUNS, integer: true });
  checkFlag('workers', args.workers, WORKERS);
  const scenarioName = (args.scenario.split('/').pop() ?? 'scenario').replace(/\.json$/, '');
  const out = args.out ?? `reports/tune-${scenarioName}`;
  const { chosen, steps, conclusion } = await tune({
    scenarioFile: args.scenario,
    overrides: args.set,
    param: args.param,
    start: args.start,
    widenBy: args.widen,
    narrowBy: args.step,
    maxSpread: args.maxSpread,
    minFills: args.minFills,
    seeds: args.seeds,
    market: args.market,
    workers: args.workers,
    out,
    onStep: (s) => say(describeStep(s)),
  });
  say(`${conclusion}\nwritten: ${out}/results.csv, ${out}/best.json, ${out}/sweep.html\n`);
  return { command: 'tune', out, param: args.param, chosen, conclusion, steps, files: await sweepFiles(out) };
}

export interface MergeArgs extends SelectionArgs {
  dirs: string[];
  out: string;
}

export async function mergeOptions(yargs: Argv): Promise<Argv<MergeArgs>> {
  return (await selectionOptions(yargs))
    .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'shard folders' })
    .option('out', { type: 'string', demandOption: true, describe: 'folder for the merged sweep' }) as unknown as Argv<MergeArgs>;
}

export async function mergeCommand(args: MergeArgs): Promise<CommandResult> {
  const { mergeShards } = await import('../sweep/sweep.ts');
  const { runs, ...outcome } = await mergeShards(args.dirs, args.out, args);
  say(`${runs} runs merged into ${args.out}/results.csv\n${describeBest(outcome, args.objective, args.out)}`);
  return {
    command: 'sweep-merge',
    out: args.out,
    shards: args.dirs,
    runs,
    ...bestResult(outcome, args.objective),
    files: await sweepFiles(args.out),
  };
}
