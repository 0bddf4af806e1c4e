import type { z } from 'zod';
import type { MarketUnits } from '../core/market.ts';
import type { Micros } from '../core/units.ts';
import type { OpenMarketEvents } from '../core/events.ts';

/**
 * Data sources: what a scenario's `data` can name. Each source file exports one definition made with
 * defineDataSource; the registry (sources.ts) only lists them.
 *
 * Rules:
 * - A source's `name` is its scenario key: `<kind>` (`replay`), or `synthetic/<model>` for a synthetic
 *   market (dataSourceKey); its `params` schema is strict and checks the whole `data` object, `kind` and
 *   `model` included, so the name must match the schema's literals.
 * - `open` gets the settings as the schema outputs them (defaults filled in) and the run's context; it
 *   returns two factories of event streams (each call replays from the start), the strategy's feed in
 *   localTs order and the venue's timeline in exchTs order, and the data's time span.
 * - Synthetic sources draw every random number from the context's seed; replays read files relative to the
 *   scenario's folder and report them with their SHA-256.
 * Known limits: the registry holds definitions of different settings; its entries are typed by the base
 * schema (any object), so a config reaching `open` through the registry is checked by the scenario schema
 * (sim/scenario.ts, which validates `data` by the named source's `params`), not by the compiler.
 */
export interface DataContext {
  units: MarketUnits;
  seed: number;
  /** The scenario's durationSeconds, when given. */
  durationSeconds?: number;
  /** Folder of the scenario file: relative data paths resolve against it. */
  baseDir: string;
  /** The venue's queue model reads order events: a source that has them (order-by-order data) includes them. */
  orderEvents?: boolean;
  /**
   * Which of the run's markets this is, as the label of the seed's random stream a synthetic market draws
   * from (marketRng): absent for the first market ("market", as in a one-market run), `market/<id>` for
   * the others, so the markets of one run draw independently.
   */
  marketLabel?: string;
}

export interface OpenedData {
  /** The strategy's feed: the events in localTs order (as its market data reaches it). */
  open: OpenMarketEvents;
  /**
   * The venue's timeline: the same events in exchTs order (as the exchange did them). A replay reorders its
   * feed (exchange-order.ts); a synthetic market generates in exchange-time order with a constant feed
   * latency, so both orders are its own and it gives `open` itself here (the backtest then reads it once
   * for both timelines).
   */
  openVenue: OpenMarketEvents;
  startTs: Micros;
  endTs: Micros;
  /** Data files read, with their SHA-256 (empty for synthetic data). */
  files: { path: string; sha256: string }[];
  /** The events include order events (only when the context asked for them and the data has them). */
  orderEvents?: boolean;
  /**
   * Completes the integrity check of what the data was read from, over what a run did not read (a streamed
   * replay's cache entry is checked as it is read: data/cache.ts); throws CorruptCacheError when it fails.
   * A run calls it when it has ended, before it writes anything.
   */
  verify?: () => void;
}

export interface DataSourceDefinition<Params extends z.AnyZodObject = z.AnyZodObject> {
  /** The scenario key: `replay`, or `synthetic/<model>`. */
  name: string;
  /** One line: what the source is. */
  description: string;
  /** The schema of the scenario's `data` object for this source (strict). */
  params: Params;
  open(config: z.output<Params>, context: DataContext): OpenedData | Promise<OpenedData>;
}

/** A data source typed by its schema (the config `open` gets is inferred from `params`). */
export function defineDataSource<Params extends z.AnyZodObject>(definition: DataSourceDefinition<Params>): DataSourceDefinition<Params> {
  return definition;
}

/** The registry key a scenario's `data` names: `synthetic/<model>` for synthetic markets, `<kind>` otherwise. */
export function dataSourceKey(raw: { kind?: unknown; model?: unknown }): string {
  return raw.kind === 'synthetic' ? `synthetic/${String(raw.model)}` : String(raw.kind);
}

/** The source among `sources` (the registry) that a scenario's `data` names; an internal error when none does (the scenario schema refuses unknown ones). */
export function findDataSource(sources: readonly DataSourceDefinition[], data: { kind?: unknown; model?: unknown }): DataSourceDefinition {
  const key = dataSourceKey(data);
  const source = sources.find((s) => s.name === key);
  if (!source) throw new Error(`data source ${key} is not registered`);
  return source;
}
