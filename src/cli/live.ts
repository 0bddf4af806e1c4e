import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { SpreadlabError } from '../core/errors.ts';
import { checkOutputFile } from '../core/output.ts';
import type { RiskLimits } from '../live/config.ts';
import { returning, say } from './output.ts';

/**
 * The live commands: promote, live, record, reconcile. Each loads its implementation (and ccxt) only when it
 * runs; promote's builder loads its defaults when that command is named.
 * Exit codes as elsewhere (0, 1, 2), plus 3 when a live run was stopped by the kill switch. Status lines and
 * the live run's log go to stderr; the result (text, or with --json one document) to stdout.
 */
interface PromoteArgs {
  source: string;
  out: string;
  rank: number;
  'allow-nonpositive-spread': boolean;
  'allow-no-oos': boolean;
  'allow-few-fills': boolean;
  'min-fills': number;
  'oos-ratio': number;
  'max-position'?: number;
  'max-loss'?: number;
  'max-orders-per-minute'?: number;
  'stale-seconds'?: number;
  'price-band-bps'?: number;
  'flatten-on-kill': boolean;
}

interface LiveArgs {
  config: string;
  exchange: string;
  sandbox: boolean;
  paper: boolean;
  'dry-run': boolean;
  minutes?: number;
  out?: string;
  'base-url'?: string;
  'venue-exchange': string[];
  'venue-url': string[];
  'allow-unpromoted': boolean;
  'flatten-on-kill': boolean;
  quiet: boolean;
}

interface RecordArgs {
  exchange: string;
  symbol: string;
  minutes: number;
  out?: string;
  sandbox: boolean;
  'base-url'?: string;
  'tick-size'?: number;
  'lot-size'?: number;
}

interface ReconcileArgs {
  dir: string;
  'tolerance-ms': number;
}

const riskFlags = (y: Argv<PromoteArgs>): Argv<PromoteArgs> =>
  y
    .option('max-position', {
      type: 'number',
      describe: 'risk: max |position|, base units (default: strategy maxInventory, else 10 × size)',
    })
    .option('max-loss', { type: 'number', describe: 'risk: kill switch loss, quote currency (default: 2 % of max position notional)' })
    .option('max-orders-per-minute', { type: 'number', describe: "risk: order rate limit (default: 3 × the strategy's own rate, ≥ 60)" })
    .option('stale-seconds', { type: 'number', describe: 'risk: pause after this long without market data (default 10)' })
    .option('price-band-bps', {
      type: 'number',
      describe: 'risk: refuse orders further than this from the mid (default 5 × spreadBps, ≥ 50)',
    })
    .option('flatten-on-kill', {
      type: 'boolean',
      default: false,
      describe: 'risk: after the kill switch cancels every order, close the position (reduce-only market order)',
    }) as Argv<PromoteArgs>;

export const promoteCommand: CommandModule<object, PromoteArgs> = {
  command: 'promote <source>',
  describe: "turn a sweep/walk-forward/run folder's chosen config into a live config (with guardrails and provenance)",
  builder: async (yargs) => {
    const { PROMOTE_DEFAULTS } = await import('../live/promote.ts');
    return riskFlags(
      yargs
        .positional('source', {
          type: 'string',
          demandOption: true,
          describe: 'sweep folder (best.json), walk-forward folder (walkforward.csv) or run folder',
        })
        .option('out', { type: 'string', demandOption: true, describe: 'live config to write, e.g. configs/live/btc-mm.json' })
        .option('rank', { type: 'number', default: PROMOTE_DEFAULTS.rank, describe: 'which configuration of a sweep (1 = best)' })
        .option('allow-nonpositive-spread', {
          type: 'boolean',
          default: false,
          describe: 'promote although realized spread at the main horizon net of fees is ≤ 0 (recorded in the file)',
        })
        .option('allow-no-oos', {
          type: 'boolean',
          default: false,
          describe: 'promote without out-of-sample figures, or with much worse ones (recorded)',
        })
        .option('allow-few-fills', { type: 'boolean', default: false, describe: 'promote with fewer fills than --min-fills (recorded)' })
        .option('min-fills', { type: 'number', default: PROMOTE_DEFAULTS.minFills, describe: 'fewest in-sample fills to judge a config' })
        .option('oos-ratio', {
          type: 'number',
          default: PROMOTE_DEFAULTS.oosRatio,
          describe: 'out-of-sample objective must be ≥ this × in-sample',
        }) as Argv<PromoteArgs>,
    );
  },
  handler: returning(async (args) => {
    const { promote, refusalMessage } = await import('../live/promote.ts');
    const { checkRiskFlags } = await import('../live/config.ts');
    const { strategyLabel } = await import('../strategy/resolve.ts');
    const { checkFlag } = await import('../core/bounds.ts');
    const { scenarioMarkets } = await import('../sim/scenario.ts');
    checkFlag('rank', args.rank, { min: 1, max: 1e6, integer: true });
    checkFlag('min-fills', args['min-fills'], { min: 0, max: 1e9, integer: true });
    checkFlag('oos-ratio', args['oos-ratio'], { min: 0, max: 1000 });
    const risk: Partial<RiskLimits> = {};
    if (args['max-position'] !== undefined) risk.maxPosition = args['max-position'];
    if (args['max-loss'] !== undefined) risk.maxLoss = args['max-loss'];
    if (args['max-orders-per-minute'] !== undefined) risk.maxOrdersPerMinute = args['max-orders-per-minute'];
    if (args['stale-seconds'] !== undefined) risk.staleDataSeconds = args['stale-seconds'];
    if (args['price-band-bps'] !== undefined) risk.priceBandBps = args['price-band-bps'];
    if (args['flatten-on-kill']) risk.flattenOnKill = true;
    checkRiskFlags(risk);
    const { config, refused } = await promote({
      source: args.source,
      out: args.out,
      rank: args.rank,
      allowNonpositiveSpread: args['allow-nonpositive-spread'],
      allowNoOos: args['allow-no-oos'],
      allowFewFills: args['allow-few-fills'],
      minFills: args['min-fills'],
      oosRatio: args['oos-ratio'],
      risk,
    });
    if (refused.length > 0) throw new SpreadlabError(refusalMessage(refused));
    const overridden = config.guardrails?.overridden ?? [];
    const symbols = scenarioMarkets(config.scenario).map((m) => m.symbol);
    say(
      `wrote ${args.out}: ${strategyLabel(config.scenario.strategy)} on ${symbols.join(' + ')}; risk ${JSON.stringify(config.risk)}${overridden.length ? `; guardrails overridden: ${overridden.join(', ')}` : ''}\n`,
    );
    return {
      command: 'promote',
      out: args.out,
      strategy: config.scenario.strategy,
      symbols,
      risk: config.risk,
      guardrailsOverridden: overridden,
      files: [args.out],
    };
  }),
};

/** `VENUE=VALUE` flags as a record by venue. */
function perVenue(flag: string, values: string[]): Record<string, string> {
  return Object.fromEntries(
    values.map((text) => {
      const eq = text.indexOf('=');
      if (eq <= 0 || eq === text.length - 1)
        throw new SpreadlabError(`${flag} ${text}: expected VENUE=VALUE, e.g. binance-usdm=http://127.0.0.1:8081`);
      return [text.slice(0, eq), text.slice(eq + 1)];
    }),
  );
}

export const liveCommand: CommandModule<object, LiveArgs> = {
  command: 'live',
  describe: "run a live config's strategy on an exchange (ccxt), in paper mode (--paper) or logging orders only (--dry-run)",
  builder: (yargs) =>
    yargs
      .option('config', { type: 'string', demandOption: true, describe: 'live config written by spreadlab promote' })
      .option('exchange', { type: 'string', default: 'binanceusdm', describe: 'ccxt exchange id' })
      .option('sandbox', { type: 'boolean', default: false, describe: "use the exchange's testnet" })
      .option('paper', { type: 'boolean', default: false, describe: 'live market data, fills simulated by our venue; no orders sent' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'live market data; log the orders it would send' })
      .option('minutes', { type: 'number', describe: 'stop after this many minutes (default: until Ctrl-C)' })
      .option('out', { type: 'string', describe: 'run folder (default reports/live-<config name>-<time>)' })
      .option('base-url', {
        type: 'string',
        describe: 'send every REST and websocket request to this origin (a local server, e.g. http://127.0.0.1:8080)',
      })
      .option('venue-exchange', {
        type: 'string',
        array: true,
        default: [],
        describe: 'several markets: VENUE=ID, the ccxt exchange of one of the scenario venues (default --exchange; repeatable)',
      })
      .option('venue-url', {
        type: 'string',
        array: true,
        default: [],
        describe: 'several markets: VENUE=URL, the origin of one venue, e.g. its own spreadlab serve (default --base-url; repeatable)',
      })
      .option('allow-unpromoted', { type: 'boolean', default: false, describe: 'run a config without provenance' })
      .option('flatten-on-kill', {
        type: 'boolean',
        default: false,
        describe: "after the kill switch cancels every order, close the position (overrides the config's risk.flattenOnKill)",
      })
      .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' }) as Argv<LiveArgs>,
  handler: returning(async (args) => {
    const { loadLiveConfig } = await import('../live/config.ts');
    const { runLive } = await import('../live/live-run.ts');
    const { BOUNDS, checkFlag } = await import('../core/bounds.ts');
    const { runSummaryText } = await import('./run-summary.ts');
    if (args.paper && args['dry-run']) throw new SpreadlabError('--paper and --dry-run: choose one');
    checkFlag('minutes', args.minutes, BOUNDS.liveMinutes);
    const loaded = loadLiveConfig(args.config);
    const config = args['flatten-on-kill'] ? { ...loaded, risk: { ...loaded.risk, flattenOnKill: true } } : loaded;
    const mode = args.paper ? 'paper' : args['dry-run'] ? 'dry-run' : 'live';
    const stamp = new Date().toISOString().replace(/[:.]/g, '').slice(0, 15);
    const out = args.out ?? join('reports', `${mode === 'live' ? 'live' : mode}-${config.name}-${stamp}`);
    const print = args.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
    const result = await runLive({
      config,
      configFile: args.config,
      exchange: args.exchange,
      mode,
      sandbox: args.sandbox,
      baseUrl: args['base-url'],
      exchanges: perVenue('--venue-exchange', args['venue-exchange']),
      baseUrls: perVenue('--venue-url', args['venue-url']),
      minutes: args.minutes,
      out,
      allowUnpromoted: args['allow-unpromoted'],
      apiKey: mode === 'live' ? process.env.SPREADLAB_API_KEY : undefined,
      secret: mode === 'live' ? process.env.SPREADLAB_API_SECRET : undefined,
      print,
      printStatus: !args.quiet && process.stderr.isTTY === true,
      handleSignals: true,
    });
    const { summary, portfolio } = result.analysis;
    const { table, verdict: line } = runSummaryText(summary, portfolio?.summary);
    if (!args.quiet)
      say(`${table}\n${line}\n\nstopped: ${result.stopReason}; open orders left: ${result.openOrdersLeft ?? 'n/a'}\nwrote ${out}/\n`);
    // Exit code 3: stopped by the kill switch (set on exit, after main() has set its own 0).
    if (result.killed) process.once('exit', () => (process.exitCode = 3));
    // Everything is cancelled and written; a network client's lingering handle must not keep us alive.
    setTimeout(() => process.exit(), 1_000).unref();
    return {
      command: 'live',
      mode,
      out,
      stopReason: result.stopReason,
      killed: result.killed,
      openOrdersLeft: result.openOrdersLeft,
      verdict: line,
      summary,
      ...(portfolio ? { portfolio: portfolio.summary } : {}),
      files: [out],
    };
  }),
};

export const recordCommand: CommandModule<object, RecordArgs> = {
  command: 'record',
  describe: 'record live market data (order book + trades) into a replayable Binance raw capture file',
  builder: (yargs) =>
    yargs
      .option('exchange', { type: 'string', default: 'binanceusdm', describe: 'ccxt exchange id' })
      .option('symbol', { type: 'string', demandOption: true, describe: 'market, e.g. BTCUSDT or BTC/USDT:USDT' })
      .option('minutes', { type: 'number', default: 1, describe: 'how long to record' })
      .option('out', { type: 'string', describe: 'file to write (.gz is gzipped; default recordings/<exchange>-<symbol>-<time>.raw.gz)' })
      .option('sandbox', { type: 'boolean', default: false, describe: "the exchange's testnet" })
      .option('base-url', { type: 'string', describe: 'a local server origin, e.g. http://127.0.0.1:8080' })
      .option('tick-size', { type: 'number', describe: "price step (default: the exchange's)" })
      .option('lot-size', { type: 'number', describe: "size step (default: the exchange's)" }) as Argv<RecordArgs>,
  handler: returning(async (args) => {
    const { recordMarket } = await import('../live/record.ts');
    const { BOUNDS, checkFlag } = await import('../core/bounds.ts');
    checkFlag('minutes', args.minutes, BOUNDS.liveMinutes);
    checkFlag('tick-size', args['tick-size'], BOUNDS.step);
    checkFlag('lot-size', args['lot-size'], BOUNDS.step);
    const stamp = new Date().toISOString().replace(/[:.]/g, '').slice(0, 15);
    const out = args.out ?? join('recordings', `${args.exchange}-${args.symbol.replace(/[^A-Za-z0-9]/g, '')}-${stamp}.raw.gz`);
    checkOutputFile(out, 'the recording', () => false); // a recording never replaces a file
    const r = await recordMarket({
      exchange: args.exchange,
      symbol: args.symbol,
      out,
      minutes: args.minutes,
      sandbox: args.sandbox,
      baseUrl: args['base-url'],
      tickSize: args['tick-size'],
      lotSize: args['lot-size'],
      handleSignals: true,
    });
    setTimeout(() => process.exit(), 1_000).unref();
    say(
      `wrote ${r.file} (${r.lines} lines; tickSize ${r.tickSize}, lotSize ${r.lotSize}); replay it with data {"kind": "replay", "files": ["${r.file}"]}\n`,
    );
    return { command: 'record', lines: r.lines, tickSize: r.tickSize, lotSize: r.lotSize, files: [r.file] };
  }),
};

export const reconcileCommand: CommandModule<object, ReconcileArgs> = {
  command: 'reconcile <dir>',
  describe: "replay a live run's recorded market through the simulator and compare fill by fill",
  builder: (yargs) =>
    yargs.positional('dir', { type: 'string', demandOption: true, describe: 'a live or paper run folder' }).option('tolerance-ms', {
      type: 'number',
      default: 5000,
      describe: 'largest time difference of a matched pair',
    }) as Argv<ReconcileArgs>,
  handler: returning(async (args) => {
    const { formatReconcile, RECONCILE_FILE, reconcile } = await import('../live/reconcile.ts');
    const { checkFlag } = await import('../core/bounds.ts');
    checkFlag('tolerance-ms', args['tolerance-ms'], { min: 0, max: 86_400_000 });
    const { summary } = await reconcile({ dir: args.dir, toleranceMs: args['tolerance-ms'] });
    const files = [RECONCILE_FILE.csv, RECONCILE_FILE.summary, RECONCILE_FILE.page].map((f) => join(args.dir, f));
    say(`${formatReconcile(summary)}wrote ${files.join(', ')} and the simulated run in ${join(args.dir, 'sim')}/\n`);
    return { command: 'reconcile', dir: args.dir, summary, files: [...files, join(args.dir, 'sim')] };
  }),
};

export const LIVE_COMMANDS = [promoteCommand, liveCommand, recordCommand, reconcileCommand];
