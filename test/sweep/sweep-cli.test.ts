import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { flatten } from '../../src/sweep/flatten.ts';
import { ROOT, spreadlab, spreadlabOk as cli } from '../spawn-cli.ts';

const SHORT = ['--set', 'durationSeconds=120'];
const GRID = ['--grid', 'strategy.spreadBps=5,10', '--grid', 'strategy.skewFactor=0,1', '--seeds', '2'];

const tmp = (): string => mkdtempSync(join(tmpdir(), 'spreadlab-sweep-'));
const read = (dir: string, file = 'results.csv'): string => readFileSync(join(dir, file), 'utf8');

const parseCsv = (text: string): Record<string, string>[] => parse(text, { columns: true });

/** Runs journaled in a sweep folder so far. */
const journalLines = (dir: string): number => {
  const journal = join(dir, 'runs.jsonl');
  return existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter(Boolean).length : 0;
};

describe('spreadlab sweep (real processes)', () => {
  const single = tmp();
  cli(['sweep', 'scenarios/demo.json', ...GRID, ...SHORT, '--workers', '1', '--out', single]);

  it('writes one row per run (configurations × seeds) and best.json', () => {
    const rows = parseCsv(read(single));
    expect(rows).toHaveLength(8);
    expect(rows.map((r) => [r.run, r['strategy.spreadBps'], r['strategy.skewFactor'], r.seed])).toEqual([
      ['0', '5', '0', '1'],
      ['1', '5', '0', '2'],
      ['2', '5', '1', '1'],
      ['3', '5', '1', '2'],
      ['4', '10', '0', '1'],
      ['5', '10', '0', '2'],
      ['6', '10', '1', '1'],
      ['7', '10', '1', '2'],
    ]);
    for (const column of ['pnl.total', 'realizedSpreadBps.30s', 'fills.count', 'inventory.final', 'quotedSpread.mean'])
      expect(rows[0]).toHaveProperty(column);
    const best = JSON.parse(read(single, 'best.json'));
    const means = [0, 2, 4, 6].map((i) => (Number(rows[i]['pnl.total']) + Number(rows[i + 1]['pnl.total'])) / 2);
    expect(best.best.objectiveMean).toBeCloseTo(Math.max(...means), 12);
  });

  it('results.csv is byte-identical whatever the number of workers', () => {
    const two = tmp();
    cli(['sweep', 'scenarios/demo.json', ...GRID, ...SHORT, '--workers', '2', '--out', two]);
    expect(read(two)).toBe(read(single));
  });

  it('each row equals a single spreadlab backtest of that configuration', () => {
    const run = tmp();
    cli([
      'backtest',
      'scenarios/demo.json',
      ...SHORT,
      '--set',
      'strategy.spreadBps=10',
      '--set',
      'strategy.skewFactor=1',
      '--seed',
      '2',
      '--out',
      run,
      '--quiet',
    ]);
    const summary = JSON.parse(read(run, 'summary.json'));
    const row = parseCsv(read(single))[7];
    let compared = 0;
    for (const [key, value] of flatten(summary)) {
      if (key.startsWith('breakdown.') || typeof value !== 'number') continue;
      expect(Number(row[key]), key).toBe(value);
      compared++;
    }
    expect(compared).toBeGreaterThan(30);
  });

  it('3 shards in 3 processes, merged, equal the one-process sweep', () => {
    const shards = [0, 1, 2].map(() => tmp());
    shards.forEach((dir, i) =>
      cli(['sweep', 'scenarios/demo.json', ...GRID, ...SHORT, '--workers', '1', '--out', dir], {
        JOB_COMPLETION_INDEX: String(i),
        SPREADLAB_SHARDS: '3',
      }),
    );
    expect(parseCsv(read(shards[1])).map((r) => r.run)).toEqual(['1', '4', '7']);
    const merged = tmp();
    cli(['sweep-merge', ...shards, '--out', merged]);
    expect(read(merged)).toBe(read(single));
    expect(read(merged, 'best.json')).toBe(read(single, 'best.json'));
  });

  it('merging incomplete shards is refused with the missing runs named', () => {
    const shard = tmp();
    cli(['sweep', 'scenarios/demo.json', ...GRID, ...SHORT, '--workers', '1', '--shard', '0/3', '--out', shard]);
    const result = spreadlab('sweep-merge', shard, '--out', tmp());
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/missing runs 1, 2, 4/);
  });

  it('a killed sweep resumes where it stopped: no run lost or duplicated, no half-written row', async () => {
    // Kill the sweep once two runs are journaled. That races the sweep: on a fast machine it may finish
    // first, so the attempt is retried with longer runs; every wait has a deadline.
    let dir = '';
    let args: string[] = [];
    let done = 0;
    for (const seconds of [120, 600, 2400]) {
      dir = tmp();
      const duration = ['--set', `durationSeconds=${seconds}`];
      args = [
        'bin/spreadlab.js',
        'sweep',
        'scenarios/demo.json',
        '--grid',
        'strategy.spreadBps=4:10:1',
        ...duration,
        '--workers',
        '1',
        '--out',
        dir,
      ];
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      let gone = false;
      void exited.then(() => (gone = true));
      const deadline = Date.now() + 60_000;
      while (journalLines(dir) < 2 && !gone && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      child.kill('SIGKILL');
      await exited;
      done = journalLines(dir);
      if (done >= 2 && done < 7) break; // killed mid-sweep, as wanted
      expect(Date.now(), 'two runs were journaled within a minute').toBeLessThan(deadline);
    }
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(7);
    expect(existsSync(join(dir, 'results.csv'))).toBe(false); // nothing presented as complete
    const journal = join(dir, 'runs.jsonl');
    appendFileSync(journal, '{"index":6,"row":[["run",6],["con'); // as if killed in the middle of a write
    const resumed = cli(args.slice(1));
    expect(resumed.stdout).toMatch(/7 runs/);
    const indices = readFileSync(journal, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).index);
    expect([...indices].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const fresh = tmp();
    cli(['sweep', ...args.slice(2, -4), '--workers', '2', '--out', fresh]);
    expect(read(dir)).toBe(read(fresh));
  }, 240_000);

  it('a folder holding a different sweep is refused', () => {
    const result = spreadlab('sweep', 'scenarios/demo.json', '--grid', 'strategy.spreadBps=7', ...SHORT, '--out', single);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/holds a different sweep/);
  });
});
