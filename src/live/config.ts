import { z } from 'zod';
import { boundedNumber, BOUNDS, firstNonFinite } from '../core/bounds.ts';
import { SpreadlabError } from '../core/errors.ts';
import { formatPath, schemaProblems } from '../core/schema-errors.ts';
import { readJsonFile } from '../core/json-file.ts';
import { parseScenario, type Scenario } from '../sim/scenario.ts';

/**
 * Live configs (`configs/live/NAME.json`), written by `spreadlab promote` and read by `spreadlab live`.
 *
 *   { "kind": "spreadlab-live-config", "version": 1, "name": "...",
 *     "scenario": { ...the backtest scenario the figures came from (strategy, market, venue, analytics) },
 *     "risk": { "maxPosition", "maxLoss", "maxOrdersPerMinute", "staleDataSeconds", "priceBandBps" },
 *     "guardrails": { "checks": [...], "overridden": [...] },
 *     "provenance": { "source", "kind", "rank", "dataFiles", "period", "inSample", "outOfSample", ... } }
 *
 * Rules:
 * - `scenario` is an ordinary scenario (validated by the same schema as a backtest's): live and paper runs
 *   take the strategy, market and analytics settings from it; paper mode also takes the venue's queue and
 *   latency models and its book-through rule from it. Its `data` is where the figures came from; a live run replaces it with the
 *   market data it records.
 * - `risk` units: maxPosition in base units (|position|), maxLoss in the quote currency (a loss, positive
 *   number: equity ≤ −maxLoss, or equity maxLoss or more below its peak, stops the run), maxOrdersPerMinute
 *   counts orders placed and amended in any rolling 60 s, staleDataSeconds without a market data update
 *   pauses quoting, priceBandBps is the largest distance of an order's price from the mid; flattenOnKill
 *   (default false) closes the position after the kill switch has cancelled everything. Every number is
 *   finite and bounded (core/bounds.ts).
 * - A config without `provenance` was not promoted: `live` refuses it unless `--allow-unpromoted`.
 * Unknown keys are errors, as in scenarios.
 */
export const riskSchema = z
  .object({
    maxPosition: boundedNumber(BOUNDS.size),
    maxLoss: boundedNumber({ above: 0, max: 1e15 }),
    maxOrdersPerMinute: boundedNumber({ min: 1, max: 1e6, integer: true }),
    staleDataSeconds: boundedNumber({ above: 0, max: 86_400 }).default(10),
    priceBandBps: boundedNumber(BOUNDS.spreadBps).default(100),
    /** After the kill switch has cancelled every order, close the position with a reduce-only market order. */
    flattenOnKill: z.boolean().optional(),
  })
  .strict();

export type RiskLimits = z.infer<typeof riskSchema>;

const checkSchema = z
  .object({
    name: z.string(),
    passed: z.boolean(),
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    overridden: z.boolean(),
    detail: z.string(),
  })
  .strict();

export type GuardrailCheck = z.infer<typeof checkSchema>;

const liveConfigSchema = z
  .object({
    kind: z.literal('spreadlab-live-config'),
    version: z.literal(1),
    name: z.string().min(1),
    scenario: z.record(z.unknown()),
    risk: riskSchema,
    guardrails: z
      .object({ checks: z.array(checkSchema), overridden: z.array(z.string()) })
      .strict()
      .optional(),
    provenance: z.record(z.unknown()).optional(),
  })
  .strict();

export interface LiveConfig {
  kind: 'spreadlab-live-config';
  version: 1;
  name: string;
  scenario: Scenario;
  risk: RiskLimits;
  guardrails?: { checks: GuardrailCheck[]; overridden: string[] };
  provenance?: Record<string, unknown>;
}

export function parseLiveConfig(raw: unknown, source: string): LiveConfig {
  const infinite = firstNonFinite(raw);
  if (infinite) throw new SpreadlabError(`${source}: ${formatPath(infinite.path)}: expected a finite number, got ${infinite.value}`);
  const result = liveConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new SpreadlabError(schemaProblems(source, result.error));
  }
  const scenario = parseScenario(result.data.scenario, source, ['scenario']);
  return { ...(result.data as Omit<LiveConfig, 'scenario'>), scenario };
}

/** Risk limits given as flags (promote), checked against the config's bounds; a SpreadlabError naming the flag otherwise. */
export function checkRiskFlags(risk: Partial<RiskLimits>): void {
  const result = riskSchema.partial().safeParse(risk);
  if (result.success) return;
  const issue = result.error.issues[0];
  const key = String(issue.path[0]);
  throw new SpreadlabError(
    `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${String(risk[key as keyof RiskLimits])}: ${issue.message}`,
  );
}

export function loadLiveConfig(file: string): LiveConfig {
  return parseLiveConfig(readJsonFile(file, 'live config'), file);
}

/**
 * Default risk limits from the strategy and the market's reference mid:
 * - maxPosition: the strategy's maxInventory when it has one, else 10 × its order size;
 * - maxLoss: 2 % of maxPosition's notional at the reference mid (1 quote unit when no mid is known);
 * - maxOrdersPerMinute: 3 × what the strategy sends quoting both sides every requoteMs (at least 60);
 * - staleDataSeconds: 10; priceBandBps: 5 × the strategy's spreadBps, at least 50 (100 without spreadBps).
 */
export function defaultRisk(strategy: Record<string, unknown>, referenceMid: number | null): RiskLimits {
  const num = (key: string): number | null => (typeof strategy[key] === 'number' ? (strategy[key] as number) : null);
  const size = num('size') ?? num('orderSize') ?? 1;
  const maxPosition = num('maxInventory') ?? 10 * size;
  const requoteMs = num('requoteMs') ?? 1000;
  const spreadBps = num('spreadBps');
  const notional = referenceMid !== null && Number.isFinite(referenceMid) ? maxPosition * referenceMid : null;
  return {
    maxPosition,
    maxLoss: notional === null ? 1 : Number((notional * 0.02).toPrecision(6)),
    maxOrdersPerMinute: Math.max(60, Math.ceil((3 * 2 * 60_000) / requoteMs)),
    staleDataSeconds: 10,
    priceBandBps: spreadBps === null ? 100 : Math.min(BOUNDS.spreadBps.max, Math.max(50, 5 * spreadBps)),
  };
}
