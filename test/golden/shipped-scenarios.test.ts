import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRun } from '../../src/report/load-run.ts';
import { writeRunFolder } from '../../src/report/run-folder.ts';
import { renderReport } from '../../src/report/run-report.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { loadScenario } from '../../src/sim/scenario.ts';

/**
 * The shipped scenarios' outputs, held: the SHA-256 of summary.json, fills.csv and timeseries.csv of each,
 * with a few headline figures so that a change reads in the diff. A change of engine code that is meant to
 * change results (a fidelity fix) regenerates this file — `UPDATE_GOLDEN=1 npx vitest run test/golden` —
 * and its commit says why the figures moved; any other change must leave it as it is.
 * Each run's report.html (rendered from the outputs in memory as they were written) must also equal the
 * report rendered from the folder read back, as `spreadlab report` does.
 */
const GOLDEN = 'test/golden/shipped-scenarios.json';
const SCENARIOS = [
  'demo',
  'random-walk-demo',
  'btcusdt-spot-replay',
  'avellaneda-stoikov-2008',
  'informed-flow-demo',
  'regime-demo',
  'informed-flow-replay',
];
const FILES = ['summary.json', 'fills.csv', 'timeseries.csv'];

interface Golden {
  [file: string]: string | number | null;
}

const update = process.env.UPDATE_GOLDEN === '1';
const stored = existsSync(GOLDEN) ? (JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, Golden>) : {};
const now: Record<string, Golden> = {};
const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-golden-'));

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (update) writeFileSync(GOLDEN, `${JSON.stringify(now, null, 2)}\n`);
});

describe('the shipped scenarios give the outputs they gave', () => {
  it.each(SCENARIOS)('%s', async (name) => {
    const scenario = await loadScenario(`scenarios/${name}.json`);
    const out = join(tmp, name);
    const { summary } = writeRunFolder(out, await runScenario(scenario, 'scenarios'), []);
    const golden: Golden = {};
    for (const file of FILES)
      golden[file] = createHash('sha256')
        .update(readFileSync(join(out, file)))
        .digest('hex');
    golden.fills = summary.fills.count;
    golden.pnlTotal = summary.pnl.total;
    golden.effectiveSpreadBps = summary.effectiveSpreadBps;
    golden.realizedSpreadBps = summary.realizedSpreadBps[summary.mainHorizon];
    now[name] = golden;
    if (!update) expect(golden).toEqual(stored[name]);
    expect(readFileSync(join(out, 'report.html'), 'utf8') === renderReport(loadRun(out))).toBe(true);
  });
});
