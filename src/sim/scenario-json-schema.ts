import { z } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { DATA_SOURCES } from '../data/sources.ts';
import { BUILT_IN_STRATEGIES } from '../strategy/registry.ts';
import { MODULE_EXTENSIONS } from '../strategy/resolve.ts';
import { scenarioShape } from './scenario.ts';

/**
 * The JSON Schema of scenario files, generated from the same zod schemas that validate them: every
 * registered data source and built-in strategy, and the module form `{"module": "./file.ts", …}` (whose
 * parameters only the module knows: they are checked when it is loaded). Shipped as
 * scenarios/scenario.schema.json and named by `"$schema"` in each shipped scenario, so an editor completes
 * and checks scenario files; `spreadlab scenario-schema` prints it, and a test keeps the shipped file equal
 * to this output.
 * Known limits: JSON Schema cannot say "durationSeconds is required for synthetic data" or "the main
 * horizon is one of the horizons"; spreadlab itself checks those.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  const data = union(DATA_SOURCES.map((source) => source.params.strict().describe(source.description)));
  const builtIns = BUILT_IN_STRATEGIES.map((definition) =>
    z
      .object({ name: z.literal(definition.name) })
      .merge(definition.params)
      .strict()
      .describe(definition.description ?? definition.name),
  );
  const module = z
    .object({
      module: z
        .string()
        .regex(new RegExp(`(${MODULE_EXTENSIONS.map((e) => e.replace('.', '\\.')).join('|')})$`))
        .describe('your strategy file (made with defineStrategy), relative to this scenario file'),
    })
    .passthrough()
    .describe("a strategy of your own: its other keys are the module's parameters, checked when it is loaded");
  const schema = z
    .object({
      $schema: z.string().optional().describe("this file's JSON Schema (for editors)"),
      ...scenarioShape(data, union([...builtIns, module])),
    })
    .strict();
  return {
    ...(zodToJsonSchema(schema, { $refStrategy: 'none', target: 'jsonSchema7' }) as Record<string, unknown>),
    title: 'spreadlab scenario',
  };
}

function union(options: z.ZodTypeAny[]): z.ZodTypeAny {
  const [first, second, ...rest] = options;
  return second === undefined ? first : z.union([first, second, ...rest]);
}
