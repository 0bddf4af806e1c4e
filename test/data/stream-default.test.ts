import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { writeRunFolder } from '../../src/report/run-folder.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import { tempDir } from './helpers.ts';

/**
 * `data.stream` left out streams a replay whose files total AUTO_STREAM_BYTES or more (replay-config.ts).
 * The threshold is lowered here to 1 MiB, so that the shipped BTCUSDT spot replay (a few MB) is a large
 * input; test/data/stream.test.ts checks the rule itself at the real threshold.
 */
vi.mock('../../src/data/replay-config.ts', async (original) => ({ ...(await original<object>()), AUTO_STREAM_BYTES: 2 ** 20 }));

const SCENARIO = join(import.meta.dirname, '../../scenarios/btcusdt-spot-replay.json');

describe('a replay of large files with stream left out', () => {
  it('is streamed from the cache, with the run files of stream false; stream false still decodes in memory', async () => {
    const cacheDir = tempDir();
    const out = tempDir();
    const base = join(SCENARIO, '..');
    process.env.SPREADLAB_CACHE_DIR = cacheDir;
    try {
      const inMemory = await runScenario(await loadScenario(SCENARIO, ['data.stream=false']), base);
      writeRunFolder(join(out, 'memory'), inMemory, []);
      expect(existsSync(join(cacheDir, 'streams'))).toBe(false);
      const byDefault = await runScenario(await loadScenario(SCENARIO), base);
      writeRunFolder(join(out, 'default'), byDefault, []);
      expect(readdirSync(join(cacheDir, 'streams')).sort()).toEqual([expect.stringMatching(/\.feed\.cols$/), expect.stringMatching(/\.venue\.cols$/)]);
      expect(byDefault.result.fills.length).toBeGreaterThan(50);
      for (const file of ['fills.csv', 'timeseries.csv', 'orders.csv']) {
        expect(readFileSync(join(out, 'default', file)).equals(readFileSync(join(out, 'memory', file))), file).toBe(true);
      }
    } finally {
      delete process.env.SPREADLAB_CACHE_DIR;
    }
  });
});
