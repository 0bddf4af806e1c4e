import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { onActivity } from '../core/activity.ts';
import { isUserError } from '../core/errors.ts';
import { describeFsError, USER_FS_CODES } from '../core/fs-errors.ts';
import { packageVersion } from '../core/version.ts';
import { LIVE_COMMANDS } from './live.ts';
import { backtestCommand, backtestOptions } from './backtest.ts';
import { dataCommand } from './data.ts';
import { scenarioSchemaCommand } from './scenario-schema.ts';
import { errorDocument, printResult, returning, setJsonOutput } from './output.ts';
import { progressBar } from './progress.ts';
import { reportCommand, reportOptions } from './report.ts';
import { serveModule } from './serve.ts';
import { newCommand } from './new.ts';
import { mergeCommand, mergeOptions, sweepCommand, sweepOptions, tuneCommand, tuneOptions } from './sweep.ts';

/**
 * The spreadlab command line. Commands are thin: parse, call a library function, print.
 * Exit codes: 0 success, 2 a user error (bad file, scenario or flag; one clear message, no stack trace),
 * 1 an internal fault.
 * --json (every command): one JSON document on stdout, the command's result; a user error as a JSON object
 * on stderr (output.ts). Each handler returns its result; `returning` keeps it for printResult.
 */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json') || argv.includes('--json=true');
  setJsonOutput(json);
  onActivity((label) => progressBar(label)); // reading a data file, writing a streamed entry: drawn on a terminal
  try {
    // The version is named: yargs would read the package.json above its own folder (in a user's project, the
    // user's). The locale is English, as spreadlab's own text is (the bundle, scripts/bundle.mjs, ships no
    // other yargs locale).
    const parser = yargs(argv);
    await parser
      .scriptName('spreadlab')
      .version(packageVersion())
      .locale('en')
      .usage('$0 <command> [options]')
      .option('json', {
        type: 'boolean',
        global: true,
        describe: 'print one JSON document on stdout (the result and the files written); user errors as JSON on stderr',
      })
      .command(
        'backtest <scenario>',
        'run a scenario through the simulated venue and write a run folder',
        backtestOptions,
        returning(backtestCommand),
      )
      .command(
        'report <runs..>',
        "re-render a run folder's report.html (or a sweep/walk-forward folder's page) from its saved outputs, or compare several runs (--out cmp.html)",
        reportOptions,
        returning(reportCommand),
      )
      .command(
        'sweep <scenario>',
        'run a grid of parameters in parallel; write results.csv, configs.csv, best.json and sweep.html',
        sweepOptions,
        returning(sweepCommand),
      )
      .command(
        'tune <scenario>',
        "the guide's tuning rule, net of fees: widen until realized spread is consistently positive, then narrow while it stays so",
        tuneOptions,
        returning(tuneCommand),
      )
      .command('sweep-merge <dirs..>', 'merge the folders of a sharded sweep into one', mergeOptions, returning(mergeCommand))
      .command(dataCommand)
      .command(scenarioSchemaCommand)
      .command(serveModule as never)
      .command(newCommand)
      .command(LIVE_COMMANDS as never)
      .demandCommand(1, 'name a command, e.g. spreadlab backtest scenarios/demo.json')
      .strict()
      .middleware((args) => oneValueEach(args, arrayFlags(parser)), true)
      .help()
      .fail((message, error) => {
        // a flag missing its value comes as yargs' YError: a usage error; any other YError is a fault of ours
        throw error && !(error.name === 'YError' && YARGS_USAGE.test(error.message)) ? error : new UsageError(error?.message ?? message);
      })
      .parseAsync();
    printResult();
    return 0;
  } catch (error) {
    if (isUserError(error) || error instanceof UsageError) {
      if (json)
        process.stderr.write(`${JSON.stringify(errorDocument(error as Error, error instanceof UsageError ? 'usage' : 'user-error'))}\n`);
      else process.stderr.write(`spreadlab: ${oneLine((error as Error).message)}\n`);
      return 2;
    }
    const environment = environmentFault(error);
    if (environment) {
      if (json) process.stderr.write(`${JSON.stringify(errorDocument(new Error(environment), 'environment'))}\n`);
      else process.stderr.write(`spreadlab: ${environment}\n`);
      return 2;
    }
    process.stderr.write(`spreadlab: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

class UsageError extends Error {}

/**
 * The flags (and positionals) of the command being run that take several values: yargs' `getOptions()`, which
 * its TypeScript types leave out (yargs is bundled at one version: scripts/bundle.mjs; a test gives a flag
 * twice, test/hardening/user-errors.test.ts).
 */
function arrayFlags(parser: unknown): string[] {
  return (parser as { getOptions(): { array: string[] } }).getOptions().array;
}

/**
 * A flag that takes one value, given twice (`--out a --out b`): yargs makes its value an array, which the
 * command would take for a value of the wrong type; a usage error instead, naming the flag.
 */
function oneValueEach(argv: Record<string, unknown>, repeatable: string[]): void {
  const arrays = new Set(repeatable);
  for (const [key, value] of Object.entries(argv)) {
    // '_' and '$0' are yargs' own; a camelCase key is the alias yargs adds for a dashed flag (named once)
    if (key !== '_' && key !== '$0' && !/[A-Z]/.test(key) && Array.isArray(value) && !arrays.has(key))
      throw new UsageError(`--${key}: given ${value.length} times (give it once)`);
  }
}

/** The YError messages that are about what was typed (a flag's value missing or extra: `requiresArg`, `nargs`). */
const YARGS_USAGE = /^(Not enough arguments following|Argument unexpected for): /;

/**
 * A fault of the user's environment that no specific check caught (a file vanished, the disk filled, a
 * port is taken): one line naming the path and the reason, as a user error, rather than a stack trace.
 */
function environmentFault(error: unknown): string | null {
  const e = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || e.code === undefined || !USER_FS_CODES.has(e.code)) return null;
  const where = e.path ?? (e as { address?: string }).address;
  return `${where ? `${where}: ` : ''}${e.syscall ? `${e.syscall} failed: ` : ''}${describeFsError(error)}`;
}

/**
 * A user error as printed: a list of problems of one source (a scenario's schema problems, each
 * `file: path: …`) stays one per line; any other message that spans lines (a library's text with a line
 * break inside) is joined into one line.
 */
function oneLine(message: string): string {
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const cut = lines[0]?.indexOf(': ') ?? -1;
  const source = cut > 0 ? lines[0].slice(0, cut + 2) : null;
  const aList = lines.length > 1 && source !== null && lines.every((line) => line.startsWith(source));
  return aList ? lines.join('\n') : lines.join(' ');
}

process.exitCode = await main(hideBin(process.argv));
