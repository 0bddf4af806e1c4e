import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

it('a sweep with worker threads runs from a program given as `node --input-type=module -e` (its flags reach no thread)', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'spreadlab-input-type-')), 'sweep');
  const program = `import { sweep } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/index.js')).href)};
await sweep({ scenarioFile: 'scenarios/demo.json', overrides: ['durationSeconds=30'], grid: ['strategy.spreadBps=2,4'], seeds: 1, workers: 2, out: ${JSON.stringify(out)}, shard: null, objective: 'pnl.total', minimize: false, require: [] });`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', program], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  expect(result.stderr).not.toContain('ERR_INPUT_TYPE_NOT_ALLOWED');
  expect(result.status).toBe(0);
  expect(existsSync(join(out, 'results.csv'))).toBe(true);
});
