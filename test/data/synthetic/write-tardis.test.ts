import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { applyOverride, loadScenario, parseScenario } from '../../../src/sim/scenario.ts';
import { runScenario } from '../../../src/sim/run-scenario.ts';
import { writeScenarioMarket } from '../../../src/sim/assemble.ts';

const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-synth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('data synth: synthetic markets written as tardis CSV.gz', () => {
  it('a replay of the written files gives the same fills as the synthetic run (AS 2008 scenario)', async () => {
    const synthetic = await loadScenario('scenarios/avellaneda-stoikov-2008.json', ['seed=3']);
    const files = await writeScenarioMarket(synthetic, 'scenarios', { dir: tmp, prefix: 'as' });
    expect(files.map((f) => f.slice(tmp.length + 1))).toEqual(['as_incremental_book_L2.csv.gz', 'as_trades.csv.gz', 'as_quotes.csv.gz']);
    const raw = JSON.parse(readFileSync('scenarios/avellaneda-stoikov-2008.json', 'utf8')) as Record<string, unknown>;
    raw.data = { kind: 'replay', files, format: 'tardis', cache: false };
    delete raw.durationSeconds;
    applyOverride(raw, 'seed=3');
    const replay = parseScenario(raw, 'replay');
    const [a, b] = [await runScenario(synthetic, 'scenarios'), await runScenario(replay, 'scenarios')];
    expect(b.result.startTs).toBe(a.result.startTs);
    expect(b.result.endTs).toBe(a.result.endTs);
    expect(a.result.fills.length).toBeGreaterThan(40);
    expect(b.result.fills).toEqual(a.result.fills);
  });

  it('refuses a scenario whose data is not synthetic', async () => {
    const replay = await loadScenario('scenarios/informed-flow-replay.json');
    await expect(writeScenarioMarket(replay, 'scenarios', { dir: tmp })).rejects.toThrow(/data\.kind: expected "synthetic"/);
  });

  it('the shipped sample in data/synthetic is what the informed-flow demo generates, and its replay scenario matches the demo', async () => {
    const demo = await loadScenario('scenarios/informed-flow-demo.json');
    const dir = join(tmp, 'sample');
    await writeScenarioMarket(demo, 'scenarios', { dir });
    const sample = (folder: string) => readdirSync(folder).filter((f) => f.startsWith('synthetic_GM-USD_informed-flow_seed1_')).sort();
    const shipped = sample('data/synthetic');
    expect(shipped).toEqual(sample(dir));
    for (const f of shipped) expect(gunzipSync(readFileSync(join('data/synthetic', f))).equals(gunzipSync(readFileSync(join(dir, f))))).toBe(true);
    const replay = await loadScenario('scenarios/informed-flow-replay.json', ['data.cache=false']);
    const [a, b] = [await runScenario(demo, 'scenarios'), await runScenario(replay, 'scenarios')];
    expect(b.result.fills).toEqual(a.result.fills);
  });
});
