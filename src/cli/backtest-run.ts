import { dirname, join } from 'node:path';
import { summaryWarnings } from '../analytics/warnings.ts';
import { BOUNDS, checkFlag } from '../core/bounds.ts';
import { checkOutputFolder } from '../core/output.ts';
import { warn } from '../core/warnings.ts';
import { writeRunFolder } from '../report/run-folder.ts';
import { runScenario } from '../sim/run-scenario.ts';
import { loadScenario } from '../sim/scenario.ts';
import { say, type CommandResult } from './output.ts';
import { progressBar } from './progress.ts';
import { runSummaryText } from './run-summary.ts';

export interface BacktestArgs {
  scenario: string;
  out?: string;
  set: string[];
  seed?: number;
  quiet: boolean;
}

/**
 * `spreadlab backtest`'s implementation, loaded (with all it imports, in one import) when the command runs,
 * so that other commands and --help start without it.
 */
export async function runBacktestCommand(args: BacktestArgs): Promise<CommandResult> {
  checkFlag('seed', args.seed, BOUNDS.seed);
  const overrides = [...args.set, ...(args.seed === undefined ? [] : [`seed=${args.seed}`])];
  const scenario = await loadScenario(args.scenario, overrides);
  const out = args.out ?? join('reports', `${scenario.name}-${scenario.seed}`);
  checkOutputFolder(out, 'run', 'the run folder'); // before the run: a refused --out costs nothing
  const progress = progressBar(`backtest ${scenario.name}`);
  const run = await runScenario(scenario, dirname(args.scenario), (f) => progress.update(f));
  progress.done();
  const { summary, portfolio, files: written } = writeRunFolder(out, run, overrides);
  for (const warning of summaryWarnings(summary)) warn(warning);
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
