import { dirname } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { checkOutputFolder } from '../core/output.ts';
import { returning, say } from './output.ts';

/** `spreadlab data synth <scenario> --out <dir>`: writes a scenario's synthetic market as tardis CSV.gz. */
interface SynthArgs {
  scenario: string;
  out: string;
  prefix?: string;
  set: string[];
  seed?: number;
}

export const synthCommand: CommandModule = {
  command: 'synth <scenario>',
  describe: "write a scenario's synthetic market as tardis.dev CSV.gz (incremental_book_L2, trades, quotes)",
  builder: (y: Argv) =>
    y
      .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario JSON with synthetic data' })
      .option('out', { type: 'string', demandOption: true, describe: 'output folder' })
      .option('prefix', { type: 'string', describe: 'file name prefix (default synthetic_<symbol>_<model>_seed<seed>)' })
      .option('set', { type: 'string', array: true, default: [], describe: 'override a scenario field: path=value (repeatable)' })
      .option('seed', { type: 'number', describe: 'override the scenario seed' }),
  handler: returning(async (args) => {
    const { loadScenario } = await import('../sim/scenario.ts');
    const { writeScenarioMarket } = await import('../sim/assemble.ts');
    const { BOUNDS, checkFlag } = await import('../core/bounds.ts');
    const a = args as unknown as SynthArgs;
    checkFlag('seed', a.seed, BOUNDS.seed);
    const overrides = [...a.set, ...(a.seed === undefined ? [] : [`seed=${a.seed}`])];
    const scenario = await loadScenario(a.scenario, overrides);
    checkOutputFolder(a.out, 'data', 'the output folder');
    const written = await writeScenarioMarket(scenario, dirname(a.scenario), { dir: a.out, prefix: a.prefix });
    for (const w of written) say(`wrote ${w}\n`);
    return { command: 'data synth', scenario: scenario.name, seed: scenario.seed, files: written };
  }),
};
