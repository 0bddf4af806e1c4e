import { isoMicros, US_PER_MS } from '../core/units.ts';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SpreadlabError } from '../core/errors.ts';
import { checkOutputFolder, openOutputFolder, writeFileAtomically } from '../core/output.ts';
import { withOutputLock } from '../core/output-lock.ts';
import { MarketUnits } from '../core/market.ts';
import { Rng } from '../core/rng.ts';
import { packageVersion } from '../core/version.ts';
import { warn } from '../core/warnings.ts';
import { sha256File } from '../data/replay.ts';
import { writeRunFiles, type RunOutputs } from '../report/run-folder.ts';
import { PORTFOLIO_FILE } from '../report/portfolio-files.ts';
import { RUN_FILE, RUN_FILES } from '../report/run-files.ts';
import type { MarketRun, ScenarioRun } from '../sim/run-scenario.ts';
import { resolveStrategy, strategyLabel, type StrategyModule } from '../strategy/resolve.ts';
import { fileNameOfId, marketInfo, parseScenario, scenarioMarkets, type MarketConfig, type Scenario } from '../sim/scenario.ts';
import type { Clock, Venue } from '../strategy/api.ts';
import { connectExchange, exchangeSetupError, resolveMarket, type CcxtExchange } from './ccxt-client.ts';
import { CcxtFeed } from './ccxt-feed.ts';
import { DryRunVenue } from './dry-run-venue.ts';
import { LiveVenue } from './live-venue.ts';
import { MarketRouter } from './market-router.ts';
import { RealClock } from './real-clock.ts';
import type { LiveConfig } from './config.ts';
import { BookDiffer, bookEvents, tradeEvent, wallMicros, type BookUpdate, type MarketFeed, type TradeUpdate } from './feed.ts';
import { PaperVenue } from './paper.ts';
import { RawRecorder } from './record.ts';
import { RiskGuard } from './risk-guard.ts';
import { formatStatus, runStatus } from './status.ts';
import { EventLog, RunTape } from './tape.ts';

/**
 * `spreadlab live`: the config's strategy, the same code as in a backtest, driven by the real clock
 * against an exchange through ccxt (live), against our simulated venue fed by live data (--paper), or
 * with orders only logged (--dry-run); always under the risk guard.
 *
 * Rules:
 * - A config without provenance (not promoted) is refused unless allowUnpromoted. Live mode needs the API
 *   key and secret from SPREADLAB_API_KEY / SPREADLAB_API_SECRET; they are passed to ccxt and nowhere else
 *   (every logged line is redacted against them).
 * - The strategy starts once the first book has arrived (waiting at most 30 s).
 * - The run stops after `minutes`, on SIGINT/SIGTERM, when the kill switch fires, or when the strategy
 *   throws. Stopping: the guard refuses new orders, the clock ends the strategy's sleeps, in-flight calls
 *   settle (≤ 3 s), then every open order is cancelled (retried 3 times; the exchange's open orders are
 *   read back and any left are cancelled again) before the streams close.
 * - The run folder holds what a backtest's does (summary.json, fills.csv, timeseries.csv, run.json,
 *   orders.csv — the order log, one row per order —, report.html) plus market.raw.gz (the market data it saw,
 *   Binance raw capture format), orders.jsonl (the event log: its order and guard events) and live.json (mode, exchange, times, stop reason). run.json's scenario
 *   replays market.raw.gz, so `spreadlab reconcile DIR` can rerun it through the simulator. The run files
 *   are written into the folder when the run ends, each whole or not at all (writeRunFiles); live.json last.
 * - Live and dry-run venues are given every book and trade the same way, so a strategy's onBook/onTrade
 *   hooks fire under --dry-run as they do live.
 * - While the strategy runs, every `statusEverySeconds` (default 5) its status (position, PnL, open orders,
 *   fills, risk-guard state: status.ts) is written to orders.jsonl and, with `printStatus` (the CLI on a
 *   terminal), printed as one line (several markets: the first market's). A stop (time up, a signal, the
 *   caller) is reported as the stop it is; only the guard's own decisions (pause, resume, kill switch,
 *   position limit) print as "risk guard: …".
 * - Several markets (the scenario's `markets`): one ccxt instance per venue (`exchanges` and `baseUrls`
 *   name each venue's exchange id and origin; else `exchange` / `baseUrl`), one feed per market; the
 *   strategy names markets by their ids, as in a backtest, and starts once every market has a book. Live
 *   and dry-run: one LiveVenue (on its venue's ccxt instance) or DryRunVenue per market behind a
 *   MarketRouter; the leftover-order cancel at the start and the final cancel-everything run market by
 *   market (openOrdersLeft sums them; unknown if any is), and each market's order events in orders.jsonl
 *   name their market. The folder holds market-<id>.raw.gz per market and the portfolio files of a
 *   several-market backtest; run.json's scenario replays them.
 */
export interface LiveRunOptions {
  config: LiveConfig;
  configFile: string;
  exchange: string;
  mode: 'live' | 'paper' | 'dry-run';
  sandbox: boolean;
  baseUrl?: string;
  /** Several markets: the ccxt exchange id of each venue (default `exchange`). */
  exchanges?: Record<string, string>;
  /** Several markets: the origin of each venue (default `baseUrl`), e.g. one local server per venue. */
  baseUrls?: Record<string, string>;
  minutes?: number;
  out: string;
  allowUnpromoted: boolean;
  apiKey?: string;
  secret?: string;
  /** A market data feed to use instead of ccxt's (tests of paper and dry-run modes). */
  feed?: MarketFeed;
  /** Writes progress lines (already redacted). */
  print?: (line: string) => void;
  /** Seconds between status reports (default 5). */
  statusEverySeconds?: number;
  /** Print each status report through `print` (the CLI does on a terminal). */
  printStatus?: boolean;
  /** Install SIGINT/SIGTERM handlers (the CLI does; tests calling the library do not). */
  handleSignals?: boolean;
  /** A hook to stop the run from outside (tests). */
  stopSignal?: AbortSignal;
}

export interface LiveRunResult {
  out: string;
  analysis: RunOutputs;
  stopReason: string;
  killed: boolean;
  openOrdersLeft: number | null;
}

/**
 * Orders found open at the start were left by an earlier run that could not cancel them (killed with
 * SIGKILL, a crash, a lost connection): they are cancelled before the strategy starts, and the run says so.
 * A position found at the start is reported too (it is the run's starting position).
 */
async function cancelLeftovers(
  live: LiveVenue,
  market: string,
  several: boolean,
  say: (line: string) => void,
  log: EventLog,
): Promise<void> {
  const leftovers = await live.getOpenOrders(market);
  const position = await live.getPosition(market);
  if (position !== 0)
    say(
      `position ${position}${several ? ` on ${market}` : ''} found at the start (left by an earlier run?): it is this run's starting position`,
    );
  if (leftovers.length === 0) return;
  say(
    `found ${leftovers.length} open order(s) on ${market} left by an earlier run that did not stop cleanly (killed?): cancelling them before the strategy starts`,
  );
  log.write('leftover-orders', { count: leftovers.length, ids: leftovers.map((o) => o.id) });
  await live.cancelAllOrders(market);
}

export const MARKET_FILE = 'market.raw.gz';
/** A market's recording in a several-market run's folder. */
export const marketFile = (id: string): string => `market-${fileNameOfId(id)}.raw.gz`;
export const ORDERS_FILE = 'orders.jsonl';
const FIRST_BOOK_TIMEOUT_MS = 30_000;

/** Where the files of the run a live run folder held before are kept while a new run writes its own. */
export const PREVIOUS_RUN = 'previous-run';

/** Every file and folder a live run writes (the previous run's set aside before a new run starts). */
const LIVE_RUN_ENTRIES = [
  ...RUN_FILES,
  RUN_FILE.strategySeries,
  PORTFOLIO_FILE.portfolio,
  PORTFOLIO_FILE.funding,
  MARKET_FILE,
  ORDERS_FILE,
  'live.json',
  'reconcile.csv',
  'reconcile.json',
  'reconcile.html',
  'sim',
];

/**
 * Moves the previous run's files into PREVIOUS_RUN (replacing an older one kept there); true when there
 * were any. The recordings moved are those this run will write and those the previous run's live.json
 * lists: a market-*.raw.gz that no run of this folder names (a user's own file) is left where it is. A run
 * that fails leaves the previous run's files in PREVIOUS_RUN, and says so.
 */
function setPreviousRunAside(out: string, recordings: readonly string[]): boolean {
  const named = new Set([...LIVE_RUN_ENTRIES, ...recordings, ...recordingsOfPreviousRun(out)]);
  const found = [...named].filter((name) => existsSync(join(out, name)));
  if (found.length === 0) return false;
  const previous = join(out, PREVIOUS_RUN);
  rmSync(previous, { recursive: true, force: true });
  mkdirSync(previous);
  for (const name of found) renameSync(join(out, name), join(previous, name));
  return true;
}

/** The recordings the live.json in `out` lists (none when it is missing or unreadable: then nothing else is moved). */
function recordingsOfPreviousRun(out: string): string[] {
  let listed: unknown;
  try {
    listed = (JSON.parse(readFileSync(join(out, 'live.json'), 'utf8')) as { marketFile?: unknown }).marketFile;
  } catch {
    return [];
  }
  const names = Array.isArray(listed) ? listed : [listed];
  return names.filter((name): name is string => typeof name === 'string' && /^market(-[^/\\]+)?\.raw\.gz$/.test(name));
}

export async function runLive(options: LiveRunOptions): Promise<LiveRunResult> {
  const { config, mode } = options;
  if (!config.provenance && !options.allowUnpromoted) {
    throw new SpreadlabError(
      `${options.configFile}: no provenance (not written by spreadlab promote); promote a sweep or run first, or pass --allow-unpromoted`,
    );
  }
  if (mode === 'live' && (!options.apiKey || !options.secret)) {
    throw new SpreadlabError(
      'live trading needs SPREADLAB_API_KEY and SPREADLAB_API_SECRET in the environment (use --paper or --dry-run to run without keys)',
    );
  }
  const strategy = await resolveStrategy(config.scenario.strategy, dirname(options.configFile), options.configFile);
  if (config.provenance) checkModuleUnchanged(strategy.module, config.provenance, options.configFile);
  const scenario: Scenario = { ...config.scenario, strategy: strategy.config };
  const markets = scenarioMarkets(scenario);
  const several = markets.length > 1;
  if (several && options.feed) throw new Error('a test feed drives one market');
  const files = several ? markets.map((m) => marketFile(m.id)) : [MARKET_FILE];
  const out = options.out;
  checkOutputFolder(out, 'live-run', 'the live run folder');
  return withOutputLock(out, `running ${mode}`, async () => {
    openOutputFolder(out, 'live-run');
    // A run written here before is moved aside, and removed only once this run has written its own files.
    const kept = setPreviousRunAside(out, files);
    try {
      const result = await runLiveIn(options, strategy, scenario, out, markets, files);
      if (kept) rmSync(join(out, PREVIOUS_RUN), { recursive: true, force: true });
      return result;
    } catch (error) {
      if (kept) warn(`the run this folder held before is kept in ${join(out, PREVIOUS_RUN)}`);
      throw error;
    }
  });
}

async function runLiveIn(
  options: LiveRunOptions,
  strategy: Awaited<ReturnType<typeof resolveStrategy>>,
  scenario: Scenario,
  out: string,
  markets: ReturnType<typeof scenarioMarkets>,
  files: string[],
): Promise<LiveRunResult> {
  const { config, mode } = options;
  const several = markets.length > 1;
  const print = options.print ?? (() => {});
  const log = new EventLog(join(out, ORDERS_FILE), [options.apiKey, options.secret]);
  const say = (line: string): void => print(log.redact(line));
  const exchangeOf = (venue: string): string => options.exchanges?.[venue] ?? options.exchange;
  const baseUrlOf = (venue: string): string | undefined => options.baseUrls?.[venue] ?? options.baseUrl;
  const venueNames = [...new Set(markets.map((m) => m.venue))];
  for (const [flag, given] of [
    ['--venue-exchange', options.exchanges],
    ['--venue-url', options.baseUrls],
  ] as const) {
    const unknown = Object.keys(given ?? {}).find((v) => !venueNames.includes(v));
    if (unknown !== undefined)
      throw new SpreadlabError(`${flag} ${unknown}: not a venue of the config's markets (${venueNames.join(', ')})`);
  }
  const where = venueNames.map((v) => `${exchangeOf(v)}${baseUrlOf(v) ? ` at ${baseUrlOf(v)}` : ''}`).join(', ');
  const symbol = markets[0].symbol;
  const startTs = wallMicros();
  const lanes: Lane[] = markets.map((market, i) => {
    const units = new MarketUnits(market);
    return {
      market,
      // One market: the strategy names it by its symbol (as live always has); several: by id, as a backtest.
      id: several ? market.id : market.symbol,
      units,
      ccxtSymbol: market.symbol,
      file: files[i],
      tape: new RunTape(units, startTs),
      recorder: new RawRecorder(join(out, files[i]), units, market.symbol),
      differ: new BookDiffer(units),
      log: several ? log.forMarket(market.id) : log,
      feed: null,
      fed: null,
      live: null,
      lastBid: NaN,
      lastAsk: NaN,
    };
  });

  /** Closes every market's recording (on a failed start: no file is written after this run returns). */
  const closeRecorders = async (): Promise<void> => {
    for (const lane of lanes) await lane.recorder.close().catch(() => {});
  };
  const connected = new Map<string, CcxtExchange>();
  const started = { wallIso: new Date().toISOString() };
  try {
    if (!options.feed || mode === 'live') {
      for (const venue of venueNames) {
        connected.set(
          venue,
          await connectExchange({
            exchange: exchangeOf(venue),
            sandbox: options.sandbox,
            baseUrl: baseUrlOf(venue),
            apiKey: options.apiKey,
            secret: options.secret,
          }),
        );
      }
      for (const lane of lanes) {
        const ex = connected.get(lane.market.venue)!;
        lane.ccxtSymbol = await resolveMarket(ex, lane.market.symbol);
        lane.feed = new CcxtFeed(ex, lane.ccxtSymbol, (event, fields) => lane.log.write(event, fields));
      }
    }
  } catch (error) {
    await closeRecorders();
    for (const ex of connected.values()) await ex.close().catch(() => {});
    if (error instanceof SpreadlabError) throw error;
    throw new SpreadlabError(log.redact(`cannot connect to ${where}: ${(error as Error).message}`));
  }
  if (options.feed) lanes[0].feed ??= options.feed;
  const [first] = lanes;
  const { units, tape } = first;

  let lastMarketData = -Infinity;
  const withBook = new Set<number>();
  let firstBook: (() => void) | null = null;
  const firstBookSeen = new Promise<void>((resolve) => (firstBook = resolve));

  let venue: Venue;
  let clock: Clock;
  let paper: PaperVenue | null = null;
  const realClock = new RealClock();
  let guard: RiskGuard | null = null;
  const ids = lanes.map((l) => l.id);
  const laneOf = (id: string): Lane => lanes.find((l) => l.id === id) ?? first;
  const checkSoon = (): void => void guard?.check(...ids);
  if (mode === 'paper') {
    paper = new PaperVenue(lanes, scenario, new Rng(String(scenario.seed)), dirname(options.configFile));
    venue = paper.gateway;
    clock = paper.gateway;
  } else {
    // Live and dry-run: one venue per market (its order events name it when there are several).
    for (const lane of lanes) {
      if (mode === 'dry-run') lane.fed = new DryRunVenue(lane.id, lane.units, lane.tape, lane.log);
      else
        lane.fed = lane.live = new LiveVenue(
          connected.get(lane.market.venue)!,
          lane.ccxtSymbol,
          lane.id,
          lane.units,
          lane.tape,
          lane.log,
          checkSoon,
        );
    }
    venue = several ? new MarketRouter(new Map(lanes.map((lane) => [lane.id, lane.fed!]))) : first.fed!;
    clock = realClock;
  }
  try {
    lanes.forEach((lane, index) =>
      lane.feed!.start({
        book(update: BookUpdate) {
          lastMarketData = Date.now();
          const diff = lane.differ.diff(update);
          lane.recorder.book(update, diff);
          const bestBid = update.bids.length > 0 ? Number(update.bids[0][0]) : NaN;
          const bestAsk = update.asks.length > 0 ? Number(update.asks[0][0]) : NaN;
          lane.tape.onBook(update.exchTs, lane.units.roundToTick(bestBid), lane.units.roundToTick(bestAsk));
          const changed = bestBid !== lane.lastBid || bestAsk !== lane.lastAsk;
          lane.lastBid = bestBid;
          lane.lastAsk = bestAsk;
          paper?.onMarket(index, bookEvents(update, diff));
          lane.fed?.publishBook(update, bestBid, bestAsk, changed);
          if (Number.isFinite(bestBid) && Number.isFinite(bestAsk) && withBook.add(index).size === lanes.length) firstBook?.();
        },
        trade(trade: TradeUpdate) {
          lastMarketData = Date.now();
          lane.recorder.trade(trade);
          paper?.onMarket(index, [tradeEvent(trade, lane.units)]);
          lane.fed?.publishTrade(trade);
        },
        status(isConnected, detail) {
          lane.log.write(isConnected ? 'feed-connected' : 'feed-disconnected', { detail });
        },
      }),
    );
  } catch (error) {
    // a feed that cannot start: nothing ran; close what is open so no file is written after this returns
    await closeRecorders();
    for (const exchange of connected.values()) await exchange.close().catch(() => {});
    throw error;
  }

  let stopReason = '';
  let stopNow: (reason: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    stopNow = (reason: string) => {
      if (stopReason) return;
      stopReason = reason;
      resolve(reason);
    };
  });
  const signalHandler = (signal: NodeJS.Signals): void => stopNow(`signal ${signal}`);
  if (options.handleSignals) {
    process.on('SIGINT', signalHandler);
    process.on('SIGTERM', signalHandler);
  }
  options.stopSignal?.addEventListener('abort', () => stopNow('stopped by the caller'));

  let strategyError: unknown = null;
  let strategyStartUs = NaN;
  let checkTimer: NodeJS.Timeout | null = null;
  let statusTimer: NodeJS.Timeout | null = null;
  let minutesTimer: NodeJS.Timeout | null = null;
  try {
    const waited = await Promise.race([
      firstBookSeen.then(() => true),
      stopped.then(() => false),
      sleep(FIRST_BOOK_TIMEOUT_MS).then(() => false),
    ]);
    if (!waited && !stopReason) stopNow('no market data within 30 s of the start');
    for (const lane of lanes) {
      if (!lane.live || stopReason) continue;
      await lane.live.start();
      await cancelLeftovers(lane.live, lane.id, several, say, lane.log);
    }
    guard = new RiskGuard(
      venue,
      config.risk,
      {
        now: () => Date.now(),
        mid: (market) => laneOf(market).tape.mid(),
        position: (market) => {
          const lane = laneOf(market);
          return lane.live ? lane.live.position() : lane.tape.position();
        },
        equity: () => lanes.reduce((sum, lane) => sum + lane.tape.equity(), 0),
        lastMarketData: () => lastMarketData,
      },
      (event) => {
        // 'halt' is the run stopping, logged and said as the 'stop' it is (below), not a decision of the guard's
        if (event.type === 'halt') return;
        log.write(`guard-${event.type}`, { reason: event.reason, order: event.order });
        if (event.type !== 'refused') say(`risk guard: ${event.type}: ${event.reason}`);
      },
      (reason) => stopNow(`kill switch: ${reason}`),
    );
    if (!stopReason) {
      strategyStartUs = wallMicros();
      log.write('start', { mode, exchange: options.exchange, market: several ? ids : symbol, strategy: strategyLabel(scenario.strategy) });
      const on = several
        ? lanes.map((l) => `${l.id} (${exchangeOf(l.market.venue)} ${l.market.symbol})`).join(' + ')
        : `${options.exchange} ${symbol}`;
      say(`${mode} run of ${config.name} on ${on} started; stop with Ctrl-C${options.minutes ? ` or after ${options.minutes} min` : ''}`);
      checkTimer = setInterval(() => void guard!.check(...ids), 250);
      statusTimer = setInterval(
        () => {
          const status = runStatus(tape, guard, first.live ? first.live.position() : tape.position(), wallMicros());
          log.write('status', { ...status });
          if (options.printStatus) say(formatStatus(status, mode, symbol));
        },
        (options.statusEverySeconds ?? 5) * 1000,
      );
      if (options.minutes !== undefined)
        minutesTimer = setTimeout(() => stopNow(`${options.minutes} min elapsed`), options.minutes * 60_000);
      strategy
        .create()({
          venue: guard,
          clock,
          market: first.id,
          tickSize: units.spec.tickSize,
          lotSize: units.spec.lotSize,
          markets: lanes.map((l) => ({ ...marketInfo(l.market), id: l.id })),
          record: (name, value) => tape.strategySeries.record(Math.round(clock.now() * US_PER_MS), name, value),
        })
        .then(
          () => stopNow('the strategy returned'),
          (error: unknown) => {
            strategyError = error;
            stopNow(`the strategy failed: ${error instanceof Error ? error.message : String(error)}`);
          },
        );
    }
    await stopped;
  } catch (error) {
    strategyError ??= error;
    stopNow(`internal error: ${(error as Error).message}`);
  } finally {
    if (checkTimer) clearInterval(checkTimer);
    if (statusTimer) clearInterval(statusTimer);
    if (minutesTimer) clearTimeout(minutesTimer);
    if (options.handleSignals) {
      process.off('SIGINT', signalHandler);
      process.off('SIGTERM', signalHandler);
    }
  }

  // Stopping: refuse new orders, end the strategy's sleeps, let in-flight calls settle, cancel everything.
  log.write('stop', { reason: stopReason });
  say(`stopping: ${stopReason}`);
  guard?.halt(stopReason);
  realClock.stop();
  paper?.gateway.endRun();
  await guard?.idle(3_000);
  if (paper) paper.stop();
  const leftPerMarket: (number | null)[] = [];
  for (const lane of lanes) {
    if (lane.fed instanceof DryRunVenue) await lane.fed.cancelAllOrders();
    if (lane.live) {
      const ex = connected.get(lane.market.venue)!;
      leftPerMarket.push(await cancelEverything(ex, lane.ccxtSymbol, lane.live, lane.log));
    }
  }
  const openOrdersLeft =
    leftPerMarket.length === 0 || leftPerMarket.includes(null) ? null : leftPerMarket.reduce<number>((sum, n) => sum + n!, 0);
  for (const lane of lanes) await lane.feed!.stop();
  for (const lane of lanes) lane.live?.stop();
  for (const lane of lanes) await lane.recorder.close();
  for (const exchange of connected.values()) await exchange.close().catch(() => {});
  const endUs = wallMicros();

  const startUs = Number.isFinite(strategyStartUs) ? strategyStartUs : tape.startTs;
  const runScenario = liveScenario(scenario, config.name, mode, files);
  const marketRuns: MarketRun[] = [];
  for (const lane of lanes) {
    const result = lane.tape.result(endUs);
    result.startTs = startUs;
    const dataFiles = [{ path: lane.file, sha256: await sha256File(join(out, lane.file)) }];
    marketRuns.push({ market: lane.market, units: lane.units, result, orders: lane.tape.orders.records(), dataFiles });
  }
  const [quoted] = marketRuns;
  const run: ScenarioRun = {
    scenario: runScenario,
    units,
    result: quoted.result,
    orders: quoted.orders,
    dataFiles: marketRuns.flatMap((m) => m.dataFiles),
    strategyModule: strategy.module,
    markets: marketRuns,
    fillOrder: fillOrderOf(marketRuns),
  };
  const analysis = writeRunFiles(out, run, []);
  writeFileAtomically(
    join(out, 'live.json'),
    `${JSON.stringify(
      {
        spreadlab: packageVersion(),
        mode,
        exchange: options.exchange,
        sandbox: options.sandbox,
        baseUrl: options.baseUrl ?? null,
        configFile: options.configFile,
        config: { name: config.name, risk: config.risk, provenance: config.provenance ?? null, guardrails: config.guardrails ?? null },
        startedAt: started.wallIso,
        strategyStartUs: Number.isFinite(strategyStartUs) ? strategyStartUs : null,
        strategyStart: Number.isFinite(strategyStartUs) ? isoMicros(strategyStartUs) : null,
        endUs,
        end: isoMicros(endUs),
        stopReason,
        killed: guard?.killed ?? false,
        openOrdersLeft,
        marketFile: several ? files : MARKET_FILE,
        recordedLines: lanes.reduce((n, l) => n + l.recorder.lines, 0),
        ordersFile: ORDERS_FILE,
      },
      null,
      2,
    )}\n`,
  );
  if (strategyError && !(stopReason.startsWith('kill switch') || stopReason.startsWith('signal'))) {
    throw exchangeSetupError(strategyError, options.exchange, (text) => log.redact(text));
  }
  return { out, analysis, stopReason, killed: guard?.killed ?? false, openOrdersLeft };
}

/**
 * A promoted config names the strategy module it was measured with by its hash: a module edited since then
 * has not been measured, so it must be promoted again.
 */
function checkModuleUnchanged(module: StrategyModule | null, provenance: Record<string, unknown>, configFile: string): void {
  if (!module) return;
  const promoted = (provenance.strategyModule as StrategyModule | undefined)?.sha256;
  if (promoted === module.sha256) return;
  throw new SpreadlabError(
    promoted === undefined
      ? `${configFile}: provenance has no strategyModule hash for ${module.path}; promote again with this version of spreadlab`
      : `${configFile}: strategy module ${module.path} changed since it was promoted (sha256 ${promoted.slice(0, 12)}… now ${module.sha256.slice(0, 12)}…): backtest it and promote again`,
  );
}

/** The scenario a live run's folder records: the config's, with the recorded markets (`files`, in order) as data. */
function liveScenario(scenario: Scenario, name: string, mode: string, files: string[]): Scenario {
  const { window: _w, durationSeconds: _d, ...rest } = scenario;
  const replay = (file: string) => ({ kind: 'replay', files: [file], format: 'binance-raw', cache: false });
  return parseScenario(
    {
      ...rest,
      name: name.replace(/[^A-Za-z0-9._-]/g, '_'),
      description: `${mode} run; data: the market${files.length > 1 ? 's' : ''} it recorded`,
      ...(rest.markets ? { markets: rest.markets.map((m, i) => ({ ...m, data: replay(files[i]) })) } : { data: replay(files[0]) }),
    },
    'live run scenario',
  );
}

/** The market of every fill across the markets, in exchange-time order (ties: scenario order). */
function fillOrderOf(markets: MarketRun[]): number[] {
  const all = markets.flatMap((m, i) => m.result.fills.map((f) => ({ i, ts: f.exchTs })));
  return all.sort((a, b) => a.ts - b.ts || a.i - b.i).map((f) => f.i);
}

/** One market of a live run: its feed, tape and recording. */
interface Lane {
  market: MarketConfig;
  /** The market's name in strategy calls. */
  id: string;
  units: MarketUnits;
  ccxtSymbol: string;
  /** Its recording's file name in the run folder. */
  file: string;
  tape: RunTape;
  recorder: RawRecorder;
  differ: BookDiffer;
  /** The run's event log; several markets: its lines name this market. */
  log: EventLog;
  feed: MarketFeed | null;
  /** Live and dry-run: the market's own venue (it gets the feed's books and trades); null in paper. */
  fed: LiveVenue | DryRunVenue | null;
  /** Live: the same venue, as the LiveVenue it is. */
  live: LiveVenue | null;
  lastBid: number;
  lastAsk: number;
}

/** Cancels all open orders, retrying; reads them back; returns how many are left open (null: unknown). */
async function cancelEverything(ex: CcxtExchange, symbol: string, live: LiveVenue, log: EventLog): Promise<number | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await withTimeout(ex.cancelAllOrders(symbol), 5_000);
      const left = await withTimeout(ex.fetchOpenOrders(symbol), 5_000);
      live.closeAll();
      log.write('final-cancel-all', { attempt, left: left.length });
      if (left.length === 0) return 0;
    } catch (error) {
      log.write('final-cancel-all-failed', { attempt, error: (error as Error).message });
      await sleep(250 * 2 ** attempt);
    }
  }
  return null;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e as Error);
      },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
