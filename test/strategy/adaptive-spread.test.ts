import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { SpreadlabError } from '../../src/core/errors.ts';
import { loadRun } from '../../src/report/load-run.ts';
import { writeRunFolder } from '../../src/report/run-folder.ts';
import { runScenario } from '../../src/sim/run-scenario.ts';
import { loadScenario, parseScenario } from '../../src/sim/scenario.ts';
import { adaptiveSpread } from '../../src/strategy/adaptive-spread.ts';
import { RecordedSeries } from '../../src/strategy/recorded-series.ts';

const MINUTE = 60_000_000;

/** The spread the strategy quoted over time, from its recorded series: [µs, bps] at each change. */
async function spreadPath(scenario: Record<string, unknown>): Promise<[number, number][]> {
  const run = await runScenario(parseScenario(scenario, 'test'), 'scenarios');
  return run.result.strategySeries
    .points()
    .filter((p) => p.name === 'spreadBps')
    .map((p) => [p.time, p.value]);
}

const strategy = { name: 'adaptive-spread', size: 0.01, requoteMs: 1000, maxInventory: 0.1, skewFactor: 0.5 };

/** The shipped informed-flow market: takers trade just before a ±10-tick jump, as many as `informedShare`. */
const market = JSON.parse(readFileSync('scenarios/informed-flow-demo.json', 'utf8'));
const withInformedShare = (informedShare: number, durationSeconds: number) => ({
  name: `informed-${informedShare}`,
  durationSeconds,
  market: market.market,
  data: { ...market.data, informedShare },
});
/** Every taker is informed: a narrow quote is picked off before each jump. */
const informed = withInformedShare(1, 1200);
/** No informed takers: a quote wide enough keeps what it earns. */
const uninformed = withInformedShare(0, 1800);

describe('adaptive-spread', () => {
  it('widens by 5 bps where adverse selection makes its own fills lose (the informed-flow market)', async () => {
    const path = await spreadPath({ ...informed, strategy: { ...strategy, spreadBps: 2 } });
    expect(path[0][1]).toBe(2);
    // the first change is a widening, by the step
    expect(path[1][1]).toBe(7);
    // never within the cool-down of the previous change, never past the bounds
    for (let i = 2; i < path.length; i++) expect(path[i][0] - path[i - 1][0]).toBeGreaterThanOrEqual(MINUTE);
    for (const [, bps] of path) expect(bps).toBeGreaterThanOrEqual(1);
  });

  it('narrows by 1 bp at a time where its fills are consistently positive (the same market without informed takers)', async () => {
    const path = await spreadPath({ ...uninformed, strategy: { ...strategy, spreadBps: 16 } });
    expect(path.length).toBeGreaterThan(3);
    for (let i = 1; i < path.length; i++) expect(path[i][1]).toBe(path[i - 1][1] - 1);
    expect(path[path.length - 1][1]).toBeLessThan(10);
  });

  it('keeps its spread without enough evidence, and stays inside its bounds', async () => {
    const never = await spreadPath({
      ...informed,
      durationSeconds: 600,
      strategy: { ...strategy, spreadBps: 2, minFills: 5000, windowFills: 5000 },
    });
    expect(never).toEqual([[never[0][0], 2]]);
    const capped = await spreadPath({ ...informed, strategy: { ...strategy, spreadBps: 2, maxSpreadBps: 4 } });
    expect(Math.max(...capped.map(([, bps]) => bps))).toBe(4);
  });

  it('refuses a start outside its bounds, or a window that could never decide', () => {
    const base = {
      ...strategy,
      spreadBps: 10,
      horizonMs: 30_000,
      windowFills: 100,
      minFills: 30,
      widenBps: 5,
      narrowBps: 1,
      minSpreadBps: 1,
      maxSpreadBps: 100,
      cooldownMs: 0,
      requoteMs: 1000,
    };
    expect(() => adaptiveSpread({ ...base, spreadBps: 200 })).toThrow(SpreadlabError);
    expect(() => adaptiveSpread({ ...base, windowFills: 10 })).toThrow(/could never decide/);
  });

  it('the shipped demo writes the spread it chose to strategy-series.csv, read back with the run', async () => {
    // its first change (a widening) comes after about half an hour of evidence
    const scenario = await loadScenario('scenarios/adaptive-spread-demo.json', ['durationSeconds=2000']);
    const dir = join(mkdtempSync(join(tmpdir(), 'adaptive-')), 'run');
    writeRunFolder(dir, await runScenario(scenario, 'scenarios'), ['durationSeconds=2000']);
    const rows = parse(readFileSync(join(dir, 'strategy-series.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual(['ts_us', 'time', 'name', 'value']);
    const spreads = rows.filter((r) => r.name === 'spreadBps').map((r) => Number(r.value));
    expect(spreads[0]).toBe(2);
    expect(spreads[1]).toBe(7);
    const run = loadRun(dir);
    expect(run.strategySeries.filter((p) => p.name === 'spreadBps').map((p) => p.value)).toEqual(spreads);
    // the file is part of the run-files contract: a wrong header is refused, naming the file
    const file = join(dir, 'strategy-series.csv');
    writeFileSync(file, readFileSync(file, 'utf8').replace('ts_us,time,name,value', 'ts_us,when,name,value'));
    expect(() => loadRun(dir)).toThrow(/strategy-series\.csv: unexpected header: missing column time/);
  });
});

describe('recorded series', () => {
  it('keeps a point per change, in first-recorded order, and refuses bad names and values', () => {
    const series = new RecordedSeries();
    series.record(1, 'spreadBps', 10);
    series.record(2, 'spreadBps', 10);
    series.record(3, 'other', 1);
    series.record(4, 'spreadBps', 15);
    expect(series.points()).toEqual([
      { time: 1, name: 'spreadBps', value: 10 },
      { time: 4, name: 'spreadBps', value: 15 },
      { time: 3, name: 'other', value: 1 },
    ]);
    expect(() => series.record(5, 'two words', 1)).toThrow(SpreadlabError);
    expect(() => series.record(5, 'x', Number.NaN)).toThrow(/finite number/);
  });
});
