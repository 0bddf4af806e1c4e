import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, spreadlab, spreadlabOk } from '../spawn-cli.ts';

// Inside the repository, so that the written files' `import ... from 'spreadlab'` resolves to this package
// (by self-reference), as it resolves to the installed package in a user's project.
mkdirSync(join(ROOT, '.cache'), { recursive: true });
const work = mkdtempSync(join(ROOT, '.cache', 'new-strategy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const NAME = 'my-quoter';
const FILES = [`${NAME}.ts`, `${NAME}.json`, `${NAME}.test.ts`];

/** Runs a command with `node` from `cwd`. */
function node(args: string[], cwd: string) {
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, CI: '1', NO_COLOR: '1' } });
}

describe('spreadlab new strategy (real CLI)', () => {
  const dir = join(work, 'strategies');
  let written: ReturnType<typeof spreadlab>;

  beforeAll(() => {
    written = spreadlab('new', 'strategy', NAME, '--dir', dir);
  });

  it('writes NAME.ts, NAME.json and NAME.test.ts into --dir, and prints them and the next commands', () => {
    expect(written.stderr).toBe('');
    expect(written.status).toBe(0);
    for (const file of FILES) {
      expect(existsSync(join(dir, file))).toBe(true);
      expect(written.stdout).toContain(`wrote ${relative(ROOT, join(dir, file))}`);
    }
    expect(written.stdout).toContain(`npx spreadlab backtest ${relative(ROOT, join(dir, `${NAME}.json`))}`);
    expect(JSON.parse(readFileSync(join(dir, `${NAME}.json`), 'utf8')).strategy.module).toBe(`./${NAME}.ts`);
    expect(readFileSync(join(dir, `${NAME}.ts`), 'utf8')).toContain(`name: '${NAME}'`);
  });

  it('writes a scenario that backtests as written, trading exactly as the built-in inventory-skew it starts from', () => {
    const scenarioFile = join(dir, `${NAME}.json`);
    spreadlabOk(['backtest', scenarioFile, '--out', join(work, 'run')]);
    const fills = readFileSync(join(work, 'run', 'fills.csv'), 'utf8');
    expect(fills.trim().split('\n').length).toBeGreaterThan(50);

    const { module: _module, ...params } = JSON.parse(readFileSync(scenarioFile, 'utf8')).strategy;
    const builtIn = join(work, 'built-in.json');
    writeFileSync(
      builtIn,
      JSON.stringify({ ...JSON.parse(readFileSync(scenarioFile, 'utf8')), strategy: { name: 'inventory-skew', ...params } }),
    );
    spreadlabOk(['backtest', builtIn, '--out', join(work, 'run-built-in')]);
    expect(fills).toBe(readFileSync(join(work, 'run-built-in', 'fills.csv'), 'utf8'));
  });

  it("writes TypeScript that type-checks with the repository's tsc (strict, as the project's own code)", () => {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), include: FILES.filter((f) => f.endsWith('.ts')) }),
    );
    const tsc = node([join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'], dir);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it("writes a test that passes with the repository's vitest", () => {
    writeFileSync(join(dir, 'vitest.config.mjs'), 'export default {};\n'); // not the repository's config (test/** only)
    const vitest = node([join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', '.', '--config', './vitest.config.mjs'], dir);
    expect(vitest.status, vitest.stdout + vitest.stderr).toBe(0);
    expect(vitest.stdout).toMatch(/Tests\s+1 passed/);
  });

  it('writes into the current folder by default, naming the files from there', () => {
    const here = join(work, 'here');
    mkdirSync(here);
    const run = node([join(ROOT, 'bin/spreadlab.js'), 'new', 'strategy', 'at-home'], here);
    expect(run.status).toBe(0);
    for (const file of ['at-home.ts', 'at-home.json', 'at-home.test.ts']) expect(existsSync(join(here, file))).toBe(true);
    expect(run.stdout).toContain('npx spreadlab backtest at-home.json\n');
  });

  it('refuses to overwrite any of the files: exit 2 naming it, and nothing written', () => {
    const taken = join(work, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, `${NAME}.test.ts`), 'mine\n');
    const run = spreadlab('new', 'strategy', NAME, '--dir', taken);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      `spreadlab: new strategy: ${join(taken, `${NAME}.test.ts`)} exists; not overwriting it (choose another name or --dir)\n`,
    );
    expect(existsSync(join(taken, `${NAME}.ts`))).toBe(false);
    expect(existsSync(join(taken, `${NAME}.json`))).toBe(false);
    expect(readFileSync(join(taken, `${NAME}.test.ts`), 'utf8')).toBe('mine\n');
  });

  it('refuses a name that is not lower-case words joined by "-", writing nothing', () => {
    const bad = join(work, 'bad');
    for (const name of ['MyQuoter', 'my_quoter', 'my-', 'my--quoter', 'my.quoter', '..']) {
      const run = spreadlab('new', 'strategy', name, '--dir', bad);
      expect(run.status).toBe(2);
      expect(run.stderr).toBe(`spreadlab: new strategy: name must be lower-case words joined by "-", got ${JSON.stringify(name)}\n`);
    }
    expect(existsSync(bad)).toBe(false);
  });
});
