import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SpreadlabError } from '../core/errors.ts';

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

const randomWalkSchema = z
  .object({
    kind: z.literal('synthetic'),
    model: z.literal('random-walk'),
    start: z.string().datetime({ offset: true }).default('2024-01-01T00:00:00Z'),
    startPrice: positive,
    /** Standard deviation of the mid's move over one second, in price units. */
    volatility: nonNegative,
    spreadTicks: z.number().int().positive().default(1),
    levels: z.number().int().positive().default(20),
    /** Median displayed size of a level, base units. */
    levelSize: positive,
    churn: z.number().min(0).max(1).default(0.1),
    tradesPerSecond: positive,
    /** Mean market order size, base units. */
    tradeSize: positive,
    refreshMs: positive.default(100),
    feedLatencyMs: nonNegative.default(0),
  })
  .strict();

const dataSchema = randomWalkSchema;

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

const seedQuotingFields = {
  spreadBps: positive,
  size: positive,
  requoteMs: positive.default(3000),
};

const strategySchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('fixed-spread'), ...seedQuotingFields }).strict(),
  z
    .object({ name: z.literal('inventory-skew'), ...seedQuotingFields, maxInventory: positive, skewFactor: nonNegative.default(0.5) })
    .strict(),
]);

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-" (it names the run folder)'),
    description: z.string().optional(),
    seed: z.number().int().nonnegative().default(1),
    durationSeconds: positive,
    market: marketSchema,
    data: dataSchema,
    venue: venueSchema.default({}),
    strategy: strategySchema,
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type StrategyConfig = Scenario['strategy'];

/** Reads, overrides and validates a scenario file. */
export function loadScenario(file: string, overrides: string[] = []): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SpreadlabError(`${file}: cannot read scenario (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SpreadlabError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  for (const override of overrides) applyOverride(raw, override);
  return parseScenario(raw, file);
}

export function parseScenario(raw: unknown, source: string): Scenario {
  const result = scenarioSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${source}: ${formatPath(issue.path)}: ${describeIssue(issue)}`);
  throw new SpreadlabError(problems.join('\n'));
}

/** Applies one `path=value` override to a raw scenario object. */
export function applyOverride(raw: unknown, override: string): void {
  const eq = override.indexOf('=');
  if (eq <= 0) throw new SpreadlabError(`--set ${override}: expected path=value, e.g. strategy.spreadBps=15`);
  const path = override.slice(0, eq).split('.');
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
  return path.length === 0 ? '(top level)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}

function describeIssue(issue: z.ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_union_discriminator') return `expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}, got ${issue.received}`;
  return issue.message;
}
