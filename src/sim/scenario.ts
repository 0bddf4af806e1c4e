import { dirname } from 'node:path';
import { z } from 'zod';
import { SpreadlabError } from '../core/errors.ts';
import { readJsonFile } from '../core/json-file.ts';
import { boundedNumber, boundProblem, BOUNDS, firstNonFinite } from '../core/bounds.ts';
import { exactDecimals } from '../core/market.ts';
import { describeIssue, formatPath, schemaError } from '../core/schema-errors.ts';
import { DATA_SOURCES } from '../data/sources.ts';
import { dataSourceKey } from '../data/source.ts';
import { fundingSchema, type FundingConfig } from '../data/funding.ts';
import { BOOK_THROUGH_RULES, type BookThroughRule } from '../venue/exchange.ts';
import { LATENCY_MODELS, QUEUE_MODELS, type LatencyConfig, type QueueConfig } from '../venue/models.ts';
import type { MarketInfo } from '../strategy/api.ts';
import { findBuiltIn, resolveStrategy, unknownStrategy, type StrategyConfig } from '../strategy/resolve.ts';

/**
 * Scenario files: one JSON document that says everything a run needs (market, data, venue models,
 * strategy, duration, seed). Unknown keys are errors; every error names the file, the JSON path and what
 * was expected. Every number is finite and within the bound its field states (core/bounds.ts); across
 * fields, a built-in strategy's `size` must be whole lots and a synthetic market's `startPrice` 100 to 1e12
 * ticks. `--set path=value` overrides any field before validation (the value is read as JSON when it
 * parses, as a string otherwise).
 */
/** A price or size step: bounded, and exact in at most 12 decimals (money is computed exactly at those decimals). */
const step = boundedNumber(BOUNDS.step).refine((x) => !validStep(x) || exactDecimals(x) !== null, {
  message: 'expected a step of at most 12 decimals, such as 0.01 or 0.00001',
});
function validStep(x: number): boolean {
  return boundProblem(x, BOUNDS.step) === null;
}

/** A fee in bps: bounded, in hundredths of a bp (how the fee schedule holds it). */
const feeBps = boundedNumber(BOUNDS.feeBps).refine(
  (x) => boundProblem(x, BOUNDS.feeBps) !== null || Math.abs(x * 100 - Math.round(x * 100)) < 1e-6,
  {
    message: 'expected a multiple of 0.01 bp',
  },
);

const marketBase = {
  symbol: z.string().min(1),
  tickSize: step,
  lotSize: step,
  makerFeeBps: feeBps.default(0),
  takerFeeBps: feeBps.default(0),
};

export const MARKET_KINDS = ['spot', 'perpetual'] as const;
export type MarketKind = (typeof MARKET_KINDS)[number];

const kindField = z.enum(MARKET_KINDS).describe('spot, or perpetual (a linear perpetual swap: funding applies)');
const contractSizeField = boundedNumber(BOUNDS.size).describe(
  'base units one unit of size stands for (a linear contract; 1: sizes in base units)',
);
const fundingField = fundingSchema.describe("a perpetual's funding payments (from data or a constant rate)");

/** The one-market form's `market` (kind, contract size and funding optional, so older scenarios echo unchanged). */
export const marketSchema = z
  .object({ ...marketBase, kind: kindField.optional(), contractSize: contractSizeField.optional(), funding: fundingField.optional() })
  .strict();

/** A name: letters, digits, ".", "_" or "-". */
/** A market id as it stands in file names (a live run's recording per market): characters other than letters, digits, ".", "_" and "-" become "_". */
export function fileNameOfId(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

const idField = z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-"');

/** One entry of `markets` (the several-market form); its `data` is checked as the scenario's `data` is. */
function marketEntrySchema<Data extends z.ZodTypeAny>(data: Data) {
  return z
    .object({
      id: idField.optional().describe('what strategy calls name this market (default: its symbol); unique'),
      ...marketBase,
      venue: idField.describe('the venue it trades on: markets of one venue share its latency and order channel'),
      kind: kindField.default('spot'),
      contractSize: contractSizeField.default(1),
      funding: fundingField.optional(),
      data,
    })
    .strict();
}

/** `{"model": NAME, …its params}` for one of `models`, each model's params strict. */
function modelField<M extends { name: string; params: z.AnyZodObject }>(models: readonly M[]) {
  // the options are built from a list, so their literal types are not known here (the Scenario type names them)
  const options = models.map(
    (m) =>
      z
        .object({ model: z.literal(m.name) })
        .merge(m.params)
        .strict() as z.ZodDiscriminatedUnionOption<'model'>,
  );
  return z.discriminatedUnion('model', options as [z.ZodDiscriminatedUnionOption<'model'>, ...z.ZodDiscriminatedUnionOption<'model'>[]]);
}

export const venueSchema = z
  .object({
    queue: modelField(QUEUE_MODELS).default({ model: 'risk-averse' }),
    latency: modelField(LATENCY_MODELS).default({ model: 'constant', entryMs: 20, responseMs: 20 }),
    bookThrough: z
      .enum(BOOK_THROUGH_RULES)
      .default('crossed-quantity')
      .describe(
        'when the displayed book moves through a resting order: fill at most the displayed quantity that crossed (crossed-quantity, conservative) or the whole remaining size (full, optimistic)',
      ),
  })
  .strict();

export const analyticsSchema = z
  .object({
    /** Markout horizons, seconds. */
    horizonsSeconds: z.array(boundedNumber(BOUNDS.intervalSeconds)).nonempty().max(20).default([1, 5, 30, 60]),
    /** The horizon the verdict and headline figures use; must be one of horizonsSeconds. */
    mainHorizonSeconds: boundedNumber(BOUNDS.intervalSeconds).default(30),
    /** timeseries.csv sampling interval, seconds. */
    sampleSeconds: boundedNumber(BOUNDS.intervalSeconds).default(1),
    /** Interval of the PnL series behind the risk figures (Sharpe, worst interval), seconds. */
    riskIntervalSeconds: boundedNumber({ min: BOUNDS.intervalSeconds.min, max: BOUNDS.durationSeconds.max }).default(60),
  })
  .strict()
  .refine((a) => a.horizonsSeconds.includes(a.mainHorizonSeconds), {
    message: 'mainHorizonSeconds must be one of horizonsSeconds',
    path: ['mainHorizonSeconds'],
  });

/**
 * The fields of a scenario, in the order run.json records them; `data` and `strategy` depend on what the
 * registries list (parsing checks them with dataField and strategyField below; the JSON Schema lists them).
 */
export function scenarioShape<Data extends z.ZodTypeAny, Strategy extends z.ZodTypeAny>(data: Data, strategy: Strategy) {
  return {
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-" (it names the run folder)')
      .describe('names the run folder'),
    description: z.string().optional(),
    seed: boundedNumber(BOUNDS.seed).default(1).describe('seed of every random draw (market, latency)'),
    /** Simulated time to run; required for synthetic data, optional for replays (default: all the data). */
    durationSeconds: boundedNumber(BOUNDS.durationSeconds).optional().describe('simulated time to run; required for synthetic data'),
    /** Trade only inside this part of the data: ISO times or offsets from the data's start ("90s", "30m"). */
    window: z
      .object({ from: z.string().optional(), to: z.string().optional() })
      .strict()
      .optional()
      .describe('trade only inside this part of the data: ISO times or offsets from its start such as "90s", "30m"'),
    market: marketSchema.optional().describe('the one market (with data): the one-market form; or give markets'),
    data: data.optional(),
    markets: z
      .array(marketEntrySchema(data))
      .min(1)
      .optional()
      .describe('several markets, each with its data; the first is the quoted one (context.market)'),
    venue: venueSchema.default({}),
    venues: z
      .record(idField, z.object({ latency: modelField(LATENCY_MODELS) }).strict())
      .optional()
      .describe('per venue named by markets[].venue: its latency (default: venue.latency)'),
    analytics: analyticsSchema.default({}),
    strategy,
  };
}

export const scenarioSchema = z
  .object(scenarioShape(dataField(), strategyField()))
  .strict()
  .superRefine((s, ctx) => {
    const problem = (path: (string | number)[], message: string): void => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
    if (s.markets === undefined) {
      if (s.market === undefined) problem(['market'], 'required (the market), or give "markets" (several, each with its data)');
      if (s.data === undefined) problem(['data'], 'required (the market data), or give "markets" (several, each with its data)');
      if (s.market?.funding !== undefined && s.market.kind !== 'perpetual')
        problem(['market', 'funding'], 'funding applies to a perpetual: set market.kind to "perpetual"');
      if (s.venues !== undefined) problem(['venues'], 'names the venues of "markets"; a one-market scenario sets venue.latency');
    } else {
      for (const key of ['market', 'data'] as const) {
        if (s[key] !== undefined) problem([key], 'give "markets" (each with its data) or "market" and "data", not both');
      }
      const ids = new Map<string, string>();
      s.markets.forEach((m, i) => {
        const id = m.id ?? m.symbol;
        const earlier = ids.get(fileNameOfId(id));
        if (earlier === id) problem(['markets', i, 'id'], `"${id}" is already the id of an earlier market: give each market its own id`);
        else if (earlier !== undefined)
          problem(
            ['markets', i, 'id'],
            `"${id}" and an earlier market's id "${earlier}" name the same files (${fileNameOfId(id)}): give it an id`,
          );
        ids.set(fileNameOfId(id), id);
        if (m.funding !== undefined && m.kind !== 'perpetual')
          problem(['markets', i, 'funding'], 'funding applies to a perpetual: set kind to "perpetual"');
      });
      const used = new Set(s.markets.map((m) => m.venue));
      for (const name of Object.keys(s.venues ?? {})) {
        if (!used.has(name))
          problem(
            ['venues', name],
            `no market trades on venue "${name}" (markets name ${[...used].map((v) => JSON.stringify(v)).join(', ')})`,
          );
      }
    }
    const synthetic = [s.data, ...(s.markets ?? []).map((m) => m.data)].some((d) => d?.kind === 'synthetic');
    if (s.durationSeconds === undefined && synthetic)
      problem(['durationSeconds'], 'required for synthetic data (how long to simulate, in seconds)');
    // each market: a built-in strategy's order size in whole lots (else every order is rejected), a synthetic start price in range
    const marketsWithData = s.markets ?? (s.market && s.data ? [{ ...s.market, data: s.data }] : []);
    marketsWithData.forEach((m, i) => checkMarketNumbers(s, m, s.markets === undefined ? [] : ['markets', i], problem));
  });

/**
 * A market's cross-field number checks: a built-in strategy's `size` must be whole lots of the quoted (first)
 * market, or every order is rejected and nothing trades; a synthetic market's price must span enough ticks
 * for a spread of one tick to mean something.
 */
function checkMarketNumbers(
  s: { strategy: { module?: string } & Record<string, unknown>; markets?: unknown[] },
  m: { tickSize: number; lotSize: number; data: { startPrice?: unknown } },
  at: (string | number)[],
  problem: (path: (string | number)[], message: string) => void,
): void {
  const { tickSize, lotSize } = m;
  if (!validStep(tickSize) || !validStep(lotSize) || exactDecimals(tickSize) === null || exactDecimals(lotSize) === null) return; // reported by the market's own checks
  const lotPath = at.length === 0 ? 'market.lotSize' : `markets[${at[1]}].lotSize`;
  const size = s.strategy.size;
  const quoted = at.length === 0 || at[1] === 0;
  if (quoted && s.strategy.module === undefined && typeof size === 'number' && size > 0 && !isWholeSteps(size, lotSize))
    problem(['strategy', 'size'], `${size} is not a whole number of ${lotPath} (${lotSize}): every order would be rejected`);
  const startPrice = m.data.startPrice;
  if (typeof startPrice === 'number' && startPrice > 0) {
    const ticks = startPrice / tickSize;
    const tickPath = at.length === 0 ? 'market.tickSize' : `markets[${at[1]}].tickSize`;
    if (!(ticks >= MIN_PRICE_TICKS && ticks <= MAX_PRICE_TICKS))
      problem(
        [...(at.length === 0 ? [] : at), 'data', 'startPrice'],
        `${startPrice} is ${Number(ticks.toPrecision(6))} ticks of ${tickPath} (${tickSize}); expected ${MIN_PRICE_TICKS} to ${MAX_PRICE_TICKS} ticks (a one-tick spread of at most 1 %)`,
      );
  }
}

/** A synthetic market's start price, in ticks: enough for a one-tick spread of at most 1 %, few enough to stay exact. */
const MIN_PRICE_TICKS = 100;
const MAX_PRICE_TICKS = 1e12;

/** True when `value` is a positive whole number of `step` (within 1e-6 of a step, as MarketUnits reads them). */
function isWholeSteps(value: number, step: number): boolean {
  const steps = value / step;
  return Math.round(steps) >= 1 && Math.abs(steps - Math.round(steps)) <= 1e-6;
}

type DataConfig = { kind: string; model?: string } & Record<string, unknown>;

export type Scenario = Omit<z.infer<typeof scenarioSchema>, 'data' | 'strategy' | 'venue' | 'markets' | 'venues'> & {
  venue: { queue: QueueConfig; latency: LatencyConfig; bookThrough: BookThroughRule };
  data?: DataConfig;
  markets?: (Omit<MarketConfig, 'id'> & { id?: string })[];
  venues?: Record<string, { latency: LatencyConfig }>;
  strategy: StrategyConfig;
};

/** One market of a run, every field known: a `markets` entry, or the one-market form's `market` and `data`. */
export interface MarketConfig {
  id: string;
  symbol: string;
  venue: string;
  kind: MarketKind;
  contractSize: number;
  tickSize: number;
  lotSize: number;
  makerFeeBps: number;
  takerFeeBps: number;
  funding?: FundingConfig;
  data: DataConfig;
}

/** The venue name of the one-market form. */
export const DEFAULT_VENUE = 'venue';

/** Whether the scenario uses the several-market form (`markets`), whose outputs have a market column. */
export function isMultiMarket(scenario: Scenario): boolean {
  return scenario.markets !== undefined;
}

/**
 * The markets of a run, in scenario order (the first is the quoted one): a one-market scenario's `market` and
 * `data` as one market (its id is the symbol, as strategies name it), or each `markets` entry.
 */
export function scenarioMarkets(scenario: Scenario): MarketConfig[] {
  if (scenario.markets) return scenario.markets.map((m) => ({ ...m, id: m.id ?? m.symbol }));
  const { market, data } = scenario;
  if (!market || !data) throw new Error('a one-market scenario without market or data (parseScenario refuses it)');
  return [
    {
      id: market.symbol,
      symbol: market.symbol,
      venue: DEFAULT_VENUE,
      kind: market.kind ?? 'spot',
      contractSize: market.contractSize ?? 1,
      tickSize: market.tickSize,
      lotSize: market.lotSize,
      makerFeeBps: market.makerFeeBps,
      takerFeeBps: market.takerFeeBps,
      funding: market.funding,
      data,
    },
  ];
}

/** What a strategy's context lists of a market (StrategyContext.markets). */
export function marketInfo(market: MarketConfig): MarketInfo {
  const { id, symbol, venue, kind, tickSize, lotSize, contractSize } = market;
  return { id, symbol, venue, kind, tickSize, lotSize, contractSize };
}

/** The latency of a venue: its `venues` entry, else the scenario's venue.latency. */
export function venueLatency(scenario: Scenario, venue: string): LatencyConfig {
  return scenario.venues?.[venue]?.latency ?? scenario.venue.latency;
}

/** The path of a market's fields in messages: `market` in the one-market form, `markets.<i>` otherwise. */
export function marketPath(scenario: Scenario, index: number): string {
  return isMultiMarket(scenario) ? `markets[${index}]` : 'market';
}

/**
 * The `data` field: the source its `kind` (and `model`, for a synthetic market) names, checked by that
 * source's schema; an unknown kind or model is answered with the registered names.
 */
function dataField() {
  const keys = DATA_SOURCES.map((source) => source.name.split('/'));
  return z.record(z.unknown()).transform((raw, ctx) => {
    const source = DATA_SOURCES.find((s) => s.name === dataSourceKey(raw));
    if (source) return checked(source.params, raw, ctx);
    const kinds = [...new Set(keys.map(([kind]) => kind))];
    const field = kinds.includes(String(raw.kind)) ? 'model' : 'kind';
    const names = field === 'kind' ? kinds : keys.filter(([kind]) => kind === raw.kind).map(([, model]) => model);
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: [field],
      message: `expected one of ${names.map((n) => JSON.stringify(n)).join(', ')}, got ${JSON.stringify(raw[field])}`,
    });
    return z.NEVER;
  });
}

/** `value` parsed by `schema`, or its issues added to the enclosing field's. */
function checked(schema: z.ZodTypeAny, value: unknown, ctx: z.RefinementCtx): Record<string, unknown> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, message: describeIssue(issue) } as z.IssueData);
  return z.NEVER;
}

/**
 * The `strategy` field: a built-in's parameters are checked here by its own schema; a user's module
 * (`"module": "./file.ts"`) is only checked for its path here, and its parameters when it is loaded
 * (resolveStrategy in strategy/resolve.ts: loading runs code, which validation does not).
 */
function strategyField() {
  return z.record(z.unknown()).transform((raw, ctx) => {
    if (raw.module !== undefined) {
      if (typeof raw.module !== 'string' || raw.module === '') {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['module'],
          message: 'expected the path of your strategy file, e.g. "./my-strategy.ts"',
        });
      } else if (raw.name !== undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['name'],
          message: 'give "name" (a built-in) or "module" (your file), not both',
        });
      }
      return raw as StrategyConfig;
    }
    const definition = findBuiltIn(raw.name);
    if (!definition) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['name'], message: unknownStrategy(raw.name) });
      return z.NEVER;
    }
    const { name, ...params } = raw;
    return { name, ...checked(definition.params.strict(), params, ctx) } as StrategyConfig;
  });
}

/**
 * Reads, overrides and validates a scenario file, its strategy included (a user's module is loaded and its
 * parameters checked and completed with their defaults).
 */
export async function loadScenario(file: string, overrides: string[] = []): Promise<Scenario> {
  const raw = readJsonFile(file, 'scenario');
  for (const override of overrides) applyOverride(raw, override);
  return withResolvedStrategy(parseScenario(raw, file), dirname(file), file);
}

/** The scenario with its strategy checked and completed (for a module, by loading it). */
export async function withResolvedStrategy(scenario: Scenario, baseDir: string, source: string): Promise<Scenario> {
  if (scenario.strategy.module === undefined) return scenario;
  const { config } = await resolveStrategy(scenario.strategy, baseDir, source);
  return { ...scenario, strategy: config };
}

/** `prefix`: the scenario's JSON path in `source` when it is part of a larger document (a live config's "scenario"). */
export function parseScenario(raw: unknown, source: string, prefix: (string | number)[] = []): Scenario {
  const infinite = firstNonFinite(raw);
  if (infinite) {
    throw new SpreadlabError(
      `${source}: ${formatPath([...prefix, ...infinite.path])}: expected a finite number, got ${infinite.value} (a JSON number beyond ±1.8e308 reads as infinite)`,
    );
  }
  const result = scenarioSchema.safeParse(withoutSchemaKey(raw));
  if (result.success) return result.data as Scenario;
  throw schemaError(source, result.error, prefix);
}

/** `"$schema"` names the JSON Schema an editor checks the file with; it is not part of the scenario (nor of run.json). */
function withoutSchemaKey(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !('$schema' in raw)) return raw;
  const { $schema: _schema, ...rest } = raw as Record<string, unknown>;
  return rest;
}

/**
 * Applies one `path=value` override to a raw scenario object. A step into a list (`markets`) names an element
 * by its position (`markets.1.makerFeeBps`) or by its `id` (`markets.perp.makerFeeBps`).
 */
export function applyOverride(raw: unknown, override: string): void {
  const eq = override.indexOf('=');
  if (eq <= 0) throw new SpreadlabError(`--set ${override}: expected path=value, e.g. strategy.spreadBps=15`);
  const path = override.slice(0, eq).split('.');
  if (path.some((key) => key === '__proto__' || key === 'constructor' || key === 'prototype')) {
    throw new SpreadlabError(`--set ${override}: "${override.slice(0, eq)}" is not a scenario field`);
  }
  const value = parseValue(override.slice(eq + 1));
  if (typeof raw !== 'object' || raw === null) throw new SpreadlabError('scenario: expected a JSON object at the top level');
  if (Array.isArray(raw)) return; // parseScenario refuses it, naming the file
  let target = raw as Record<string, unknown>;
  for (const step of path.slice(0, -1)) {
    const key = Array.isArray(target) ? elementKey(target, step, override) : step;
    const next = target[key];
    if (next === undefined) target[key] = {};
    else if (typeof next !== 'object' || next === null) throw new SpreadlabError(`--set ${override}: ${step} is not an object`);
    target = target[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  target[Array.isArray(target) ? elementKey(target, last, override) : last] = value;
}

/** The position of a list's element named by its index or its `id` (a market's symbol when it has no id). */
function elementKey(list: unknown[], step: string, override: string): string {
  if (/^\d+$/.test(step) && Number(step) < list.length) return step;
  const idOf = (e: unknown): unknown =>
    typeof e === 'object' && e !== null ? ((e as Record<string, unknown>).id ?? (e as Record<string, unknown>).symbol) : undefined;
  const index = list.findIndex((e) => idOf(e) === step);
  if (index >= 0) return String(index);
  throw new SpreadlabError(
    `--set ${override}: "${step}" is neither a position (0 to ${list.length - 1}) nor the id of an element of the list`,
  );
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
