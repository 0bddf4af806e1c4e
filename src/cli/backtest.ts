import type { Argv } from 'yargs';
import type { BacktestArgs } from './backtest-run.ts';
import type { CommandResult } from './output.ts';

export function backtestOptions(yargs: Argv): Argv<BacktestArgs> {
  return yargs
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario JSON file, e.g. scenarios/demo.json' })
    .option('out', { type: 'string', describe: 'run folder to write (default reports/<scenario name>-<seed>)' })
    .option('set', { type: 'string', array: true, default: [], describe: 'override a scenario field: path=value (repeatable)' })
    .option('seed', { type: 'number', describe: 'override the scenario seed' })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' }) as Argv<BacktestArgs>;
}

/** The command's implementation (backtest-run.ts) is loaded when it runs, so that other commands (and --help) start without it. */
export async function backtestCommand(args: BacktestArgs): Promise<CommandResult> {
  const { runBacktestCommand } = await import('./backtest-run.ts');
  return runBacktestCommand(args);
}
