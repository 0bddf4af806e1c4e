import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boundedNumber, boundProblem, BOUNDS, checkFlag, firstNonFinite } from '../../src/core/bounds.ts';
import { parseScenario } from '../../src/sim/scenario.ts';
import { parseLiveConfig } from '../../src/live/config.ts';
import { cli, expectOk, expectUserError, tempDir } from './corpus.ts';

/**
 * Class 5 of issue 15: every number a user gives is bounded to what can be represented and makes sense,
 * and checked before any work starts. Scenario fields are tried in-process (parseScenario, the one
 * validation every command shares), flags through the command (nothing may be written before the refusal).
 */
const CASE_MS = 60_000;
const demo = JSON.parse(readFileSync('scenarios/demo.json', 'utf8')) as Record<string, Record<string, unknown>>;

/** The demo scenario with `path` set to `value`; returns the problem text, or null when it parses. */
function problemWith(path: string, value: unknown): string | null {
  const raw = structuredClone(demo) as Record<string, unknown>;
  const keys = path.split('.');
  let at = raw as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1]] = value;
  try {
    parseScenario(raw, 'x.json');
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('scenario numbers are bounded (class 5)', () => {
  const refused: [string, unknown, RegExp][] = [
    ['market.lotSize', 1e-300, /market\.lotSize: expected a step of at most 12 decimals/],
    ['market.tickSize', 1e-13, /market\.tickSize: expected a step of at most 12 decimals/],
    ['market.tickSize', 1e6, /data\.startPrice: 100 is 0\.0001 ticks of market\.tickSize \(1000000\)/],
    ['market.tickSize', 0, /market\.tickSize: expected a number > 0/],
    ['market.makerFeeBps', 1e308, /market\.makerFeeBps: expected a number from -1000 to 1000, got 1e\+308/],
    ['market.takerFeeBps', -5000, /market\.takerFeeBps: expected a number from -1000 to 1000/],
    ['market.makerFeeBps', 0.001, /market\.makerFeeBps: expected a multiple of 0\.01 bp/],
    ['data.levels', 1e9, /data\.levels: expected a whole number from 1 to 10000, got 1000000000/],
    ['data.levels', 2.5, /data\.levels: expected a whole number/],
    ['data.startPrice', 1e300, /data\.startPrice: expected a number > 0 and ≤ 1000000000000/],
    ['data.tradesPerSecond', 1e9, /data\.tradesPerSecond: expected a number > 0 and ≤ 10000/],
    ['data.feedLatencyMs', -1, /data\.feedLatencyMs: expected a number from 0 to 60000/],
    ['strategy.size', 0.0005, /strategy\.size: 0\.0005 is not a whole number of market\.lotSize \(0\.001\): every order would be rejected/],
    ['strategy.spreadBps', Infinity, /strategy\.spreadBps: expected a finite number, got Infinity/],
    ['strategy.spreadBps', 1e5, /strategy\.spreadBps: expected a number > 0 and ≤ 10000/],
    ['strategy.maxInventory', -1, /strategy\.maxInventory: expected a number > 0/],
    ['strategy.requoteMs', 0.5, /strategy\.requoteMs: expected a number from 1/],
    ['seed', 2 ** 60, /seed: expected a whole number from 0 to 9007199254740991/],
    ['seed', -1, /seed: expected a whole number from 0/],
    ['durationSeconds', 1e12, /durationSeconds: expected a number > 0 and ≤ 2592000/],
    ['analytics.sampleSeconds', 1e-9, /analytics\.sampleSeconds: expected a number from 0\.001 to 86400/],
    ['analytics.horizonsSeconds', [1, 5, 30, 1e9], /analytics\.horizonsSeconds\[3\]: expected a number from 0\.001 to 86400/],
    ['venue.queue', { model: 'probabilistic', power: 1e9 }, /venue\.queue\.power: expected a number > 0 and ≤ 100/],
    [
      'venue.latency',
      { model: 'lognormal', entryMedianMs: 5, responseMedianMs: 5, sigma: 50 },
      /venue\.latency\.sigma: expected a number from 0 to 3/,
    ],
  ];
  for (const [path, value, pattern] of refused) {
    it(`${path} = ${JSON.stringify(value) ?? String(value)} is refused, naming the path`, () => {
      const problem = problemWith(path, value);
      expect(problem).not.toBeNull();
      expect(problem).toMatch(pattern);
      expect(problem!.split('\n'), 'one problem, not a cascade').toHaveLength(1);
    });
  }

  it('values at the edges of their bounds are accepted', () => {
    for (const [path, value] of [
      ['market.tickSize', 1e-10], // the demo's startPrice 100 is then 1e12 ticks, the most allowed
      ['market.makerFeeBps', -1000],
      ['data.levels', 10_000],
      ['durationSeconds', 2_592_000],
      ['strategy.size', 0.002],
    ] as const) {
      expect(problemWith(path, value), `${path} = ${value}`).toBeNull();
    }
  });

  it('a live config: risk limits bounded, an infinite one refused', () => {
    const config = (risk: Record<string, unknown>) => ({
      kind: 'spreadlab-live-config',
      version: 1,
      name: 'x',
      scenario: demo,
      risk: { maxPosition: 1, maxLoss: 10, maxOrdersPerMinute: 60, ...risk },
    });
    expect(() => parseLiveConfig(config({ maxLoss: 1e400 }), 'c.json')).toThrow(
      /c\.json: risk\.maxLoss: expected a finite number, got Infinity/,
    );
    expect(() => parseLiveConfig(config({ maxOrdersPerMinute: 0.5 }), 'c.json')).toThrow(
      /risk\.maxOrdersPerMinute: expected a whole number from 1/,
    );
    expect(() => parseLiveConfig(config({ priceBandBps: -3 }), 'c.json')).toThrow(/risk\.priceBandBps: expected a number > 0/);
    expect(parseLiveConfig(config({}), 'c.json').risk.maxLoss).toBe(10);
  });

  it('the helpers: one bound for schemas and flags, the first infinite number found with its path', () => {
    expect(boundProblem(2.5, { min: 1, max: 10, integer: true })).toBe('expected a whole number from 1 to 10, got 2.5');
    expect(boundProblem(NaN, BOUNDS.size)).toBe('expected a number > 0 and ≤ 1000000000000, got NaN');
    expect(boundedNumber({ above: 0, max: 5 }).safeParse(5).success).toBe(true);
    expect(boundedNumber({ above: 0, max: 5 }).safeParse(0).success).toBe(false);
    expect(() => checkFlag('seeds', 0, { min: 1, max: 10, integer: true })).toThrow(
      '--seeds 0: expected a whole number from 1 to 10, got 0',
    );
    expect(checkFlag('seeds', undefined, { min: 1, max: 10 })).toBeUndefined();
    expect(firstNonFinite({ a: [1, { b: -Infinity }] })).toEqual({ path: ['a', 1, 'b'], value: -Infinity });
    expect(firstNonFinite({ a: [1, 2] })).toBeNull();
  });
});

describe('flags are bounded, checked before anything is written (class 5)', () => {
  const tmp = tempDir();
  const sweepFlags: [string, string[], RegExp][] = [
    ['--random -3', ['--random', '-3'], /--random -3: expected a whole number from 1 to 1000000/],
    ['--seeds 0', ['--seeds', '0'], /--seeds 0: expected a whole number from 1/],
    ['--seeds 2.5', ['--seeds', '2.5'], /--seeds 2\.5: expected a whole number/],
    ['--workers 0', ['--workers', '0'], /--workers 0: expected a whole number from 1 to 256/],
    ['--folds 1e6', ['--folds', '1e6'], /--folds 1000000: expected a whole number from 1 to 100/],
    ['--grid of a billion values', ['--grid', 'strategy.skewFactor=1:1000000000:1'], /1000000000 values; at most 1000000/],
    [
      '--grid above the confirmation size',
      ['--grid', 'strategy.skewFactor=0:200:1', '--seeds', '100'],
      /the sweep has 20100 runs \(201 configurations × 100 seeds\), more than 10000: pass --allow-large-grid/,
    ],
    ['--grid of an infinite range', ['--grid', 'strategy.skewFactor=0:1e400:1'], /a range is start:stop:step of finite numbers/],
  ];
  for (const [name, flags, pattern] of sweepFlags) {
    it(
      `sweep ${name}: refused, nothing written`,
      async () => {
        const out = join(tmp, `sweep-${name.replace(/\W+/g, '-')}`);
        expectUserError(await cli(['sweep', 'scenarios/demo.json', '--grid', 'strategy.spreadBps=10', ...flags, '--out', out]), pattern);
        expect(existsSync(out), 'no sweep folder (no results.csv, no best.json)').toBe(false);
      },
      CASE_MS,
    );
  }

  const otherFlags: [string, string[], RegExp][] = [
    ['backtest --seed -1', ['backtest', 'scenarios/demo.json', '--seed', '-1'], /--seed -1: expected a whole number from 0/],
    ['tune --step 0', ['tune', 'scenarios/demo.json', '--step', '0'], /--step 0: expected a number > 0/],
    ['tune --start 1 --step 1e-9', ['tune', 'scenarios/demo.json', '--step', '0.00001'], /at most 10000 steps/],
    ['live --minutes -1', ['live', '--config', 'none.json', '--minutes', '-1'], /--minutes -1: expected a number > 0 and ≤ 34560/],
    ['record --minutes 0', ['record', '--symbol', 'X', '--minutes', '0'], /--minutes 0: expected a number > 0/],
    ['record --tick-size -1', ['record', '--symbol', 'X', '--tick-size', '-1'], /--tick-size -1: expected a number > 0/],
    [
      'serve --port 70000',
      ['serve', '--scenario', 'scenarios/demo.json', '--port', '70000'],
      /--port 70000: expected a whole number from 0 to 65535/,
    ],
    ['serve --speed 0', ['serve', '--scenario', 'scenarios/demo.json', '--speed', '0'], /--speed 0: expected a number > 0/],
    [
      'serve --leverage 1000',
      ['serve', '--scenario', 'scenarios/demo.json', '--leverage', '1000'],
      /--leverage 1000: expected a whole number from 1 to 125/,
    ],
    ['reconcile --tolerance-ms -1', ['reconcile', tmp, '--tolerance-ms', '-1'], /--tolerance-ms -1: expected a number from 0/],
    ['promote --rank 0', ['promote', tmp, '--out', join(tmp, 'c.json'), '--rank', '0'], /--rank 0: expected a whole number from 1/],
    ['promote --max-loss -5', ['promote', tmp, '--out', join(tmp, 'c.json'), '--max-loss', '-5'], /--max-loss -5: expected a number > 0/],
    [
      'data inspect --tick-size 1e-13',
      ['data', 'inspect', 'scenarios/demo.json', '--tick-size', '1e-13'],
      /--tick-size 1e-13: expected a step of at most 12 decimals/,
    ],
    [
      'backtest --set market.lotSize=1e-300',
      ['backtest', 'scenarios/demo.json', '--set', 'market.lotSize=1e-300'],
      /market\.lotSize: expected a step of at most 12 decimals/,
    ],
    [
      'backtest --set strategy.spreadBps=1e400',
      ['backtest', 'scenarios/demo.json', '--set', 'strategy.spreadBps=1e400'],
      /strategy\.spreadBps: expected a finite number, got Infinity/,
    ],
  ];
  for (const [name, args, pattern] of otherFlags) {
    it(
      `${name}: refused`,
      async () => {
        expectUserError(await cli(args, { timeoutMs: 30_000 }), pattern);
      },
      CASE_MS,
    );
  }

  it(
    'a strategy module whose every order is rejected: the run says so (a warning), not silence',
    async () => {
      const scenario = join(tmp, 'odd-size.json');
      const raw = structuredClone(demo) as Record<string, unknown>;
      raw.strategy = { module: resolve('test/fixtures/strategies/odd-size.ts'), size: 0.0005 };
      raw.durationSeconds = 30;
      const { writeFileSync } = await import('node:fs');
      writeFileSync(scenario, JSON.stringify(raw));
      const r = await cli(['backtest', scenario, '--quiet', '--out', join(tmp, 'odd-size-run')]);
      expectOk(r);
      expect(r.stderr).toMatch(
        /^spreadlab: warning: demo: nothing traded and \d+ order\(s\) were rejected \(0 reached the venue\): check the strategy's order size against market\.lotSize/m,
      );
    },
    CASE_MS,
  );
});
