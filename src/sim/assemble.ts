import { isoMicros, US_PER_MS, US_PER_SECOND } from '../core/units.ts';
import { SpreadlabError } from '../core/errors.ts';
import { MarketUnits } from '../core/market.ts';
import type { Rng } from '../core/rng.ts';
import { DATA_SOURCES } from '../data/sources.ts';
import { findDataSource, type OpenedData } from '../data/source.ts';
import type { SynthOutput } from '../data/synthetic/write-tardis.ts';
import { feeSchedule, type FeeSchedule } from '../venue/fees.ts';
import type { BookThroughRule } from '../venue/exchange.ts';
import type { LatencyModel } from '../venue/latency.ts';
import { createLatencyModel, createQueueModel, queueReadsOrderEvents } from '../venue/models.ts';
import type { QueueModel } from '../venue/queue.ts';
import { openFunding, type FundingSchedule } from '../data/funding.ts';
import { isMultiMarket, marketPath, scenarioMarkets, venueLatency, type MarketConfig, type Scenario } from './scenario.ts';

/**
 * The one place that builds what a scenario describes — each market's units, its fees, the venue models and
 * the data with its trading window — for a backtest (run-scenario.ts), a paper session (live/paper.ts), the
 * local exchange server (live/server) and `data synth`, so the four cannot drift apart.
 *
 * Rules for several markets (`markets`):
 * - Each market has its own simulated exchange (book, queue model instance, fees); markets that name one
 *   venue share that venue's latency model (`venues.<name>.latency`, else `venue.latency`).
 * - Random streams: the first venue's latency draws from the seed's `latency` stream (as a one-market run),
 *   every other venue's from `latency/<venue>`; the first market's synthetic data from the seed's `market`
 *   stream (as a one-market run), every other market's from `market/<id>` (DataContext.marketLabel).
 * - The data span of a run is where every market has data: the latest start to the earliest end.
 */
export interface VenueSetup {
  units: MarketUnits;
  fees: FeeSchedule;
  queue: QueueModel;
  latency: LatencyModel;
  bookThrough: BookThroughRule;
}

/** One market of a run with its venue models (markets of one venue share `latency`). */
export interface MarketSetup extends VenueSetup {
  market: MarketConfig;
}

/** A market's units: tick, lot, fees and contract size. */
export function marketUnits(market: MarketConfig): MarketUnits {
  return new MarketUnits(market);
}

function marketVenue(scenario: Scenario, market: MarketConfig, latency: LatencyModel): MarketSetup {
  return {
    market,
    units: marketUnits(market),
    fees: feeSchedule(market.makerFeeBps, market.takerFeeBps),
    queue: createQueueModel(scenario.venue.queue),
    latency,
    bookThrough: scenario.venue.bookThrough,
  };
}

/** Every market of the scenario with its venue models; random streams derive from `seedRng` (rules above). */
export function marketSetups(scenario: Scenario, seedRng: Rng, baseDir: string): MarketSetup[] {
  const markets = scenarioMarkets(scenario);
  const latencies = new Map<string, LatencyModel>();
  for (const { venue } of markets) {
    if (latencies.has(venue)) continue;
    const rng = seedRng.fork(latencies.size === 0 ? 'latency' : `latency/${venue}`);
    latencies.set(venue, createLatencyModel(venueLatency(scenario, venue), rng, baseDir));
  }
  return markets.map((market) => marketVenue(scenario, market, latencies.get(market.venue)!));
}

/**
 * The period the strategy trades: the data's span, narrowed by `window.from` / `window.to` when given (an
 * ISO time, or an offset from the data's start such as "90s", "30m", "2h"). Market events before the
 * window still build the venue's book; the strategy starts at the window's start.
 */
export function tradingWindow(scenario: Scenario, data: { startTs: number; endTs: number }): { startTs: number; endTs: number } {
  const at = (spec: string | undefined, fallback: number): number => (spec === undefined ? fallback : parseWindowTime(spec, data.startTs));
  const startTs = Math.max(data.startTs, at(scenario.window?.from, data.startTs));
  const endTs = Math.min(data.endTs, at(scenario.window?.to, data.endTs));
  if (!(endTs > startTs)) {
    throw new SpreadlabError(
      `window: ${scenario.window?.from ?? 'start'}..${scenario.window?.to ?? 'end'} leaves no time inside the data (${isoMicros(data.startTs)} to ${isoMicros(data.endTs)})`,
    );
  }
  return { startTs, endTs };
}

/** The most samples timeseries.csv may hold (about 100 bytes each in memory, more on disk). */
const MAX_SAMPLES = 10_000_000;

/** Refuses, before the run, a sampling interval that would give more than MAX_SAMPLES samples over the period. */
export function checkSampleCount(scenario: Scenario, spanUs: number): void {
  for (const key of ['sampleSeconds', 'riskIntervalSeconds'] as const) {
    const seconds = scenario.analytics[key];
    const samples = spanUs / (seconds * US_PER_SECOND);
    if (samples > MAX_SAMPLES) {
      throw new SpreadlabError(
        `analytics.${key} ${seconds}: ${Math.ceil(samples)} samples over the run's ${(spanUs / US_PER_SECOND).toFixed(0)} s; at most ${MAX_SAMPLES} (sample less often)`,
      );
    }
  }
}

const OFFSET_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

function parseWindowTime(spec: string, dataStart: number): number {
  const offset = /^(\d+(?:\.\d+)?)([smhd])$/.exec(spec);
  if (offset) return dataStart + Math.round(Number(offset[1]) * OFFSET_UNITS[offset[2]] * US_PER_SECOND);
  const ms = Date.parse(spec);
  if (Number.isNaN(ms)) throw new SpreadlabError(`window: "${spec}" is neither an ISO time nor an offset such as "90s", "30m", "2h"`);
  return ms * US_PER_MS;
}

/** Where every market has data: the latest start to the earliest end (a SpreadlabError when they do not overlap). */
export function commonSpan(scenario: Scenario, spans: { startTs: number; endTs: number }[]): { startTs: number; endTs: number } {
  const startTs = Math.max(...spans.map((s) => s.startTs));
  const endTs = Math.min(...spans.map((s) => s.endTs));
  if (spans.length > 1 && !(endTs > startTs)) {
    const markets = scenarioMarkets(scenario);
    throw new SpreadlabError(
      `markets: their data do not overlap in time (${spans.map((s, i) => `${markets[i].id} ${isoMicros(s.startTs)} to ${isoMicros(s.endTs)}`).join('; ')})`,
    );
  }
  return { startTs, endTs };
}

/** The time span of a scenario's data (opening every market's, as a run would). */
export async function dataSpan(scenario: Scenario, baseDir: string): Promise<{ startTs: number; endTs: number }> {
  const markets = scenarioMarkets(scenario);
  const spans: { startTs: number; endTs: number }[] = [];
  for (let i = 0; i < markets.length; i++) spans.push(await openMarketData(scenario, i, marketUnits(markets[i]), baseDir));
  return commonSpan(scenario, spans);
}

/** A market's opened data and its funding schedule (null when it has none). */
export interface MarketData extends OpenedData {
  funding: FundingSchedule | null;
}

/**
 * Opens the data source market `index` of a scenario names (paths relative to `baseDir`), with the market's
 * order events when the venue's queue model reads them (a SpreadlabError when the data has none), and its
 * funding schedule.
 */
export async function openMarketData(scenario: Scenario, index: number, units: MarketUnits, baseDir: string): Promise<MarketData> {
  const market = scenarioMarkets(scenario)[index];
  const { data } = market;
  const orderEvents = queueReadsOrderEvents(scenario.venue.queue);
  const opened = await findDataSource(DATA_SOURCES, data).open(data, {
    units,
    seed: scenario.seed,
    durationSeconds: scenario.durationSeconds,
    baseDir,
    orderEvents,
    ...(index === 0 ? {} : { marketLabel: `market/${market.id}` }),
  });
  if (orderEvents && !opened.orderEvents) {
    throw new SpreadlabError(
      `venue.queue: "${scenario.venue.queue.model}" follows the market order by order: it needs order-by-order data (a replay of LOBSTER message files), and this scenario's data (${data.kind}${data.model ? ` ${data.model}` : ''}) has no order events`,
    );
  }
  const funding = market.funding ? openFunding(market.funding, baseDir, `${marketPath(scenario, index)}.funding`) : null;
  return { ...opened, files: [...opened.files, ...(funding?.files ?? [])], funding };
}

/** `data synth`: each synthetic market of a scenario, the events a backtest of it sees, written as tardis CSV.gz. */
export async function writeScenarioMarket(scenario: Scenario, baseDir: string, out: SynthOutput): Promise<string[]> {
  const markets = scenarioMarkets(scenario);
  const synthetic = markets.filter((m) => m.data.kind === 'synthetic');
  if (synthetic.length === 0) {
    const path = isMultiMarket(scenario) ? 'markets[].data.kind' : 'data.kind';
    throw new SpreadlabError(
      `${path}: expected "synthetic" (data synth writes a synthetic market), got ${JSON.stringify(markets[0].data.kind)}`,
    );
  }
  const { writeSyntheticTardis } = await import('../data/synthetic/write-tardis.ts'); // the writer loads with the command that needs it
  const written: string[] = [];
  for (const [index, market] of markets.entries()) {
    if (market.data.kind !== 'synthetic') continue;
    const data = await openMarketData(scenario, index, marketUnits(market), baseDir);
    const prefix = isMultiMarket(scenario)
      ? `${out.prefix ?? 'synthetic'}_${market.id}_${String(market.data.model)}_seed${scenario.seed}`
      : out.prefix;
    written.push(
      ...(await writeSyntheticTardis({ seed: scenario.seed, market, data: market.data }, data.open(), { dir: out.dir, prefix })),
    );
  }
  return written;
}
