import type { CommandModule } from 'yargs';

/** `spreadlab scenario-schema`: prints the JSON Schema of scenario files (scenarios/scenario.schema.json is this output). */
export const scenarioSchemaCommand: CommandModule = {
  command: 'scenario-schema',
  describe: 'print the JSON Schema of scenario files (for editors: name it with "$schema" in a scenario)',
  handler: async () => {
    const { scenarioJsonSchema } = await import('../sim/scenario-json-schema.ts');
    process.stdout.write(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
  },
};
