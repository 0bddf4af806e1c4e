import type { z } from 'zod';
import type { Strategy } from './api.ts';

/**
 * The one shape of a strategy, built-in or a user's own: a name, the zod schema of its parameters and a
 * factory. A scenario names a built-in by `"strategy": {"name": "inventory-skew", …params}` and a user's
 * module by `"strategy": {"module": "./join-touch.ts", …params}`; either way the parameters (every key but
 * `name`/`module`) are checked by `params` (unknown keys are errors) and the factory gets them with the
 * schema's defaults filled in, typed by the schema.
 *
 *   import { defineStrategy, z } from 'spreadlab';
 *   export default defineStrategy({
 *     name: 'join-touch',
 *     params: z.object({ size: z.number().positive(), requoteMs: z.number().positive().default(1000) }),
 *     create: (p) => async ({ venue, clock, market }) => { … },
 *   });
 */
export interface StrategyDefinition<Params extends z.AnyZodObject = z.AnyZodObject> {
  /** Lower-case words joined by "-": what a scenario's `strategy.name` says for a built-in. */
  readonly name: string;
  /** One line: what the strategy does. */
  readonly description?: string;
  /** The strategy's scenario parameters. */
  readonly params: Params;
  /** Builds the strategy of one run from its checked parameters. */
  create(params: z.output<Params>): Strategy;
}

const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Checks a definition's shape and returns it (typed: `create` receives the schema's output type). */
export function defineStrategy<Params extends z.AnyZodObject>(definition: StrategyDefinition<Params>): StrategyDefinition<Params> {
  const problem = definitionProblem(definition);
  if (problem !== null) throw new TypeError(`defineStrategy: ${problem}`);
  return definition;
}

/** What is wrong with a value offered as a strategy definition, or null when it is one. */
export function definitionProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'expected an object { name, params, create }';
  const { name, params, create } = value as Record<string, unknown>;
  if (typeof name !== 'string' || !NAME.test(name)) return `name must be lower-case words joined by "-", got ${JSON.stringify(name)}`;
  if (!isZodObject(params)) return `${name}: params must be a zod object schema, e.g. z.object({ size: z.number() })`;
  if (typeof create !== 'function') return `${name}: create must be a function (params) => strategy`;
  return null;
}

function isZodObject(value: unknown): value is z.AnyZodObject {
  return typeof value === 'object' && value !== null && typeof (value as z.AnyZodObject).safeParse === 'function' && 'shape' in value;
}
