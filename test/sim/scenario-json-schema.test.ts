import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema } from '../../src/sim/scenario-json-schema.ts';
import { parseScenario } from '../../src/sim/scenario.ts';

const SHIPPED = 'scenarios/scenario.schema.json';

/** Every scenario file the repository ships: scenarios/ and examples/ (recursively). */
function scenarioFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return scenarioFiles(path);
    return entry.name.endsWith('.json') && entry.name !== 'scenario.schema.json' ? [path] : [];
  });
}

const files = ['scenarios', 'examples'].flatMap((dir) => {
  try {
    return scenarioFiles(dir);
  } catch {
    return [];
  }
});
const validate = new Ajv({ allErrors: true, strict: false }).compile(scenarioJsonSchema());
const read = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('the JSON Schema of scenario files', () => {
  it('is shipped up to date (regenerate with npm run scenario-schema)', () => {
    expect(readFileSync(SHIPPED, 'utf8')).toBe(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
  });

  it.each(files)('%s names it and validates against it', (file) => {
    const scenario = read(file);
    expect(String(scenario.$schema)).toMatch(/scenario\.schema\.json$/);
    const valid = validate(scenario);
    expect(validate.errors ?? [], file).toEqual([]);
    expect(valid).toBe(true);
  });

  it('refuses what the scenario parser refuses: an unknown key, a strategy name or parameter, a data model', () => {
    const demo = read('scenarios/demo.json');
    const broken = [
      { ...demo, extra: 1 },
      { ...demo, strategy: { ...(demo.strategy as object), name: 'nope' } },
      { ...demo, strategy: { ...(demo.strategy as object), spreadBps: 'wide' } },
      { ...demo, strategy: { ...(demo.strategy as object), bogus: 1 } },
      { ...demo, data: { ...(demo.data as object), model: 'brownian' } },
      { ...demo, venue: { queue: { model: 'fifo' } } },
    ];
    for (const scenario of broken) {
      expect(validate(scenario), JSON.stringify(scenario).slice(0, 200)).toBe(false);
      expect(() => parseScenario(scenario, 'x.json')).toThrow();
    }
  });

  it('accepts the module form with any parameters (the module checks them)', () => {
    const demo = read('scenarios/demo.json');
    expect(validate({ ...demo, strategy: { module: './join-touch.ts', size: 0.01, anything: true } })).toBe(true);
    expect(validate({ ...demo, strategy: { module: './join-touch.py' } })).toBe(false);
  });
});
