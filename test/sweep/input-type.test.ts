import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** Runs a program sweeping with two worker threads through the built package, with `flags` before `-e`. */
function sweepWith(flags: string[]) {
  const out = join(mkdtempSync(join(tmpdir(), 'spreadlab-input-type-')), 'sweep');
  const program = `import { sweep } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/index.js')).href)};
await sweep({ scenarioFile: 'scenarios/demo.json', overrides: ['durationSeconds=30'], grid: ['strategy.spreadBps=2,4'], seeds: 1, workers: 2, out: ${JSON.stringify(out)}, shard: null, objective: 'pnl.total', minimize: false, require: [] });`;
  const result = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', program], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { ...result, wrote: existsSync(join(out, 'results.csv')) };
}

it('a sweep with worker threads runs from a program given as `node --input-type=module -e` (the flag applies to the one-line entry of each thread, not to its module file)', () => {
  const result = sweepWith([]);
  expect(result.stderr).not.toContain('ERR_INPUT_TYPE_NOT_ALLOWED');
  expect(result.status).toBe(0);
  expect(result.wrote).toBe(true);
});

it('a sweep with worker threads runs in a process given V8 flags (`node --max-old-space-size=…`): the threads inherit them', () => {
  const result = sweepWith(['--max-old-space-size=2048', '--stack-size=900']);
  expect(result.stderr).not.toContain('ERR_WORKER_INVALID_EXEC_ARGV');
  expect(result.status).toBe(0);
  expect(result.wrote).toBe(true);
});
