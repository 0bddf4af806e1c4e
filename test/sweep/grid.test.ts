import { describe, expect, it } from 'vitest';
import { inShard, parseGridFlag, parseShard, planRuns } from '../../src/sweep/grid.ts';
import { chooseBest, configFigures, parseConstraint } from '../../src/sweep/objective.ts';
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

  it('random draws are seeded and stay inside the ranges', () => {
    const axes = [parseGridFlag('a=5:30:5'), parseGridFlag('b=0,1')];
    const one = planRuns(axes, [1], { count: 20, seed: 7 });
    expect(planRuns(axes, [1], { count: 20, seed: 7 })).toEqual(one);
    expect(planRuns(axes, [1], { count: 20, seed: 8 })).not.toEqual(one);
    for (const run of one) {
      expect(run.params.a).toBeGreaterThanOrEqual(5);
      expect(run.params.a).toBeLessThanOrEqual(30);
      expect([0, 1]).toContain(run.params.b);
    }
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
});

describe('flatten', () => {
  it('dots nested keys in order and writes NA for missing figures', () => {
    expect(flatten({ a: 1, b: { c: null, d: { e: 'x' } } })).toEqual([
      ['a', 1],
      ['b.c', null],
      ['b.d.e', 'x'],
    ]);
    expect([1.5, null, NaN, 'a,b', 'q"'].map(csvCell)).toEqual(['1.5', 'NA', 'NA', '"a,b"', '"q"""']);
  });
});
