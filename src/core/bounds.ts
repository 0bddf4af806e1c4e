import { z } from 'zod';
import { SpreadlabError } from './errors.ts';

/**
 * Numeric bounds: every number a user gives — a scenario or live-config field, a command-line flag — is
 * checked against a range that the engine can represent and that makes sense, before any work starts.
 * One description of a bound serves both the zod schemas (so the generated JSON Schema states it too) and
 * the flags (so `--seeds 2.5` and `"seeds": 2.5` read alike).
 *
 * Rules:
 * - Every bounded number is finite: JSON's 1e400 parses as Infinity and is refused, as are NaN and ±Infinity
 *   from a flag; so nothing written later (run.json, summary.json) turns into null.
 * - `min`/`max` are inclusive; `above` is an exclusive lower bound (a positive quantity: `above: 0`).
 * - `integer` asks for a whole number (and a whole number within 2^53, where doubles stay exact).
 * - Messages say what was expected: "expected a whole number from 1 to 10000, got 2.5".
 * - The named bounds below are the ones several schemas share; a schema with its own sense of a range gives
 *   its own (each states why in its header).
 */
export interface Bound {
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound (`above: 0` = positive). */
  above?: number;
  /** Inclusive upper bound. */
  max: number;
  integer?: boolean;
}

/** What a bound expects, for messages: "a whole number from 1 to 10000", "a number > 0 and ≤ 1000". */
export function describeBound(b: Bound): string {
  const what = b.integer ? 'a whole number' : 'a number';
  if (b.above !== undefined) return `${what} > ${b.above} and ≤ ${b.max}`;
  return `${what} from ${b.min ?? -b.max} to ${b.max}`;
}

/** Null when `value` is within the bound, else what was expected. */
export function boundProblem(value: unknown, b: Bound): string | null {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!b.integer || Number.isSafeInteger(value)) &&
    (b.above === undefined || value > b.above) &&
    (b.min === undefined || value >= b.min) &&
    value <= b.max;
  return ok ? null : `expected ${describeBound(b)}, got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`;
}

/**
 * A zod number schema holding the bound (finite; min/max/int as given, so the JSON Schema shows them); a
 * value outside it reads "expected a number > 0 and ≤ 1000, got -1".
 */
export function boundedNumber(b: Bound): z.ZodNumber {
  let schema = z
    .number({
      errorMap: (issue, ctx) => ({
        message:
          issue.code === 'invalid_type' && typeof ctx.data !== 'number'
            ? ctx.defaultError
            : (boundProblem(ctx.data, b) ?? ctx.defaultError),
      }),
    })
    .finite();
  if (b.integer) schema = schema.int();
  if (b.above !== undefined) schema = schema.gt(b.above);
  if (b.min !== undefined) schema = schema.gte(b.min);
  return schema.lte(b.max);
}

/** A flag's value checked against its bound (a SpreadlabError naming the flag otherwise); undefined passes. */
export function checkFlag<T extends number | undefined>(flag: string, value: T, b: Bound): T {
  if (value === undefined) return value;
  const problem = boundProblem(value, b);
  if (problem) throw new SpreadlabError(`--${flag} ${String(value)}: ${problem}`);
  return value;
}

/**
 * The first number in a JSON value (depth first) that is not finite, with its path; null when there is
 * none. JSON text such as 1e400 parses as Infinity, which no later check may silently accept.
 */
export function firstNonFinite(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; value: number } | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path, value };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstNonFinite(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = firstNonFinite(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

const DAY_SECONDS = 86_400;

/** The named bounds several schemas and flags share. */
export const BOUNDS = {
  /** Price and size steps: at most 12 decimals (MarketUnits prints and computes money at ≤ 12 decimals). */
  step: { above: 0, max: 1e6 },
  /** Fees and rebates in bps of notional: ±10 % of notional is beyond any real schedule. */
  feeBps: { min: -1000, max: 1000 },
  /** A spread or distance in bps of the mid: up to 100 %. */
  spreadBps: { above: 0, max: 10_000 },
  /** Order sizes and positions in base units. */
  size: { above: 0, max: 1e12 },
  /** Prices in the quote currency. */
  price: { above: 0, max: 1e12 },
  /** Simulated durations: up to 30 days (a synthetic day of the demo market is ~5 M events). */
  durationSeconds: { above: 0, max: 30 * DAY_SECONDS },
  /** Intervals inside a run (markout horizons, sampling): 1 ms to one day. */
  intervalSeconds: { min: 0.001, max: DAY_SECONDS },
  /** A loop period or wait in ms: 1 ms to one day (0 would loop without virtual time passing). */
  periodMs: { min: 1, max: DAY_SECONDS * 1000 },
  /** A latency in ms: up to one minute. */
  latencyMs: { min: 0, max: 60_000 },
  /** Rates of events per second in synthetic markets. */
  ratePerSecond: { above: 0, max: 10_000 },
  /** Seeds: whole numbers that stay exact. */
  seed: { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true },
  /** A count of ticks (a spread, a depth). */
  ticks: { min: 1, max: 1_000_000, integer: true },
  /** Book levels per side. */
  levels: { min: 1, max: 10_000, integer: true },
  /** A dimensionless model parameter (a power, a risk aversion, a skew factor). */
  modelParameter: { above: 0, max: 1e6 },
  /** A live run or recording, in minutes: up to 24 days (the longest a Node timer waits; run without --minutes for longer). */
  liveMinutes: { above: 0, max: 24 * 24 * 60 },
} as const satisfies Record<string, Bound>;
