import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLiveConfig } from '../../src/live/config.ts';
import { promote, PROMOTE_DEFAULTS, type PromoteOptions } from '../../src/live/promote.ts';
import { RANDOM_WALK_DATA } from './paper-run.ts';

const scenario = {
  name: 'mm',
  seed: 1,
  durationSeconds: 600,
  market: { symbol: 'BTCUSDT', tickSize: 0.1, lotSize: 0.001, makerFeeBps: -2, takerFeeBps: 5 },
  data: RANDOM_WALK_DATA,
  strategy: { name: 'inventory-skew', spreadBps: 10, size: 0.01, requoteMs: 3000, maxInventory: 0.1, skewFactor: 0.5 },
};

/** Realized spread at the main horizon net of fees: what the realized-spread guardrail judges. */
const NET = 'netRealizedSpreadStats.30s.mean';

function sweepDir(figures: Record<string, number | null>, objective = NET): string {
  const dir = mkdtempSync(join(tmpdir(), 'promote-sweep-'));
  writeFileSync(
    join(dir, 'best.json'),
    JSON.stringify({
      objective,
      direction: 'maximize',
      require: [],
      best: {
        config: 0,
        params: { 'strategy.spreadBps': 12 },
        seeds: [1, 2],
        objectiveMean: figures[objective],
        figures: { finalMid: 100, ...figures },
      },
      scenario,
      source: { scenarioFile: 'scenarios/x.json', overrides: [], runListHash: 'abc' },
    }),
  );
  return dir;
}

function walkForwardDir(train: { rs: number; fills: number }, test: { rs: number; fills: number }): string {
  const dir = mkdtempSync(join(tmpdir(), 'promote-wf-'));
  const header =
    'fold,train.from,train.to,test.from,test.to,strategy.spreadBps,train.netRealizedSpreadStats.30s.mean,train.fills.count,test.netRealizedSpreadStats.30s.mean,test.fills.count';
  const rows = [0, 1].map((i) => `${i},${i}s,${i + 1}s,${i + 1}s,${i + 2}s,12,${train.rs},${train.fills},${test.rs},${test.fills}`);
  writeFileSync(join(dir, 'walkforward.csv'), `${[header, ...rows].join('\n')}\n`);
  for (const i of [0, 1]) {
    const inner = join(dir, `fold-${i}`, 'train');
    mkdirSync(inner, { recursive: true });
    writeFileSync(
      join(inner, 'best.json'),
      JSON.stringify({
        objective: NET,
        direction: 'maximize',
        require: [],
        best: {
          config: 0,
          params: { 'strategy.spreadBps': 12 },
          seeds: [1],
          figures: { [NET]: train.rs, 'fills.count': train.fills, finalMid: 100 },
        },
        scenario: { ...scenario, window: { from: `${i}s`, to: `${i + 1}s` } },
        source: { scenarioFile: 'scenarios/x.json' },
      }),
    );
  }
  return dir;
}

function options(source: string, extra: Partial<PromoteOptions> = {}): PromoteOptions {
  return {
    source,
    out: join(mkdtempSync(join(tmpdir(), 'promote-out-')), 'configs', 'live', 'btc.json'),
    rank: 1,
    allowNonpositiveSpread: false,
    allowNoOos: false,
    allowFewFills: false,
    minFills: PROMOTE_DEFAULTS.minFills,
    oosRatio: PROMOTE_DEFAULTS.oosRatio,
    now: new Date('2026-01-01T00:00:00Z'),
    ...extra,
  };
}

const names = (checks: { name: string }[]): string[] => checks.map((c) => c.name);

describe('promote guardrails', () => {
  it('a sweep folder without out-of-sample figures is refused; --allow-no-oos promotes and records the override', async () => {
    const dir = sweepDir({ [NET]: 1.5, 'fills.count': 80 });
    const refused = await promote(options(dir));
    expect(names(refused.refused)).toEqual(['out-of-sample']);
    const o = options(dir, { allowNoOos: true });
    const ok = await promote(o);
    expect(ok.refused).toEqual([]);
    const config = loadLiveConfig(o.out);
    expect(config.guardrails?.overridden).toEqual(['out-of-sample']);
    expect(config.scenario.strategy.spreadBps).toBe(12);
    expect(config.provenance?.promotedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(config.provenance?.inSample).toMatchObject({ [NET]: 1.5 });
    expect(config.risk).toEqual({ maxPosition: 0.1, maxLoss: 0.2, maxOrdersPerMinute: 120, staleDataSeconds: 10, priceBandBps: 60 });
  });

  it('refuses a non-positive realized spread and too few fills, each overridable by its own flag', async () => {
    const dir = sweepDir({ [NET]: -0.3, 'fills.count': 12 });
    const refusedOptions = options(dir, { allowNoOos: true });
    const r = await promote(refusedOptions);
    expect(names(r.refused)).toEqual(['realized-spread', 'fills']);
    expect(existsSync(refusedOptions.out)).toBe(false);
    const o = options(dir, { allowNoOos: true, allowNonpositiveSpread: true });
    expect(names((await promote(o)).refused)).toEqual(['fills']);
    const all = options(dir, { allowNoOos: true, allowNonpositiveSpread: true, allowFewFills: true });
    expect((await promote(all)).refused).toEqual([]);
    expect(loadLiveConfig(all.out).guardrails?.overridden).toEqual(['realized-spread', 'out-of-sample', 'fills']);
    // --min-fills lowers the bar
    expect(names((await promote(options(dir, { allowNoOos: true, allowNonpositiveSpread: true, minFills: 10 }))).refused)).toEqual([]);
  });

  it('judges realized spread net of fees: positive before fees but negative after is refused, naming the fees', async () => {
    const dir = sweepDir({ 'realizedSpreadBps.30s': 1.5, [NET]: -0.5, 'fills.count': 80 });
    const r = await promote(options(dir, { allowNoOos: true }));
    expect(names(r.refused)).toEqual(['realized-spread']);
    expect(r.refused[0].detail).toMatch(/net of fees: in-sample -0\.5/);
  });

  it('a realized spread of exactly 0 is not positive; a missing one (no complete fills) is refused', async () => {
    expect(names((await promote(options(sweepDir({ [NET]: 0, 'fills.count': 50 }), { allowNoOos: true }))).refused)).toEqual([
      'realized-spread',
    ]);
    expect(names((await promote(options(sweepDir({ [NET]: null, 'fills.count': 50 }), { allowNoOos: true }))).refused)).toEqual([
      'realized-spread',
    ]);
  });

  it('walk-forward: out-of-sample at ≥ 50 % of in-sample passes; below 50 % is "much worse" and refused', async () => {
    const good = options(walkForwardDir({ rs: 2, fills: 60 }, { rs: 1.2, fills: 50 }));
    expect((await promote(good)).refused).toEqual([]);
    const config = JSON.parse(readFileSync(good.out, 'utf8'));
    expect(config.provenance.sourceKind).toBe('walk-forward');
    expect(config.provenance.outOfSample[NET]).toBeCloseTo(1.2);
    expect(config.scenario.window).toBeUndefined();
    const bad = await promote(options(walkForwardDir({ rs: 2, fills: 60 }, { rs: 0.9, fills: 50 })));
    expect(names(bad.refused)).toEqual(['out-of-sample']);
    expect(bad.refused[0].detail).toMatch(/0\.5 × in-sample/);
    // a negative out-of-sample realized spread also fails the realized-spread check
    const negative = await promote(options(walkForwardDir({ rs: 2, fills: 60 }, { rs: -1, fills: 50 })));
    expect(names(negative.refused)).toEqual(['realized-spread', 'out-of-sample']);
  });

  it('--rank picks the N-th configuration of the sweep journal by the objective', async () => {
    const dir = sweepDir({ [NET]: 3, 'fills.count': 80 });
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify({ paramPaths: ['strategy.spreadBps'], runListHash: 'abc' }));
    const row = (index: number, config: number, spread: number, rs: number) =>
      JSON.stringify({
        index,
        row: [
          ['run', index],
          ['config', config],
          ['seed', 1],
          ['strategy.spreadBps', spread],
          [NET, rs],
          ['fills.count', 70],
        ],
      });
    writeFileSync(join(dir, 'runs.jsonl'), `${[row(0, 0, 8, 1), row(1, 1, 12, 3), row(2, 2, 16, 2)].join('\n')}\n`);
    const o = options(dir, { rank: 2, allowNoOos: true });
    expect((await promote(o)).refused).toEqual([]);
    const config = loadLiveConfig(o.out);
    expect(config.scenario.strategy.spreadBps).toBe(16);
    expect(config.provenance?.rank).toBe(2);
    await expect(promote(options(dir, { rank: 4, allowNoOos: true }))).rejects.toThrow(/3 eligible/);
  });
});
