import { describe, expect, it } from 'vitest';
import { inShard, parseGridFlag, parseShard, planRuns } from '../../src/sweep/grid.ts';
import { chooseBest, configFigures, isCountColumn, metricFigure, minFillsConstraint, parseConstraint } from '../../src/sweep/objective.ts';
import { edgeWarnings } from '../../src/sweep/sweep.ts';
import { csvCell, flatten } from '../../src/sweep/flatten.ts';

describe('grid', () => {
  it('reads ranges with the stop included and no float noise', () => {
    expect(parseGridFlag('strategy.spreadBps=5:30:5').values).toEqual([5, 10, 15, 20, 25, 30]);
    expect(parseGridFlag('x=0.1:0.5:0.1').values).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(parseGridFlag('x=1:2:0.3').values).toEqual([1, 1.3, 1.6, 1.9]);
  });

  it('reads lists as JSON values or strings', () => {
    expect(parseGridFlag('s=0,0.25,true,abc').values).toEqual([0, 0.25, true, 'abc']);
  });

  it('refuses malformed flags', () => {
    expect(() => parseGridFlag('novalue')).toThrow(/path=values/);
    expect(() => parseGridFlag('x=5:1:1')).toThrow(/stop ≥ start/);
  });

  it('plans the product in flag order, last flag fastest, then seeds', () => {
    const runs = planRuns([parseGridFlag('a=1,2'), parseGridFlag('b=x,y')], [1, 2]);
    expect(runs.map((r) => [r.index, r.config, r.params.a, r.params.b, r.seed])).toEqual([
      [0, 0, 1, 'x', 1],
      [1, 0, 1, 'x', 2],
      [2, 1, 1, 'y', 1],
      [3, 1, 1, 'y', 2],
      [4, 2, 2, 'x', 1],
      [5, 2, 2, 'x', 2],
      [6, 3, 2, 'y', 1],
      [7, 3, 2, 'y', 2],
    ]);
  });

  it('random draws are seeded, distinct, and on the step grid', () => {
    const axes = [parseGridFlag('a=5:30:5'), parseGridFlag('b=0:1:0.25'), parseGridFlag('c=x,y')];
    const one = planRuns(axes, [1], { count: 20, seed: 7 });
    expect(planRuns(axes, [1], { count: 20, seed: 7 })).toEqual(one);
    expect(planRuns(axes, [1], { count: 20, seed: 8 })).not.toEqual(one);
    expect(new Set(one.map((r) => JSON.stringify(r.params))).size).toBe(20);
    for (const run of one) {
      expect([5, 10, 15, 20, 25, 30]).toContain(run.params.a);
      expect([0, 0.25, 0.5, 0.75, 1]).toContain(run.params.b);
      expect(['x', 'y']).toContain(run.params.c);
    }
  });

  it('as many random draws as the grid holds run the whole grid', () => {
    const axes = [parseGridFlag('a=5:30:5'), parseGridFlag('b=0,1')];
    expect(planRuns(axes, [1], { count: 50, seed: 7 })).toEqual(planRuns(axes, [1]));
  });

  it('shards are disjoint and cover the run list', () => {
    const runs = planRuns([parseGridFlag('a=1:10:1')], [1]);
    const shards = [0, 1, 2].map((i) => runs.filter((r) => inShard(r, parseShard(`${i}/3`))).map((r) => r.index));
    expect(shards.flat().sort((a, b) => a - b)).toEqual(runs.map((r) => r.index));
    expect(() => parseShard('3/3')).toThrow(/0 ≤ I < N/);
  });
});

describe('objective', () => {
  const rows = [
    { run: 0, config: 0, seed: 1, s: 5, 'pnl.total': 1, 'rs.30s': -1 },
    { run: 1, config: 0, seed: 2, s: 5, 'pnl.total': 3, 'rs.30s': 1 },
    { run: 2, config: 1, seed: 1, s: 10, 'pnl.total': 2, 'rs.30s': 2 },
    { run: 3, config: 1, seed: 2, s: 10, 'pnl.total': 1, 'rs.30s': 2 },
    { run: 4, config: 2, seed: 1, s: 15, 'pnl.total': 9, 'rs.30s': null },
    { run: 5, config: 2, seed: 2, s: 15, 'pnl.total': 9, 'rs.30s': 3 },
  ];

  it('averages over seeds and picks the highest objective', () => {
    const configs = configFigures(rows, ['s']);
    expect(configs.map((c) => c.means['pnl.total'])).toEqual([2, 1.5, 9]);
    expect(configs[2].means['rs.30s']).toBeNull(); // one NA seed makes the figure NA
    expect(chooseBest(configs, 'pnl.total', false, [])?.params).toEqual({ s: 15 });
    expect(chooseBest(configs, 'pnl.total', true, [])?.params).toEqual({ s: 10 });
  });

  it('constraints filter configurations; NA fails a constraint', () => {
    const configs = configFigures(rows, ['s']);
    expect(chooseBest(configs, 'pnl.total', false, [parseConstraint('rs.30s>0')])?.params).toEqual({ s: 10 });
    expect(chooseBest(configs, 'pnl.total', false, [parseConstraint('rs.30s>5')])).toBeNull();
    expect(() => parseConstraint('rs.30s>>0')).toThrow(/column>number/);
    expect(() => chooseBest(configs, 'nope', false, [])).toThrow(/not a numeric column/);
  });

  it('--min-fills is a constraint on the mean fills a run: a run with no fills never wins on PnL 0', () => {
    const configs = configFigures(
      [
        { run: 0, config: 0, seed: 1, s: 8, 'pnl.total': 0, 'fills.count': 0 },
        { run: 1, config: 1, seed: 1, s: 4, 'pnl.total': -0.5, 'fills.count': 40 },
      ],
      ['s'],
    );
    expect(chooseBest(configs, 'pnl.total', false, [])?.params).toEqual({ s: 8 });
    expect(chooseBest(configs, 'pnl.total', false, [parseConstraint(minFillsConstraint(30))])?.params).toEqual({ s: 4 });
  });

  it('names the count columns', () => {
    for (const c of ['fills.count', 'fills.buys', 'orders.sent', 'events', 'realizedSpreadStats.30s.incomplete', 'quotes.requotes'])
      expect(isCountColumn(c), c).toBe(true);
    for (const c of ['pnl.total', 'fills.makerVolume', 'realizedSpreadBps.30s', 'quotes.twoSidedUptime'])
      expect(isCountColumn(c), c).toBe(false);
  });

  it("a figure across seeds: the seeds' interval with two or more, else the run's own interval over its fills", () => {
    const two = metricFigure(
      [
        { x: 1, lo: 0, hi: 2 },
        { x: 3, lo: 2, hi: 4 },
      ],
      'x',
      ['lo', 'hi'],
    );
    expect(two).toMatchObject({ n: 2, mean: 2, interval: 'seeds' });
    expect(two.low).toBeCloseTo(2 - (12.7062 * Math.SQRT2) / Math.SQRT2, 4);
    expect(metricFigure([{ x: 1, lo: 0, hi: 2 }], 'x', ['lo', 'hi'])).toMatchObject({ mean: 1, low: 0, high: 2, interval: 'fills' });
    expect(metricFigure([{ x: 1 }], 'x')).toMatchObject({ mean: 1, low: null, interval: null });
  });

  it('warns when the best lies on the edge of what was tried', () => {
    const configs = configFigures(
      [5, 10, 15].map((s, i) => ({ run: i, config: i, seed: 1, s, k: 0.5, 'pnl.total': s })),
      ['s', 'k'],
    );
    const warnings = edgeWarnings(['s', 'k'], configs, configs[2]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/best s = 15 is the largest value tried/);
    expect(edgeWarnings(['s'], configs, configs[1])).toEqual([]);
  });
});

describe('flatten', () => {
  it('dots nested keys in order and writes NA for missing figures', () => {
    expect(flatten({ a: 1, b: { c: null, d: { e: 'x' } } })).toEqual([
      ['a', 1],
      ['b.c', null],
      ['b.d.e', 'x'],
    ]);
    expect([1.5, null, NaN, 'a,b', 'q"', 'cr\r'].map(csvCell)).toEqual(['1.5', 'NA', 'NA', '"a,b"', '"q"""', '"cr\r"']);
  });
});
