import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lockFileOf, lockOutput } from '../../src/core/output-lock.ts';
import { OUTPUT_MARKER } from '../../src/core/output.ts';
import { sweep } from '../../src/sweep/sweep.ts';
import { cli, DEMO, expectOk, expectUserError, snapshot, tempDir, userFolder } from './corpus.ts';

/**
 * Classes 1 and 2 of issue 15: an output never destroys what spreadlab did not write, and one output is
 * written by one process at a time. Every writing command is tried on a folder or file of the user's
 * (refused, exit 2, nothing touched); a folder spreadlab wrote is replaced whole, without leftovers; a
 * lock held by a live process is refused naming it, a stale one is taken over.
 */
const CASE_MS = 60_000;
const DERIBIT = '../shared/data/format-samples/deribit_incremental_book_L2_BTC-PERPETUAL.csv';

describe('outputs never destroy what spreadlab did not write (class 1)', () => {
  let tmp: string;
  let user: string;
  let before: Record<string, string>;
  let runDir: string;

  beforeAll(async () => {
    tmp = tempDir();
    user = userFolder(join(tmp, 'user'));
    writeFileSync(join(tmp, 'notes.html'), '<p>my page</p>\n');
    writeFileSync(join(tmp, 'config.json'), '{"mine": true}\n');
    before = snapshot(tmp);
    runDir = join(tmp, 'runs', 'demo');
    expectOk(await cli(['backtest', ...DEMO, '--out', runDir]));
  }, CASE_MS * 2);

  const untouched = () => {
    const now = snapshot(tmp);
    for (const [file, content] of Object.entries(before)) expect(now[file], file).toBe(content);
  };

  const refusals: [string, () => string[], RegExp][] = [
    [
      'backtest --out a non-empty folder of the user',
      () => ['backtest', ...DEMO, '--out', user],
      /user: exists, is not empty and was not written by spreadlab/,
    ],
    [
      'backtest --out a file of the user',
      () => ['backtest', ...DEMO, '--out', join(user, 'notes.txt')],
      /notes\.txt: is a file, not a folder/,
    ],
    [
      'sweep --out a folder of the user',
      () => [
        'sweep',
        'scenarios/demo.json',
        '--grid',
        'strategy.spreadBps=10,20',
        '--set',
        'durationSeconds=30',
        '--workers',
        '1',
        '--out',
        user,
      ],
      /not written by spreadlab/,
    ],
    [
      'sweep --out a file',
      () => ['sweep', 'scenarios/demo.json', '--grid', 'strategy.spreadBps=10', '--out', join(tmp, 'notes.html')],
      /is a file, not a folder/,
    ],
    [
      'tune --out a folder of the user',
      () => ['tune', 'scenarios/demo.json', '--set', 'durationSeconds=30', '--out', user],
      /not written by spreadlab/,
    ],
    [
      'walk-forward --out a folder of the user',
      () => ['sweep', 'scenarios/informed-flow-replay.json', '--grid', 'strategy.spreadBps=5,10', '--folds', '2', '--out', user],
      /not written by spreadlab/,
    ],
    ['sweep-merge --out a folder of the user', () => ['sweep-merge', runDir, '--out', user], /not written by spreadlab/],
    [
      'report --out a page of the user',
      () => ['report', runDir, '--out', join(tmp, 'notes.html')],
      /notes\.html: exists and was not written by spreadlab/,
    ],
    [
      'promote --out a file of the user',
      () => ['promote', runDir, '--out', join(tmp, 'config.json'), '--allow-few-fills', '--allow-no-oos'],
      /config\.json: exists and was not written by spreadlab/,
    ],
    [
      'data synth --out a folder of the user',
      () => ['data', 'synth', 'scenarios/demo.json', '--set', 'durationSeconds=10', '--out', user],
      /not written by spreadlab/,
    ],
    [
      'data convert --out a folder of the user',
      () => ['data', 'convert', DERIBIT, '--out', user],
      /user: exists, is not empty and was not written by spreadlab/,
    ],
    ['data convert --out a file', () => ['data', 'convert', DERIBIT, '--out', join(user, 'notes.txt')], /is a file, not a folder/],
    [
      'record --out an existing file',
      () => ['record', '--symbol', 'BTCUSDT', '--out', join(user, 'notes.txt'), '--base-url', 'http://127.0.0.1:9'],
      /notes\.txt: exists and was not written by spreadlab/,
    ],
    [
      'backtest --out a spreadlab folder of another kind (a sweep)',
      () => ['backtest', ...DEMO, '--out', join(tmp, 'a-sweep')],
      /is a spreadlab sweep folder, not a run folder/,
    ],
  ];

  for (const [name, args, pattern] of refusals) {
    it(
      `${name}: refused (exit 2), nothing of the user's touched`,
      async () => {
        mkdirSync(join(tmp, 'a-sweep'), { recursive: true });
        writeFileSync(join(tmp, 'a-sweep', OUTPUT_MARKER), '{"spreadlab":"sweep"}\n');
        expectUserError(await cli(args()), pattern);
        untouched();
      },
      CASE_MS,
    );
  }

  it(
    'live --out a folder of the user: refused before connecting',
    async () => {
      const config = join(tmp, 'live.json');
      expectOk(await cli(['promote', runDir, '--out', config, '--allow-few-fills', '--allow-no-oos', '--allow-nonpositive-spread']));
      const r = await cli(['live', '--config', config, '--paper', '--out', user, '--base-url', 'http://127.0.0.1:9']);
      expectUserError(r, /user: exists, is not empty and was not written by spreadlab/);
      untouched();
    },
    CASE_MS,
  );

  it(
    'a run folder spreadlab wrote is replaced whole, with no staging folder or lock left beside it',
    async () => {
      expectOk(await cli(['backtest', ...DEMO, '--set', 'seed=2', '--out', runDir]));
      expect(readdirSync(runDir).sort()).toEqual([
        OUTPUT_MARKER,
        'fills.csv',
        'orders.csv',
        'report.html',
        'run.json',
        'summary.json',
        'timeseries.csv',
      ]);
      expect(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).seed).toBe(2);
      expect(readdirSync(join(tmp, 'runs'))).toEqual(['demo']);
    },
    CASE_MS,
  );

  it(
    'a run folder spreadlab wrote that now holds a file of the user is refused, the file kept',
    async () => {
      const dir = join(tmp, 'runs', 'annotated');
      expectOk(await cli(['backtest', ...DEMO, '--out', dir]));
      writeFileSync(join(dir, 'my-analysis.ipynb'), '{}');
      expectUserError(await cli(['backtest', ...DEMO, '--out', dir]), /holds my-analysis\.ipynb, which spreadlab did not write there/);
      expect(readFileSync(join(dir, 'my-analysis.ipynb'), 'utf8')).toBe('{}');
    },
    CASE_MS,
  );

  it(
    'an empty folder of the user is used (and marked)',
    async () => {
      const dir = join(tmp, 'empty');
      mkdirSync(dir);
      expectOk(await cli(['backtest', ...DEMO, '--out', dir]));
      expect(existsSync(join(dir, OUTPUT_MARKER))).toBe(true);
    },
    CASE_MS,
  );

  it(
    'report re-renders into a run folder, and replaces a page spreadlab wrote',
    async () => {
      const page = join(tmp, 'compare.html');
      expectOk(await cli(['report', runDir, runDir, '--out', page]));
      expectOk(await cli(['report', runDir, runDir, '--out', page]));
      expectOk(await cli(['report', runDir, '--quiet']));
    },
    CASE_MS,
  );
});

describe('one output, one process: the output lock (class 2)', () => {
  it(
    'refuses an output whose lock a live process holds, naming the process; the lock stays',
    async () => {
      const tmp = tempDir();
      const out = join(tmp, 'run');
      const lock = lockOutput(out, 'a test holding the lock');
      try {
        expectUserError(
          await cli(['backtest', ...DEMO, '--out', out]),
          new RegExp(`run is in use by another spreadlab process \\(pid ${process.pid} on ${hostname()}, a test holding the lock`),
        );
        expect(existsSync(lockFileOf(out))).toBe(true);
        expect(existsSync(out)).toBe(false);
      } finally {
        lock.release();
      }
    },
    CASE_MS,
  );

  it(
    'takes over a stale lock: its process is gone (a SIGKILLed run)',
    async () => {
      const tmp = tempDir();
      const out = join(tmp, 'run');
      writeFileSync(lockFileOf(out), JSON.stringify({ pid: 2 ** 22 + 12_345, host: hostname(), started: null, what: 'a killed run' }));
      expectOk(await cli(['backtest', ...DEMO, '--out', out]));
      expect(existsSync(lockFileOf(out))).toBe(false);
    },
    CASE_MS,
  );

  it(
    'takes over a lock whose pid now belongs to a process that started later (a reused pid)',
    async () => {
      const tmp = tempDir();
      const out = join(tmp, 'run');
      writeFileSync(lockFileOf(out), JSON.stringify({ pid: process.pid, host: hostname(), started: 1, what: 'an old run' }));
      expectOk(await cli(['backtest', ...DEMO, '--out', out]));
    },
    CASE_MS,
  );

  it(
    'refuses a lock held on another host (it cannot be checked from here), naming the host and the lock file',
    async () => {
      const tmp = tempDir();
      const out = join(tmp, 'run');
      writeFileSync(lockFileOf(out), JSON.stringify({ pid: 1, host: 'elsewhere.example', started: null, what: 'a sweep' }));
      expectUserError(
        await cli(['backtest', ...DEMO, '--out', out]),
        /pid 1 on elsewhere\.example, a sweep.*remove .*\.run\.lock if that process is gone/,
      );
    },
    CASE_MS,
  );

  it(
    'two sweeps on one folder at once: one runs, the other is refused at once; every run journaled once',
    async () => {
      const tmp = tempDir();
      const out = join(tmp, 'sweep');
      // long enough (8 runs of 30 simulated minutes) that the second starts while the first still runs
      const args = [
        'sweep',
        'scenarios/demo.json',
        '--grid',
        'strategy.spreadBps=8:22:2',
        '--set',
        'durationSeconds=1800',
        '--workers',
        '1',
        '--out',
        out,
      ];
      const first = cli(args);
      // wait (with a deadline) until the first holds the lock, then start the second
      const deadline = Date.now() + 30_000;
      while (!existsSync(lockFileOf(out)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect(existsSync(lockFileOf(out)), 'the first sweep took the lock').toBe(true);
      const second = await cli(args);
      expectUserError(second, /sweep is in use by another spreadlab process \(pid \d+ .*running a sweep/);
      expectOk(await first);
      const journal = readFileSync(join(out, 'runs.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).index);
      expect(journal.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      // and a resume afterwards finds everything done and runs nothing twice
      expectOk(await cli(args));
      expect(readFileSync(join(out, 'runs.jsonl'), 'utf8').trim().split('\n')).toHaveLength(8);
    },
    CASE_MS * 3,
  );

  it(
    'two sweeps on one folder in one process: the second is refused while the first runs',
    async () => {
      const tmp = tempDir();
      const out = join(tmp, 'sweep');
      const options = {
        scenarioFile: 'scenarios/demo.json',
        overrides: ['durationSeconds=60'],
        grid: ['strategy.spreadBps=8,12'],
        workers: 1,
        objective: 'pnl.total',
        minimize: false,
        require: [],
        out,
        shard: null,
      };
      const a = sweep(options);
      const b = sweep(options);
      const [ra, rb] = await Promise.allSettled([a, b]);
      expect([ra.status, rb.status].sort()).toEqual(['fulfilled', 'rejected']);
      const refused = (ra.status === 'rejected' ? ra.reason : (rb as PromiseRejectedResult).reason) as Error;
      expect(refused.message).toMatch(/is in use by another spreadlab process \(pid \d+/);
    },
    CASE_MS * 2,
  );
});
