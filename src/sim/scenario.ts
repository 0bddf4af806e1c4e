import { z } from 'zod';
import { SpreadlabError } from '../core/errors.ts';
import { readJsonFile } from '../core/json-file.ts';
import { DATA_SOURCES } from '../data/sources.ts';
import { dataSourceKey } from '../data/source.ts';
import { STRATEGIES } from '../strategy/registry.ts';

/**
 * Scenario files: one JSON document that says everything a run needs (market, data, venue models,
 * strategy, duration, seed). Unknown keys are errors; every error names the file, the JSON path and what
 * was expected. `--set path=value` overrides any field before validation (the value is read as JSON when it
 * parses, as a string otherwise).
 */
const positive = z.number().positive();
const nonNegative = z.number().nonnegative();

const marketSchema = z
  .object({
    symbol: z.string().min(1),
    tickSize: positive,
    lotSize: positive,
    makerFeeBps: z.number().default(0),
    takerFeeBps: z.number().default(0),
  })
  .strict();

const latencySchema = z.discriminatedUnion('model', [
  z.object({ model: z.literal('constant'), entryMs: nonNegative, responseMs: nonNegative }).strict(),
  z.object({ model: z.literal('lognormal'), entryMedianMs: positive, responseMedianMs: positive, sigma: nonNegative }).strict(),
]);

const queueSchema = z.discriminatedUnion('model', [
  z.object({ model: z.literal('risk-averse') }).strict(),
  z.object({ model: z.literal('probabilistic'), power: positive.default(2) }).strict(),
]);

const venueSchema = z
  .object({
    queue: queueSchema.default({ model: 'risk-averse' }),
    latency: latencySchema.default({ model: 'constant', entryMs: 20, responseMs: 20 }),
  })
  .strict();

const analyticsSchema = z
  .object({
    /** Markout horizons, seconds. */
    horizonsSeconds: z.array(positive).nonempty().default([1, 5, 30, 60]),
    /** The horizon the verdict and headline figures use; must be one of horizonsSeconds. */
    mainHorizonSeconds: positive.default(30),
    /** timeseries.csv sampling interval, seconds. */
    sampleSeconds: positive.default(1),
    /** Interval of the PnL series behind the risk figures (Sharpe, worst interval), seconds. */
    riskIntervalSeconds: positive.default(60),
  })
  .strict()
  .refine((a) => a.horizonsSeconds.includes(a.mainHorizonSeconds), {
    message: 'mainHorizonSeconds must be one of horizonsSeconds',
    path: ['mainHorizonSeconds'],
  });

/** The registered data sources' schemas by name, as `registered` looks them up. */
const DATA_SCHEMAS = Object.fromEntries(DATA_SOURCES.map((source) => [source.name, { schema: source.params }]));

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-" (it names the run folder)'),
    description: z.string().optional(),
    seed: z.number().int().nonnegative().default(1),
    /** Simulated time to run; required for synthetic data, optional for replays (default: all the data). */
    durationSeconds: positive.optional(),
    /** Trade only inside this part of the data: ISO times or offsets from the data's start ("90s", "30m"). */
    window: z.object({ from: z.string().optional(), to: z.string().optional() }).strict().optional(),
    market: marketSchema,
    data: registered(DATA_SCHEMAS, dataSourceKey, ['kind', 'model']),
    venue: venueSchema.default({}),
    analytics: analyticsSchema.default({}),
    strategy: registered(STRATEGIES, (raw) => String(raw.name), ['name']),
  })
  .strict()
  .refine((s) => s.durationSeconds !== undefined || s.data.kind !== 'synthetic', {
    message: 'required for synthetic data (how long to simulate, in seconds)',
    path: ['durationSeconds'],
  });

export type Scenario = Omit<z.infer<typeof scenarioSchema>, 'data' | 'strategy'> & {
  data: { kind: string; model?: string } & Record<string, unknown>;
  strategy: { name: string } & Record<string, unknown>;
};

/**
 * A field whose schema depends on its own discriminator(s), looked up in a registry (data sources by
 * kind/model, strategies by name); the error for an unknown one lists the registered names.
 */
function registered(
  registry: Record<string, { schema: z.ZodTypeAny }>,
  keyOf: (raw: Record<string, unknown>) => string,
  discriminators: string[],
) {
  return z.record(z.unknown()).transform((raw, ctx) => {
    const entry = registry[keyOf(raw)];
    if (!entry) {
      const [first] = discriminators;
      const field =
        discriminators.find((d) => raw[d] !== undefined && !Object.keys(registry).some((k) => k.split('/').includes(String(raw[d])))) ??
        first;
      const names = [...new Set(Object.keys(registry).map((k) => k.split('/')[discriminators.indexOf(field)] ?? k))];
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [field],
        message: `expected one of ${names.map((n) => JSON.stringify(n)).join(', ')}, got ${JSON.stringify(raw[field])}`,
      });
      return z.NEVER;
    }
    const parsed = entry.schema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, message: describeIssue(issue) } as z.IssueData);
      return z.NEVER;
    }
    return parsed.data as Record<string, unknown>;
  });
}

/** Reads, overrides and validates a scenario file. */
export function loadScenario(file: string, overrides: string[] = []): Scenario {
  const raw = readJsonFile(file, 'scenario');
  for (const override of overrides) applyOverride(raw, override);
  return parseScenario(raw, file);
}

export function parseScenario(raw: unknown, source: string): Scenario {
  const result = scenarioSchema.safeParse(raw);
  if (result.success) return result.data as Scenario;
  const problems = result.error.issues.map((issue) => `${source}: ${formatPath(issue.path)}: ${describeIssue(issue)}`);
  throw new SpreadlabError(problems.join('\n'));
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

function formatPath(path: (string | number)[]): string {
  return path.length === 0
    ? '(top level)'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : p))
        .join('.')
        .replace(/\.\[/g, '[');
}

function describeIssue(issue: z.ZodIssue): string {
  if (issue.code === 'custom') return issue.message;
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_union_discriminator') return `expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}, got ${issue.received}`;
  return issue.message;
}
