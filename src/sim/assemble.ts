import { isoMicros, US_PER_MS, US_PER_SECOND } from '../core/units.ts';
import { SpreadlabError } from '../core/errors.ts';
import { MarketUnits } from '../core/market.ts';
import type { Rng } from '../core/rng.ts';
import { DATA_SOURCES } from '../data/sources.ts';
import { findDataSource, type OpenedData } from '../data/source.ts';
import { writeSyntheticTardis, type SynthOutput } from '../data/synthetic/write-tardis.ts';
import { feeSchedule, type FeeSchedule } from '../venue/fees.ts';
import type { BookThroughRule } from '../venue/exchange.ts';
import type { LatencyModel } from '../venue/latency.ts';
import { createLatencyModel, createQueueModel, queueReadsOrderEvents } from '../venue/models.ts';
import type { QueueModel } from '../venue/queue.ts';
import type { Scenario } from './scenario.ts';

/**
 * The one place that builds what a scenario describes — the market's units, its fees, the venue models and
 * the data with its trading window — for a backtest (run-scenario.ts), a paper session (live/paper.ts), the
 * local exchange server (live/server) and `data synth`, so the four cannot drift apart.
 */
export interface VenueSetup {
  units: MarketUnits;
  fees: FeeSchedule;
  queue: QueueModel;
  latency: LatencyModel;
  bookThrough: BookThroughRule;
}

/**
 * The scenario's market and venue models; latency draws (lognormal) come from `latencyRng`; a recorded
 * latency's relative path starts at `baseDir` (the scenario's or live config's folder).
 */
export function venueSetup(scenario: Scenario, latencyRng: Rng, baseDir: string): VenueSetup {
  return {
    units: new MarketUnits(scenario.market),
    fees: feeSchedule(scenario.market.makerFeeBps, scenario.market.takerFeeBps),
    queue: createQueueModel(scenario.venue.queue),
    latency: createLatencyModel(scenario.venue.latency, latencyRng, baseDir),
    bookThrough: scenario.venue.bookThrough,
  };
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

/** The time span of a scenario's data (opening it, as a run would). */
export async function dataSpan(scenario: Scenario, baseDir: string): Promise<{ startTs: number; endTs: number }> {
  const { startTs, endTs } = await openData(scenario, new MarketUnits(scenario.market), baseDir);
  return { startTs, endTs };
}

/**
 * Opens the data source a scenario names (paths relative to `baseDir`), with the market's order events when
 * the venue's queue model reads them (a SpreadlabError when the data has none).
 */
export async function openData(scenario: Scenario, units: MarketUnits, baseDir: string): Promise<OpenedData> {
  const { data } = scenario;
  const orderEvents = queueReadsOrderEvents(scenario.venue.queue);
  const opened = await findDataSource(DATA_SOURCES, data).open(data, {
    units,
    seed: scenario.seed,
    durationSeconds: scenario.durationSeconds,
    baseDir,
    orderEvents,
  });
  if (orderEvents && !opened.orderEvents) {
    throw new SpreadlabError(
      `venue.queue: "${scenario.venue.queue.model}" follows the market order by order: it needs order-by-order data (a replay of LOBSTER message files), and this scenario's data (${data.kind}${data.model ? ` ${data.model}` : ''}) has no order events`,
    );
  }
  return opened;
}

/** `data synth`: a synthetic scenario's market, the events a backtest of it sees, written as tardis CSV.gz. */
export async function writeScenarioMarket(scenario: Scenario, baseDir: string, out: SynthOutput): Promise<string[]> {
  if (scenario.data.kind !== 'synthetic') {
    throw new SpreadlabError(
      `data.kind: expected "synthetic" (data synth writes a synthetic market), got ${JSON.stringify(scenario.data.kind)}`,
    );
  }
  const data = await openData(scenario, new MarketUnits(scenario.market), baseDir);
  return writeSyntheticTardis(scenario, data.open(), out);
}
