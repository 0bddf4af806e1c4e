import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Argv } from 'yargs';
import { say, type CommandResult } from './output.ts';

export interface BacktestArgs {
  scenario: string;
  out?: string;
  set: string[];
  seed?: number;
  quiet: boolean;
}

export function backtestOptions(yargs: Argv): Argv<BacktestArgs> {
  return yargs
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario JSON file, e.g. scenarios/demo.json' })
    .option('out', { type: 'string', describe: 'run folder to write (default reports/<scenario name>-<seed>)' })
    .option('set', { type: 'string', array: true, default: [], describe: 'override a scenario field: path=value (repeatable)' })
    .option('seed', { type: 'number', describe: 'override the scenario seed' })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' }) as Argv<BacktestArgs>;
}

/** The command's implementation is loaded when it runs, so that other commands (and --help) start without it. */
export async function backtestCommand(args: BacktestArgs): Promise<CommandResult> {
  const { BOUNDS, checkFlag } = await import('../core/bounds.ts');
  const { checkOutputFolder } = await import('../core/output.ts');
  const { warn } = await import('../core/warnings.ts');
  const { loadScenario } = await import('../sim/scenario.ts');
  const { runScenario } = await import('../sim/run-scenario.ts');
  const { writeRunFolder } = await import('../report/run-folder.ts');
  const { RUN_FILE, RUN_FILES } = await import('../report/run-files.ts');
  const { summaryWarnings } = await import('../analytics/warnings.ts');
  const { PORTFOLIO_FILE } = await import('../report/portfolio-files.ts');
  const { runSummaryText } = await import('./run-summary.ts');
  const { progressBar } = await import('./progress.ts');
  checkFlag('seed', args.seed, BOUNDS.seed);
  const overrides = [...args.set, ...(args.seed === undefined ? [] : [`seed=${args.seed}`])];
  const scenario = await loadScenario(args.scenario, overrides);
  const out = args.out ?? join('reports', `${scenario.name}-${scenario.seed}`);
  checkOutputFolder(out, 'run', 'the run folder'); // before the run: a refused --out costs nothing
  const progress = progressBar(`backtest ${scenario.name}`);
  const run = await runScenario(scenario, dirname(args.scenario), (f) => progress.update(f));
  progress.done();
  const { summary, portfolio } = writeRunFolder(out, run, overrides);
  for (const warning of summaryWarnings(summary)) warn(warning);
  const files = readdirSync(out);
  const optional = [PORTFOLIO_FILE.portfolio, RUN_FILE.strategySeries, PORTFOLIO_FILE.funding].filter((f) => files.includes(f));
  const written = [...RUN_FILES.slice(0, -1), ...optional, ...RUN_FILES.slice(-1)];
  const { table, verdict: line } = runSummaryText(summary, portfolio?.summary);
  if (!args.quiet) say(`${table}\n${line}\n\nwrote ${out}/ (${written.join(', ')})\n`);
  return {
    command: 'backtest',
    out,
    verdict: line,
    summary,
    ...(portfolio ? { portfolio: portfolio.summary } : {}),
    files: written.map((f) => join(out, f)),
  };
}
