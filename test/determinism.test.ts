import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spreadlab } from './spawn-cli.ts';

/**
 * Convention 3: the same scenario, data and seed give byte-identical outputs in any process. Each run here
 * is a separate CLI process writing to its own temp folder.
 */
const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-determinism-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function backtest(out: string, ...extra: string[]): void {
  const r = spreadlab('backtest', 'scenarios/demo.json', '--set', 'durationSeconds=300', '--quiet', '--out', out, ...extra);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

const read = (dir: string, file: string) => readFileSync(join(dir, file));

describe('determinism', () => {
  const a = join(tmp, 'a');
  const b = join(tmp, 'b');
  const c = join(tmp, 'c');

  beforeAll(() => {
    backtest(a);
    backtest(b);
    backtest(c, '--seed', '2');
  });

  it('two runs of the same scenario and seed are byte-identical, file by file', () => {
    const files = readdirSync(a).sort();
    for (const file of ['fills.csv', 'run.json', 'summary.json']) expect(files).toContain(file);
    expect(readdirSync(b).sort()).toEqual(files);
    for (const file of files) {
      const left = read(a, file);
      const right = read(b, file);
      expect(left.length, file).toBeGreaterThan(0);
      expect(left.equals(right), `${file} differs between two identical runs`).toBe(true);
    }
    // the runs did trade, so identical fills mean something
    expect(read(a, 'fills.csv').toString('utf8').trimEnd().split('\n').length).toBeGreaterThan(10);
  });

  it('a different seed gives a different fills.csv', () => {
    expect(read(a, 'fills.csv').equals(read(c, 'fills.csv'))).toBe(false);
    expect(JSON.parse(read(c, 'run.json').toString('utf8')).seed).toBe(2);
  });
});
