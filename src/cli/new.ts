import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv, CommandModule } from 'yargs';
import { SpreadlabError } from '../core/errors.ts';
import { packageFile } from '../core/package-files.ts';
import { checkOutputPath, writeFileAtomically } from '../core/output.ts';
import { returning, say, type CommandResult } from './output.ts';

/** The package ships scenarios/*.json. */
const DEMO_SCENARIO = packageFile('scenarios/demo.json');

/**
 * `spreadlab new strategy NAME [--dir DIR]`: starts a strategy of the user's own. Writes into DIR (default:
 * the current folder, created when missing):
 * - NAME.ts: a working strategy made with defineStrategy (the built-in inventory-skew loop, to edit);
 * - NAME.json: the demo scenario (scenarios/demo.json) cut to ten minutes, with NAME.ts as its strategy;
 * - NAME.test.ts: a vitest test that runs the scenario through the public API and checks it traded.
 * Rules: NAME follows defineStrategy's rule (lower-case words joined by "-"); nothing is written when any of
 * the three files exists (exit 2, naming it). The files import only 'spreadlab' (and vitest), so they run as
 * written in any project that installed spreadlab.
 */
interface NewStrategyArgs {
  name: string;
  dir: string;
}

export const newCommand: CommandModule = {
  command: 'new <kind>',
  describe: 'start files of your own: `new strategy NAME` writes a strategy, a scenario that backtests it, and its test',
  builder: (yargs: Argv) =>
    yargs
      .command(
        'strategy <name>',
        'write NAME.ts (a strategy made with defineStrategy), NAME.json (its scenario) and NAME.test.ts (its vitest test)',
        (y) =>
          y
            .positional('name', { type: 'string', demandOption: true, describe: 'lower-case words joined by "-", e.g. my-strategy' })
            .option('dir', { type: 'string', default: '.', describe: 'folder to write the files into' }),
        returning((args) => newStrategy(args as unknown as NewStrategyArgs)),
      )
      .demandCommand(1, 'name what to start, e.g. spreadlab new strategy my-strategy'),
  handler: () => undefined,
};

/** Loads its implementation (zod, defineStrategy's checks) when it runs, as every command does. */
async function newStrategy({ name, dir }: NewStrategyArgs): Promise<CommandResult> {
  const { z } = await import('zod');
  const { definitionProblem } = await import('../strategy/define.ts');
  // The name rule is defineStrategy's: checked on a stand-in definition so the two cannot drift apart.
  const problem = definitionProblem({ name, params: z.object({}), create: () => undefined });
  if (problem !== null) throw new SpreadlabError(`new strategy: ${problem}`);
  const files: [string, string][] = [
    [`${name}.ts`, strategySource(name)],
    [`${name}.json`, `${JSON.stringify(scenario(name, dir), null, 2)}\n`],
    [`${name}.test.ts`, testSource(name)],
  ];
  const paths = files.map(([file]) => join(dir, file));
  const existing = paths.find((path) => existsSync(path));
  if (existing) throw new SpreadlabError(`new strategy: ${existing} exists; not overwriting it (choose another name or --dir)`);
  for (const path of paths) checkOutputPath(path, 'a strategy file');
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  try {
    files.forEach(([, text], i) => {
      writeFileAtomically(paths[i], text);
      written.push(paths[i]);
    });
  } catch (error) {
    for (const path of written) rmSync(path, { force: true }); // all three or none: a rerun then starts clean
    throw error;
  }
  const shown = paths.map((path) => relative(process.cwd(), path));
  say(
    [
      `wrote ${shown[0]}  (the strategy: edit it)`,
      `wrote ${shown[1]}  (a scenario that backtests it on a synthetic market)`,
      `wrote ${shown[2]}  (a vitest test that runs the scenario)`,
      '',
      'next:',
      `  npx spreadlab backtest ${shown[1]}`,
      `  npx vitest run ${shown[2]}    (needs vitest: npm install --save-dev vitest)`,
      '',
    ].join('\n'),
  );
  return { command: 'new strategy', name, strategy: paths[0], scenario: paths[1], test: paths[2], files: paths };
}

function strategySource(name: string): string {
  return `/**
 * ${name}: a market-making strategy of your own, started from spreadlab's inventory-skew loop.
 *
 * It quotes, then sleeps requoteMs, and again: it reads the mid and its position, skews the mid against the
 * position (when long, both quotes move down so the ask fills sooner), cancels its orders and posts a
 * post-only bid and ask spreadBps apart around the skewed mid. A side whose fill would take |position|
 * beyond maxInventory is not quoted.
 *
 * Parameters: spreadBps (full quoted spread, bps of the mid), size (base units per order), maxInventory
 * (base units), skewFactor (default 0.5: at maxInventory the quotes move by half the spread), requoteMs
 * (default 3000).
 * Limits: cancel-all and re-post every cycle, so no order keeps its queue position; no quote while either
 * side of the book is empty.
 *
 * Backtest it: npx spreadlab backtest ${name}.json     Test it: npx vitest run ${name}.test.ts
 */
import { defineStrategy, roundQuoteToTick, z } from 'spreadlab';

export default defineStrategy({
  name: '${name}',
  description: 'a bid and an ask spreadBps apart around the mid, both skewed against the position',
  params: z.object({
    spreadBps: z.number().positive(),
    size: z.number().positive(),
    maxInventory: z.number().positive(),
    skewFactor: z.number().nonnegative().default(0.5),
    requoteMs: z.number().positive().default(3000),
  }),
  create:
    ({ spreadBps, size, maxInventory, skewFactor, requoteMs }) =>
    async ({ venue, clock, market, tickSize }) => {
      // getSnapshot and getPosition read what the feed and the fill notices have shown (no round trip); the
      // order calls are round trips: in a backtest each costs the scenario's latency in virtual time.
      do {
        const book = await venue.getSnapshot(market);
        if (Number.isNaN(book.mid)) continue;
        const position = await venue.getPosition(market);
        const skewBps = -(position / maxInventory) * spreadBps * skewFactor;
        const skewedMid = book.mid * (1 + skewBps / 10_000);
        const half = (book.mid * spreadBps) / 10_000 / 2;
        await venue.cancelAllOrders(market);
        // The 1e-9 slack: decimal sums are not exact (0.06 + 0.01 gives 0.06999999999999999).
        if (position + size <= maxInventory + 1e-9) {
          await venue.placeOrder({ market, side: 'buy', size, price: roundQuoteToTick(skewedMid - half, tickSize, 'buy'), postOnly: true });
        }
        if (position - size >= -maxInventory - 1e-9) {
          await venue.placeOrder({ market, side: 'sell', size, price: roundQuoteToTick(skewedMid + half, tickSize, 'sell'), postOnly: true });
        }
      } while (await clock.sleep(requoteMs));
    },
});
`;
}

/**
 * The shipped demo scenario (scenarios/demo.json: its market, venue and inventory-skew parameters), cut to
 * ten minutes, with its strategy as the user's module.
 */
function scenario(name: string, dir: string): object {
  const demo = JSON.parse(readFileSync(DEMO_SCENARIO, 'utf8'));
  const { name: _builtIn, ...params } = demo.strategy;
  const schema = relative(resolve(dir), fileURLToPath(new URL('scenario.schema.json', DEMO_SCENARIO)));
  return {
    ...demo,
    $schema: schema.startsWith('.') ? schema : `./${schema}`, // this installed spreadlab's JSON Schema, for editors
    name,
    description: `Ten simulated minutes of the demo's market (a seeded random walk in which a share of the market orders is informed), quoted by ${name}.ts.`,
    durationSeconds: 600,
    strategy: { module: `./${name}.ts`, ...params },
  };
}

function testSource(name: string): string {
  return `import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeRun, loadScenario, runScenario } from 'spreadlab';

const scenarioFile = fileURLToPath(new URL('./${name}.json', import.meta.url));

describe('${name}', () => {
  it('backtests its scenario: it buys and sells, and stays within maxInventory', async () => {
    const scenario = await loadScenario(scenarioFile);
    const { summary } = analyzeRun(await runScenario(scenario, dirname(scenarioFile)));
    expect(summary.fills.buys).toBeGreaterThan(0);
    expect(summary.fills.sells).toBeGreaterThan(0);
    expect(summary.inventory.max).toBeLessThanOrEqual(Number(scenario.strategy.maxInventory));
  }, 60_000); // ten simulated minutes: a few seconds on a busy machine, over vitest's 5 s default
});
`;
}
