import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    const mean = (i: number, column: string) => (Number(rows[i][column]) + Number(rows[i + 1][column])) / 2;
    const eligible = [0, 2, 4, 6].filter((i) => mean(i, 'fills.count') >= 30);
    expect(eligible.length).toBeGreaterThan(0);
    expect(best.best.objectiveMean).toBeCloseTo(Math.max(...eligible.map((i) => mean(i, 'pnl.total'))), 12);
    expect(best.require).toEqual(['fills.count>=30']);
    // counts stay whole numbers in best.json
    for (const [key, value] of Object.entries(best.best.figures as Record<string, number | null>))
      if (/(^|\.)(count|buys|sells|sent|rejected|cancelled|requotes|incomplete)$|^events$/.test(key) && value !== null)
        expect(Number.isInteger(value), key).toBe(true);
  });

  it('configs.csv: per configuration the mean, sd and 95% interval across seeds of each metric, equal to results.csv', () => {
    const rows = parseCsv(read(single));
    const configs = parseCsv(read(single, 'configs.csv'));
    expect(configs).toHaveLength(4);
    for (const c of configs) {
      const runs = rows.filter((r) => r.config === c.config).map((r) => Number(r['pnl.total']));
      expect(runs).toHaveLength(2);
      const m = (runs[0] + runs[1]) / 2;
      const sd = Math.abs(runs[0] - runs[1]) / Math.SQRT2;
      expect(Number(c['pnl.total'])).toBeCloseTo(m, 12);
      expect(Number(c['pnl.total.sd'])).toBeCloseTo(sd, 12);
      expect(Number(c['pnl.total.ci95High'])).toBeCloseTo(m + (12.7062 * sd) / Math.SQRT2, 9);
      expect(c.considered).toBe(String(Number(c['fills.count']) >= 30));
    }
  });

  it('spreadlab report SWEEP_DIR re-renders sweep.html and configs.csv as the sweep wrote them', () => {
    const page = read(single, 'sweep.html');
    const configs = read(single, 'configs.csv');
    const out = cli(['report', single]);
    expect(out.stdout).toContain('sweep.html');
    expect(read(single, 'sweep.html')).toBe(page);
    expect(read(single, 'configs.csv')).toBe(configs);
  });

  it('report re-renders only a folder spreadlab marked, and leaves its journal as it found it (a torn last line too)', () => {
    const copy = join(tmp(), 'copy');
    cpSync(single, copy, { recursive: true });
    appendFileSync(join(copy, 'runs.jsonl'), '{"index": 99, "ro');
    const journal = read(copy, 'runs.jsonl');
    cli(['report', copy]);
    expect(read(copy, 'runs.jsonl')).toBe(journal); // only a sweep, under its lock, cuts a torn line
    rmSync(join(copy, '.spreadlab'));
    const refused = spreadlab('report', copy);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('not a folder spreadlab wrote');
  });

  it('sweep --help names only flags that exist', () => {
    const help = cli(['sweep', '--help']).stdout;
    expect(help).not.toContain('--shards');
    expect(help).toContain('--min-fills');
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
