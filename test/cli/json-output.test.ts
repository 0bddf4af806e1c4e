import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, spreadlab } from '../spawn-cli.ts';

/**
 * `--json` on every command (src/cli/output.ts): stdout is exactly one JSON document naming the command and
 * every file it wrote (which exist), nothing else; a user error exits 2 with one JSON error object on stderr.
 * The commands run in order on tiny inputs (--set durationSeconds=…), later ones reading what earlier ones wrote.
 */
const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-json-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (name: string) => join(tmp, name);
const SHORT = ['--set', 'durationSeconds=60', '--workers', '1'];

/** Runs a command with --json: exit 0, stdout one JSON line, every listed file present. */
function jsonResult(args: string[]): Record<string, any> {
  const run = spreadlab(...args, '--json');
  expect(run.status, run.stderr).toBe(0);
  expect(run.stderr).not.toContain('warning'); // warnings are in the document (stderr: progress and a live run's log)
  const lines = run.stdout.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  const result = JSON.parse(lines[0]);
  expect(Array.isArray(result.files)).toBe(true);
  for (const file of result.files) expect(existsSync(file), file).toBe(true);
  return result;
}

interface Case {
  command: string;
  args: string[];
  check: (result: Record<string, any>) => void;
}

const CASES: Case[] = [
  {
    command: 'backtest',
    args: ['backtest', 'scenarios/demo.json', '--set', 'durationSeconds=60', '--out', at('run')],
    check: (r) => {
      expect(r.out).toBe(at('run'));
      expect(r.summary.scenario).toBe('demo');
      expect(r.summary.fills.count).toBeGreaterThan(0);
      expect(r.verdict).toMatch(/^verdict: /);
      expect(r.files).toContain(join(at('run'), 'summary.json'));
      expect(r.files).toContain(join(at('run'), 'report.html'));
    },
  },
  {
    command: 'backtest (with a warning)',
    args: [
      'backtest',
      'scenarios/informed-flow-replay.json',
      '--set',
      'durationSeconds=2000',
      '--set',
      'data.onError=skip',
      '--out',
      at('past-end'),
    ],
    check: (r) => expect(r.warnings).toEqual([expect.stringMatching(/^durationSeconds 2000 runs past the end of the data/)]),
  },
  {
    command: 'report',
    args: ['report', at('run'), '--out', at('run.html')],
    check: (r) => expect(r).toMatchObject({ kind: 'run', out: at('run.html'), files: [at('run.html')] }),
  },
  {
    command: 'sweep',
    args: ['sweep', 'scenarios/demo.json', '--grid', 'strategy.spreadBps=10,20', '--min-fills', '1', '--out', at('sweep'), ...SHORT],
    check: (r) => {
      expect(r).toMatchObject({ kind: 'sweep', runs: 2, complete: true, objective: 'pnl.total' });
      expect([10, 20]).toContain(r.best.params['strategy.spreadBps']);
      expect(Array.isArray(r.warnings)).toBe(true);
      expect(r.files).toContain(join(at('sweep'), 'best.json'));
      expect(r.files).toContain(join(at('sweep'), 'sweep.html'));
    },
  },
  {
    command: 'sweep (a shard)',
    args: ['sweep', 'scenarios/demo.json', '--grid', 'strategy.spreadBps=10,20', '--shard', '0/2', '--out', at('shard0'), ...SHORT],
    check: (r) =>
      expect(r).toMatchObject({ runs: 1, complete: false, shard: { index: 0, count: 2 }, files: [join(at('shard0'), 'results.csv')] }),
  },
  {
    command: 'sweep-merge',
    args: ['sweep-merge', at('shard0'), at('sweep'), '--min-fills', '1', '--out', at('merged')],
    check: (r) => {
      expect(r.runs).toBe(2);
      expect(r.shards).toEqual([at('shard0'), at('sweep')]);
      expect(r.files).toContain(join(at('merged'), 'results.csv'));
    },
  },
  {
    command: 'sweep --folds (walk-forward)',
    args: [
      'sweep',
      'scenarios/demo.json',
      '--grid',
      'strategy.spreadBps=10,20',
      '--folds',
      '1',
      '--min-fills',
      '1',
      '--out',
      at('wf'),
      ...SHORT,
    ],
    check: (r) => {
      expect(r.kind).toBe('walk-forward');
      expect(r.folds).toHaveLength(1);
      expect(r.folds[0].windows.train.from).toBeTypeOf('string');
      expect(r.files).toContain(join(at('wf'), 'walkforward.html'));
    },
  },
  {
    command: 'tune',
    args: ['tune', 'scenarios/demo.json', '--max-spread', '20', '--out', at('tune'), ...SHORT],
    check: (r) => {
      expect(r.param).toBe('strategy.spreadBps');
      expect(r.steps.length).toBeGreaterThan(0);
      expect(r.steps[0]).toMatchObject({ phase: 'widen', spread: 10 });
      expect(r.conclusion).toBeTypeOf('string');
    },
  },
  {
    command: 'promote',
    args: ['promote', at('sweep'), '--out', at('live.json'), '--allow-no-oos', '--allow-few-fills', '--allow-nonpositive-spread'],
    check: (r) => {
      expect(r.files).toEqual([at('live.json')]);
      expect(r.risk.maxPosition).toBeGreaterThan(0);
      expect(r.symbols).toEqual(['SYN-USD']);
    },
  },
  {
    command: 'data synth',
    args: ['data', 'synth', 'scenarios/demo.json', '--set', 'durationSeconds=5', '--out', at('synth')],
    check: (r) => expect(r.files.length).toBeGreaterThan(0),
  },
  {
    command: 'data inspect',
    args: ['data', 'inspect', 'data/synthetic/synthetic_GM-USD_informed-flow_seed1_trades.csv.gz'],
    check: (r) => {
      expect(r.reports[0].byKind.trades).toBeGreaterThan(0);
      expect(r.problems).toEqual([]);
    },
  },
  {
    command: 'data validate',
    args: ['data', 'validate', 'data/synthetic/synthetic_GM-USD_informed-flow_seed1_trades.csv.gz'],
    check: (r) => expect(r).toMatchObject({ problems: 0, files: [] }),
  },
  {
    command: 'data convert',
    args: ['data', 'convert', 'data/synthetic/synthetic_GM-USD_informed-flow_seed1_trades.csv.gz', '--out', at('converted')],
    check: (r) => expect(r.files.length).toBeGreaterThan(0),
  },
  {
    command: 'scenario-schema',
    args: ['scenario-schema'],
    check: (r) => expect(r.schema.properties.strategy).toBeDefined(),
  },
  {
    command: 'new strategy',
    args: ['new', 'strategy', 'json-made', '--dir', at('mine')],
    check: (r) => expect(r.files).toEqual(['json-made.ts', 'json-made.json', 'json-made.test.ts'].map((f) => join(at('mine'), f))),
  },
];

describe('--json: one result document on stdout, per command', () => {
  for (const { command, args, check } of CASES) {
    it(command, () => {
      const result = jsonResult(args);
      expect(result.command).toBe(command.split(' (')[0].replace(/ --.*$/, ''));
      check(result);
    });
  }
});

/** A user error with --json: exit 2, nothing on stdout, one JSON error object on stderr. */
function jsonError(args: string[]): Record<string, any> {
  const run = spreadlab(...args, '--json');
  expect(run.status).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]).error;
}

describe('--json: user errors as one JSON object on stderr, exit 2', () => {
  it('a bad scenario field: code, file and JSON path', () => {
    expect(jsonError(['backtest', 'scenarios/demo.json', '--set', 'strategy.spreadBps=-1'])).toMatchObject({
      code: 'invalid-scenario',
      file: 'scenarios/demo.json',
      path: 'strategy.spreadBps',
      line: null,
    });
  });

  it('several bad fields: each one in problems', () => {
    const file = at('two-bad.json');
    writeFileSync(file, JSON.stringify({ name: 'x', durationSeconds: -1, strategy: { name: 'nope' } }));
    const error = jsonError(['backtest', file]);
    expect(error.code).toBe('invalid-scenario');
    expect(error.problems.length).toBeGreaterThan(1);
    for (const problem of error.problems) expect(problem).toMatchObject({ file, path: expect.any(String), message: expect.any(String) });
  });

  it("a live config's scenario: the config file and the field's path in it", () => {
    const file = at('bad-live.json');
    const scenario = {
      name: 'x',
      market: { symbol: 'BTCUSDT', tickSize: -1, lotSize: 0.001 },
      data: { kind: 'synthetic', model: 'random-walk' },
    };
    writeFileSync(
      file,
      JSON.stringify({
        kind: 'spreadlab-live-config',
        version: 1,
        name: 'x',
        scenario,
        risk: { maxPosition: 1, maxLoss: 1, maxOrdersPerMinute: 60 },
      }),
    );
    const error = jsonError(['live', '--config', file, '--paper']);
    expect(error).toMatchObject({ code: 'invalid-scenario', file, path: 'scenario.market.tickSize' });
  });

  it('a data problem: file, line and column', () => {
    expect(jsonError(['data', 'validate', 'test/fixtures/bad/negative-price.csv'])).toMatchObject({
      code: 'invalid-data',
      file: 'test/fixtures/bad/negative-price.csv',
      line: 4,
      column: 37,
    });
  });

  it('several data problems: all listed', () => {
    const error = jsonError(['data', 'validate', 'test/fixtures/bad/crossed-book.csv']);
    expect(error.message).toBe('2 problems');
    expect(error.problems.map((p: { line: number }) => p.line)).toEqual([4, expect.any(Number)]);
  });

  it('a missing file, a missing argument, an unknown flag', () => {
    expect(jsonError(['backtest', at('none.json')])).toMatchObject({ code: 'user-error', file: at('none.json') });
    expect(jsonError(['backtest']).code).toBe('usage');
    expect(jsonError(['report', at('run'), '--colour']).code).toBe('usage');
  });
});

/**
 * serve, live --paper, reconcile and record against the local exchange server, each with --json: serve prints
 * its result (the URL) as soon as it listens and serves on.
 */
describe('--json: serve, live --paper, reconcile, record', () => {
  it('each prints its result document', { timeout: 180_000 }, async () => {
    const server = spawn(
      process.execPath,
      ['bin/spreadlab.js', 'serve', '--scenario', 'scenarios/demo.json', '--set', 'market.symbol=BTCUSDT', '--speed', '5', '--json'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const served = await new Promise<Record<string, any>>((resolve, reject) => {
        let text = '';
        server.stdout!.on('data', (d) => {
          text += d;
          if (text.includes('\n')) resolve(JSON.parse(text.split('\n')[0]));
        });
        server.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      expect(served).toMatchObject({ command: 'serve', symbol: 'BTCUSDT', files: [] });
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      // the demo's market, as served, quoted by the fixed-spread loop
      const demo = JSON.parse(readFileSync(join(ROOT, 'scenarios/demo.json'), 'utf8'));
      const config = at('paper.json');
      const scenario = { ...demo, name: 'paper', market: { ...demo.market, symbol: 'BTCUSDT' } };
      scenario.strategy = { name: 'fixed-spread', spreadBps: 10, size: 0.01, requoteMs: 400 };
      const risk = { maxPosition: 1, maxLoss: 1000, maxOrdersPerMinute: 1000, staleDataSeconds: 5, priceBandBps: 100 };
      writeFileSync(
        config,
        JSON.stringify({ kind: 'spreadlab-live-config', version: 1, name: 'paper', scenario, risk, provenance: { source: 'test' } }),
      );
      const paper = jsonResult([
        'live',
        '--paper',
        '--config',
        config,
        '--base-url',
        served.url,
        '--minutes',
        '0.25',
        '--out',
        at('paper'),
      ]);
      expect(paper).toMatchObject({ command: 'live', mode: 'paper', out: at('paper'), killed: false, files: [at('paper')] });
      expect(paper.summary.scenario).toBe('paper');

      const reconciled = jsonResult(['reconcile', at('paper')]);
      expect(reconciled.command).toBe('reconcile');
      expect(reconciled.files).toContain(join(at('paper'), 'reconcile.html'));
      expect(reconciled.summary).toBeTypeOf('object');

      const recorded = jsonResult([
        'record',
        '--symbol',
        'BTCUSDT',
        '--base-url',
        served.url,
        '--minutes',
        '0.05',
        '--out',
        at('rec.raw.gz'),
      ]);
      expect(recorded).toMatchObject({ command: 'record', files: [at('rec.raw.gz')] });
      expect(recorded.lines).toBeGreaterThan(0);
    } finally {
      server.kill('SIGTERM');
    }
  });
});
