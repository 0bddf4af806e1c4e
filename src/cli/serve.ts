import { dirname } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { emitResult, returning, say, type CommandResult } from './output.ts';

/**
 * `spreadlab serve --scenario FILE [--port P] [--speed X]`: the simulated venue as a local Binance USD-M
 * futures server on 127.0.0.1 (see src/live/server/server.ts). The API key and secret come from
 * SPREADLAB_SERVE_API_KEY / SPREADLAB_SERVE_SECRET (or --api-key / --secret); without a secret a random
 * throwaway pair is made and printed (it guards nothing but this local simulator). Runs until SIGINT or
 * SIGTERM. The server module (and the scenario loader) is loaded only by this command. With --json it prints
 * its result (URLs, symbol, credentials) as soon as it listens, then serves on.
 */
export interface ServeArgs {
  scenario: string;
  port: number;
  speed: number;
  set: string[];
  seed?: number;
  apiKey?: string;
  secret?: string;
  balance: number;
  leverage: number;
  symbol?: string;
  market?: string;
}

export function serveOptions(yargs: Argv): Argv<ServeArgs> {
  return yargs
    .option('scenario', { type: 'string', demandOption: true, describe: 'scenario JSON file whose market and data drive the server' })
    .option('port', { type: 'number', default: 0, describe: 'port on 127.0.0.1 (0 picks a free one)' })
    .option('speed', { type: 'number', default: 1, describe: 'data seconds per wall second' })
    .option('set', { type: 'string', array: true, default: [], describe: 'override a scenario field: path=value (repeatable)' })
    .option('seed', { type: 'number', describe: 'override the scenario seed' })
    .option('api-key', { type: 'string', describe: 'the only API key accepted (default $SPREADLAB_SERVE_API_KEY, else any)' })
    .option('secret', { type: 'string', describe: 'HMAC secret (default $SPREADLAB_SERVE_SECRET)' })
    .option('balance', { type: 'number', default: 10_000, describe: 'starting balance of the quote asset' })
    .option('leverage', { type: 'number', default: 20, describe: 'leverage reported (no margin checks)' })
    .option('symbol', {
      type: 'string',
      describe: 'Binance symbol to serve (default derived from market.symbol, e.g. SYN-USD → SYNUSDT)',
    })
    .option('market', {
      type: 'string',
      describe: 'several markets: the id of the market to serve (default the first); run one server per market',
    }) as Argv<ServeArgs>;
}

export async function serveCommand(args: ServeArgs): Promise<CommandResult> {
  const { loadScenario } = await import('../sim/scenario.ts');
  const { BOUNDS, checkFlag } = await import('../core/bounds.ts');
  const { randomBytes } = await import('node:crypto'); // loading node:crypto costs ~10 ms: not for every command
  checkFlag('port', args.port, { min: 0, max: 65_535, integer: true });
  checkFlag('speed', args.speed, { above: 0, max: 1e6 });
  checkFlag('seed', args.seed, BOUNDS.seed);
  checkFlag('balance', args.balance, { above: 0, max: 1e15 });
  checkFlag('leverage', args.leverage, { min: 1, max: 125, integer: true });
  const overrides = [...args.set, ...(args.seed === undefined ? [] : [`seed=${args.seed}`])];
  const scenario = await loadScenario(args.scenario, overrides);
  let apiKey = args.apiKey ?? process.env.SPREADLAB_SERVE_API_KEY;
  let secret = args.secret ?? process.env.SPREADLAB_SERVE_SECRET;
  let generated = false;
  if (!secret) {
    secret = randomBytes(24).toString('hex');
    apiKey ??= randomBytes(16).toString('hex');
    generated = true;
  }
  const { startExchangeServer } = await import('../live/server/server.ts');
  const server = await startExchangeServer({
    scenario,
    baseDir: dirname(args.scenario),
    port: args.port,
    speed: args.speed,
    apiKey,
    secret,
    initialBalance: args.balance,
    leverage: args.leverage,
    symbol: args.symbol,
    market: args.market,
  });
  say(`spreadlab serve: ${scenario.name} as Binance USD-M ${server.symbol.id} (ccxt ${server.symbol.ccxt}), speed ${args.speed}x\n`);
  say(`listening ${server.url} (REST /fapi/…, WebSocket ${server.wsUrl}, test hooks /_spreadlab/…)\n`);
  if (generated) say(`throwaway credentials for this server: apiKey=${apiKey} secret=${secret}\n`);
  const result: CommandResult = {
    command: 'serve',
    scenario: scenario.name,
    url: server.url,
    wsUrl: server.wsUrl,
    symbol: server.symbol.id,
    ccxtSymbol: server.symbol.ccxt,
    speed: args.speed,
    ...(generated ? { apiKey, secret } : {}),
    files: [],
  };
  emitResult(result);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return result;
}

/** The yargs command, registered with one line in main.ts. */
export const serveModule: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: "serve a scenario's market as a local Binance USD-M futures exchange (HTTP + WebSocket on 127.0.0.1) for ccxt clients",
  builder: serveOptions as CommandModule<object, ServeArgs>['builder'],
  handler: returning(serveCommand),
};
