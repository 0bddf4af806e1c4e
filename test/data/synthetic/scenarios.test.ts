import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../../src/sim/scenario.ts';
import { runScenario } from '../../../src/sim/run-scenario.ts';

/** The shipped scenarios of the model-based markets load, run, trade and are deterministic (shortened). */
const SHIPPED: [string, string[]][] = [
  ['scenarios/avellaneda-stoikov-2008.json', []],
  ['scenarios/avellaneda-stoikov-2008.json', ['strategy.variant=symmetric', 'strategy.gamma=0.01']],
  ['scenarios/informed-flow-demo.json', ['durationSeconds=300']],
  ['scenarios/regime-demo.json', ['durationSeconds=300']],
];

describe('shipped model-based scenarios', () => {
  for (const [file, overrides] of SHIPPED) {
    it(`${file} ${overrides.join(' ')}`.trim(), async () => {
      const a = await runScenario(await loadScenario(file, overrides), 'scenarios');
      const b = await runScenario(await loadScenario(file, overrides), 'scenarios');
      expect(a.result.fills.length).toBeGreaterThan(10);
      expect(b.result.fills).toEqual(a.result.fills);
      expect(a.result.endTs - a.result.startTs).toBe(a.scenario.durationSeconds! * 1e6);
    });
  }
});
