import { isoMicros } from '../core/units.ts';
import { basename } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { SpreadlabError } from '../core/errors.ts';
import { checkOutputFolder } from '../core/output.ts';
import type { InspectReport } from '../data/inspect.ts';
import type { FormatName } from '../data/formats.ts';
import { exactDecimals, MarketUnits } from '../core/market.ts';
import { returning, say } from './output.ts';
import { cacheCommand } from './cache.ts';
import { synthCommand } from './synth.ts';

/**
 * `spreadlab data inspect|validate|convert|fetch`: thin wrappers over src/data (inspect.ts, convert.ts,
 * fetch.ts). Problems print as `file:line:column: message`; any problem makes the exit code 2 (with --json
 * the problems are the error's `problems`, each with its file, line and column). Each handler loads its
 * implementation when it runs.
 */
interface CommonArgs {
  files: string[];
  format: 'auto' | FormatName;
  date?: string;
  timezone: string;
  'tick-size'?: number;
  'lot-size'?: number;
}

/** The options every file command shares; the format registry loads when such a command is named. */
const common = async <T>(y: Argv<T>) => {
  const { FORMAT_NAMES } = await import('../data/formats.ts');
  return y
    .positional('files', {
      type: 'string',
      array: true,
      demandOption: true,
      describe: 'data files (.csv, .csv.gz, Binance raw .gz, LOBSTER .csv)',
    })
    .option('format', {
      choices: ['auto', ...FORMAT_NAMES],
      default: 'auto' as const,
      describe: 'input format (default: detect per file)',
    })
    .option('date', { type: 'string', describe: 'LOBSTER trading day YYYY-MM-DD (default: from the file name)' })
    .option('timezone', { type: 'string', default: 'America/New_York', describe: 'LOBSTER exchange time zone' })
    .option('tick-size', { type: 'number', describe: 'check prices are whole ticks of this size (default: infer)' })
    .option('lot-size', { type: 'number', describe: 'check sizes are whole lots of this size (default: infer)' });
};

const inputsOf = (files: string[]) => files.map((f) => ({ path: f, display: f }));

/** --tick-size and --lot-size, checked as a scenario's market steps are. */
async function checkSteps(a: CommonArgs): Promise<void> {
  const { BOUNDS, checkFlag } = await import('../core/bounds.ts');
  for (const flag of ['tick-size', 'lot-size'] as const) {
    checkFlag(flag, a[flag], BOUNDS.step);
    if (a[flag] !== undefined && exactDecimals(a[flag]) === null)
      throw new SpreadlabError(`--${flag} ${a[flag]}: expected a step of at most 12 decimals, such as 0.01`);
  }
}

function iso(us: number | null): string {
  return us === null ? '-' : isoMicros(us);
}

export function formatInspect(r: InspectReport): string {
  const span = r.start !== null && r.end !== null ? ((r.end - r.start) / 1e6).toFixed(1) : '0';
  const lines: [string, string][] = [
    ['files', r.files.join(', ')],
    ['format', r.format],
    ['symbol', r.symbol || '-'],
    ['time span', `${iso(r.start)} → ${iso(r.end)} (${span} s)`],
    [
      'rows',
      `${r.rows} from ${r.lines} lines: ${r.byKind.messages} book messages (${r.byKind.snapshotRows} snapshot rows, ${r.byKind.deltas} deltas), ${r.byKind.trades} trades, ${r.byKind.quotes} quotes`,
    ],
    ['tick size (inferred)', r.tickSize === null ? '-' : String(r.tickSize)],
    ['lot size (inferred)', r.lotSize === null ? '-' : String(r.lotSize)],
    [
      'local − exchange time',
      r.localMinusExch
        ? `median ${(r.localMinusExch.median / 1000).toFixed(1)} ms (min ${(r.localMinusExch.min / 1000).toFixed(1)}, max ${(r.localMinusExch.max / 1000).toFixed(1)})`
        : '-',
    ],
    [
      'time gaps > 5 s',
      r.timeGaps.length === 0 ? 'none' : r.timeGaps.map((g) => `${g.seconds.toFixed(1)} s after ${iso(g.at)}`).join('; '),
    ],
    ['sequence gaps', String(r.sequenceGaps)],
    ['rows dropped by rule', String(r.dropped)],
    ['problems', String(r.problems)],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join('');
}

export const dataCommand: CommandModule = {
  command: 'data <command>',
  describe: 'inspect, validate, convert, fetch and synthesize market data; list and prune the data cache',
  builder: (yargs: Argv) =>
    yargs
      .command(
        'inspect <files..>',
        'format, symbol, time span, rows by kind, inferred tick/lot size, gaps',
        common,
        returning(async (args) => {
          const { inspectFiles } = await import('../data/inspect.ts');
          const { formatProblem } = await import('../data/problems.ts');
          const a = args as unknown as CommonArgs;
          await checkSteps(a);
          const { reports, problems } = await inspectFiles(inputsOf(a.files), {
            format: a.format,
            date: a.date,
            timezone: a.timezone,
            tickSize: a['tick-size'],
            lotSize: a['lot-size'],
          });
          say(reports.map(formatInspect).join('\n'));
          for (const p of problems.slice(0, 5)) process.stderr.write(`${formatProblem(p)}\n`);
          return { command: 'data inspect', reports, problems, files: [] };
        }),
      )
      .command(
        'validate <files..>',
        'list every problem as file:line:column (exit 2 when there is any)',
        async (y) =>
          (await common(y)).option('on-error', {
            choices: ['stop', 'skip'] as const,
            default: 'skip' as const,
            describe: 'stop at the first problem, or list them all',
          }),
        returning(async (args) => {
          const { inspectFiles } = await import('../data/inspect.ts');
          const { formatProblem, problemError } = await import('../data/problems.ts');
          const a = args as unknown as CommonArgs & { 'on-error': 'stop' | 'skip' };
          await checkSteps(a);
          const { problems, problemCount } = await inspectFiles(inputsOf(a.files), {
            format: a.format,
            date: a.date,
            timezone: a.timezone,
            tickSize: a['tick-size'],
            lotSize: a['lot-size'],
            onError: a['on-error'] === 'stop' ? 'stop' : 'collect',
          });
          if (problemCount === 0) {
            say(`ok: ${a.files.length} file(s), no problems\n`);
            return { command: 'data validate', checked: a.files, problems: 0, files: [] };
          }
          if (problemCount === 1) throw problemError(problems[0]);
          for (const p of problems) say(`${formatProblem(p)}\n`);
          throw new SpreadlabError(
            `${problemCount} problems${problemCount > problems.length ? ` (first ${problems.length} listed)` : ''}`,
            {
              code: 'invalid-data',
              locations: problems.map((p) => problemError(p).details.locations![0]),
            },
          );
        }),
      )
      .command(
        'convert <files..>',
        'write tardis.dev CSV.gz (incremental_book_L2, trades, quotes) from any supported input',
        async (y) =>
          (await common(y))
            .option('to', { choices: ['tardis'] as const, default: 'tardis' as const })
            .option('out', { type: 'string', demandOption: true, describe: 'output folder' })
            .option('exchange', { type: 'string', describe: 'exchange name to write (default: from the input)' })
            .option('symbol', { type: 'string', describe: 'symbol to write (default: from the input)' }),
        returning(async (args) => {
          const { FINE_STEP } = await import('../data/inspect.ts');
          const { loadReplay } = await import('../data/replay.ts');
          const { writeTardis } = await import('../data/convert.ts');
          const a = args as unknown as CommonArgs & { out: string; exchange?: string; symbol?: string };
          await checkSteps(a);
          checkOutputFolder(a.out, 'data', 'the output folder');
          const tickSize = a['tick-size'] ?? FINE_STEP;
          const lotSize = a['lot-size'] ?? FINE_STEP;
          const units = new MarketUnits({ symbol: '', tickSize, lotSize, makerFeeBps: 0, takerFeeBps: 0 });
          const replay = await loadReplay(inputsOf(a.files), {
            units,
            format: a.format,
            onError: 'stop',
            onGap: 'resync',
            date: a.date,
            timezone: a.timezone,
            alignLocalTime: false,
            cache: null,
          });
          const first = replay.inputs[0];
          const symbol = a.symbol ?? (first.symbol || 'UNKNOWN');
          const exchange = a.exchange ?? first.exchange;
          const written = await writeTardis(replay.columns, {
            dir: a.out,
            prefix: `${exchange}_${symbol}`,
            exchange,
            symbol,
            tickSize,
            lotSize,
          });
          for (const w of written) say(`wrote ${w}\n`);
          return { command: 'data convert', exchange, symbol, files: written };
        }),
      )
      .command(
        'fetch <source>',
        'download tardis.dev CSV.gz datasets (the first day of each month is free; TARDIS_API_KEY for others)',
        (y) =>
          y
            .positional('source', { choices: ['tardis'] as const, demandOption: true })
            .option('exchange', { type: 'string', demandOption: true, describe: 'e.g. binance-futures' })
            .option('symbol', { type: 'string', demandOption: true, describe: 'e.g. BTCUSDT' })
            .option('date', { type: 'string', demandOption: true, describe: 'YYYY-MM-DD' })
            .option('types', { type: 'string', default: 'incremental_book_L2,trades', describe: 'comma-separated data types' })
            .option('out', { type: 'string', default: 'data', describe: 'output folder' })
            .option('base-url', { type: 'string', describe: 'dataset server (default https://datasets.tardis.dev/v1)' }),
        returning(async (args) => {
          const { fetchTardis } = await import('../data/fetch.ts');
          const { progressBar } = await import('./progress.ts');
          const a = args as unknown as { exchange: string; symbol: string; date: string; types: string; out: string; 'base-url'?: string };
          let bar: ReturnType<typeof progressBar> | null = null;
          let current = '';
          const fetched = await fetchTardis({
            baseUrl: a['base-url'],
            exchange: a.exchange,
            symbol: a.symbol,
            date: a.date,
            types: a.types
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
            outDir: a.out,
            apiKey: process.env.TARDIS_API_KEY,
            onProgress: (file, received, total) => {
              if (file !== current) {
                bar?.done();
                bar = progressBar(`fetch ${basename(file)}`);
                current = file;
              }
              if (Number.isFinite(total) && total > 0) bar?.update(received / total);
            },
          });
          (bar as ReturnType<typeof progressBar> | null)?.done();
          for (const f of fetched) say(`${f.status} ${f.path} (${f.bytes} bytes, sha256 ${f.sha256})\n`);
          return { command: 'data fetch', fetched, files: fetched.map((f) => f.path) };
        }),
      )
      .command(synthCommand)
      .command(cacheCommand as CommandModule)
      .demandCommand(1, 'name a data command: inspect, validate, convert, fetch, synth or cache'),
  handler: () => undefined,
};
