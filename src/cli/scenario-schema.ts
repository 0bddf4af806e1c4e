import type { CommandModule } from 'yargs';
import { returning, say } from './output.ts';

/**
 * `spreadlab scenario-schema`: prints the JSON Schema of scenario files (scenarios/scenario.schema.json is this
 * output); with --json, the result document holds it as `schema`.
 */
export const scenarioSchemaCommand: CommandModule = {
  command: 'scenario-schema',
  describe: 'print the JSON Schema of scenario files (for editors: name it with "$schema" in a scenario)',
  handler: returning(async () => {
    const { scenarioJsonSchema } = await import('../sim/scenario-json-schema.ts');
    const schema = scenarioJsonSchema();
    say(`${JSON.stringify(schema, null, 2)}\n`);
    return { command: 'scenario-schema', schema, files: [] };
  }),
};
