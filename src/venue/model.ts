import type { z } from 'zod';

/**
 * The one shape of a venue model (queue position, latency): a name a scenario picks it by
 * (`"venue": {"queue": {"model": "probabilistic", "power": 2}}`), a one-line description, the zod schema of
 * its scenario parameters and a factory. The registry (models.ts) only lists them; the scenario schema and
 * the factories are built from it.
 */
export interface VenueModelDefinition<Name extends string, Params extends z.AnyZodObject, Made, Context> {
  readonly name: Name;
  readonly description: string;
  readonly params: Params;
  create(params: z.output<Params>, context: Context): Made;
}

// `any` only lets definitions with different params types sit in one list.
export type AnyModelDefinition<Made, Context> = VenueModelDefinition<string, any, Made, Context>;

/** The scenario config of one model: its name under `model`, then its parameters. */
export type ModelConfig<D> =
  D extends VenueModelDefinition<infer Name, infer Params, unknown, never> ? { model: Name } & z.output<Params> : never;

export function defineVenueModel<const Name extends string, Params extends z.AnyZodObject, Made, Context = void>(
  definition: VenueModelDefinition<Name, Params, Made, Context>,
): VenueModelDefinition<Name, Params, Made, Context> {
  return definition;
}

/** Builds what a config names from the list it belongs to, with the model's defaults filled in. */
export function createFromConfig<Made, Context>(
  models: readonly AnyModelDefinition<Made, Context>[],
  config: { model: string },
  context: Context,
): Made {
  const { model, ...params } = config;
  const definition = models.find((m) => m.name === model);
  if (!definition) throw new Error(`unknown model "${model}" (known: ${models.map((m) => m.name).join(', ')})`);
  return definition.create(definition.params.strict().parse(params), context);
}
