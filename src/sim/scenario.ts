import { dirname } from 'node:path';
import { z } from 'zod';
import { SpreadlabError } from '../core/errors.ts';
import { readJsonFile } from '../core/json-file.ts';
import { boundedNumber, boundProblem, BOUNDS, firstNonFinite } from '../core/bounds.ts';
import { exactDecimals } from '../core/market.ts';
import { describeIssue, formatPath, schemaError } from '../core/schema-errors.ts';
import { DATA_SOURCES } from '../data/sources.ts';
import { dataSourceKey } from '../data/source.ts';
import { BOOK_THROUGH_RULES, type BookThroughRule } from '../venue/exchange.ts';
import { LATENCY_MODELS, QUEUE_MODELS, type LatencyConfig, type QueueConfig } from '../venue/models.ts';
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

export const marketSchema = z
  .object({
    symbol: z.string().min(1),
    tickSize: step,
    lotSize: step,
    makerFeeBps: feeBps.default(0),
    takerFeeBps: feeBps.default(0),
  })
  .strict();

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
    market: marketSchema,
    data,
    venue: venueSchema.default({}),
    analytics: analyticsSchema.default({}),
    strategy,
  };
}

export const scenarioSchema = z
  .object(scenarioShape(dataField(), strategyField()))
  .strict()
  .refine((s) => s.durationSeconds !== undefined || s.data.kind !== 'synthetic', {
    message: 'required for synthetic data (how long to simulate, in seconds)',
    path: ['durationSeconds'],
  })
  .superRefine((s, ctx) => {
    // a built-in strategy's order size must be whole lots: otherwise every order is rejected and nothing trades
    const { tickSize, lotSize } = s.market;
    if (!validStep(tickSize) || !validStep(lotSize) || exactDecimals(tickSize) === null || exactDecimals(lotSize) === null) return; // reported by the market's own checks
    const size = (s.strategy as Record<string, unknown>).size;
    if (s.strategy.module === undefined && typeof size === 'number' && size > 0 && !isWholeSteps(size, lotSize)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['strategy', 'size'],
        message: `${size} is not a whole number of market.lotSize (${lotSize}): every order would be rejected`,
      });
    }
    // a synthetic market's price must span enough ticks for a spread of one tick to mean something
    const startPrice = s.data.startPrice;
    if (typeof startPrice === 'number' && startPrice > 0) {
      const ticks = startPrice / tickSize;
      if (!(ticks >= MIN_PRICE_TICKS && ticks <= MAX_PRICE_TICKS)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['data', 'startPrice'],
          message: `${startPrice} is ${Number(ticks.toPrecision(6))} ticks of market.tickSize (${tickSize}); expected ${MIN_PRICE_TICKS} to ${MAX_PRICE_TICKS} ticks (a one-tick spread of at most 1 %)`,
        });
      }
    }
  });

/** A synthetic market's start price, in ticks: enough for a one-tick spread of at most 1 %, few enough to stay exact. */
const MIN_PRICE_TICKS = 100;
const MAX_PRICE_TICKS = 1e12;

/** True when `value` is a positive whole number of `step` (within 1e-6 of a step, as MarketUnits reads them). */
function isWholeSteps(value: number, step: number): boolean {
  const steps = value / step;
  return Math.round(steps) >= 1 && Math.abs(steps - Math.round(steps)) <= 1e-6;
}

export type Scenario = Omit<z.infer<typeof scenarioSchema>, 'data' | 'strategy' | 'venue'> & {
  venue: { queue: QueueConfig; latency: LatencyConfig; bookThrough: BookThroughRule };
  data: { kind: string; model?: string } & Record<string, unknown>;
  strategy: StrategyConfig;
};

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

/** Applies one `path=value` override to a raw scenario object. */
export function applyOverride(raw: unknown, override: string): void {
  const eq = override.indexOf('=');
  if (eq <= 0) throw new SpreadlabError(`--set ${override}: expected path=value, e.g. strategy.spreadBps=15`);
  const path = override.slice(0, eq).split('.');
  if (path.some((key) => key === '__proto__' || key === 'constructor' || key === 'prototype')) {
    throw new SpreadlabError(`--set ${override}: "${override.slice(0, eq)}" is not a scenario field`);
  }
  const value = parseValue(override.slice(eq + 1));
  if (typeof raw !== 'object' || raw === null) throw new SpreadlabError('scenario: expected a JSON object at the top level');
  let target = raw as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = target[key];
    if (next === undefined) target[key] = {};
    else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      throw new SpreadlabError(`--set ${override}: ${key} is not an object`);
    }
    target = target[key] as Record<string, unknown>;
  }
  target[path[path.length - 1]] = value;
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
