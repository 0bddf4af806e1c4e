import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../spawn-cli.ts';

/**
 * What a command loads (start-up time is mostly module loading): the installed command is started with a
 * module loader hook (node:module register) that lists every module it loads.
 */
const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-loading-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

writeFileSync(
  join(tmp, 'list-loads.mjs'),
  `export async function load(url, context, next) {
  process.stderr.write('loaded ' + url + '\\n');
  return next(url, context);
}
`,
);
writeFileSync(join(tmp, 'hook.mjs'), `import { register } from 'node:module';\nregister('./list-loads.mjs', import.meta.url);\n`);

/** The URLs of the modules a spreadlab command loads, in order. */
function urlsLoaded(...args: string[]): string[] {
  return urlsLoadedByNode('bin/spreadlab.js', ...args);
}

/** The URLs of the modules `node args…` loads (in the package's folder), in order. */
function urlsLoadedByNode(...args: string[]): string[] {
  const result = spawnSync(process.execPath, ['--import', pathToFileURL(join(tmp, 'hook.mjs')).href, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: '1', NO_COLOR: '1', SPREADLAB_CACHE_DIR: join(tmp, 'cache') },
  });
  expect(result.status, result.stderr).toBe(0);
  return [...result.stderr.matchAll(/^loaded (\S+)$/gm)].map((m) => m[1]);
}

/** The files (paths under dist/ and node_modules/) a spreadlab command loads. */
function filesLoaded(...args: string[]): string[] {
  return urlsLoaded(...args).flatMap((url) => /^file:\/\/\S*?\/(dist\/\S+|node_modules\/\S+)$/.exec(url)?.[1] ?? []);
}

/**
 * The source modules whose code a command loads: the bundle (scripts/bundle.mjs) puts each module's code
 * into one file of dist/ under a `// src/<module>.ts` comment (esbuild's); packages by their paths.
 */
function modulesLoaded(...args: string[]): string[] {
  return filesLoaded(...args).flatMap((file) =>
    file.startsWith('dist/') ? [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^\/\/ (src\/\S+\.ts)$/gm)].map((m) => m[1]) : [file],
  );
}

/** Modules a backtest of synthetic data has no use for: they load with the first replay, or with `data synth`. */
const REPLAY_ONLY = [
  'src/data/replay-open.ts',
  'src/data/replay.ts',
  'src/data/cache.ts',
  'src/data/stream.ts',
  'src/data/tardis/reader.ts',
];

describe('module loading', () => {
  it('a backtest of a synthetic market loads no replay machinery, no file reader and no data writer', () => {
    const loaded = modulesLoaded(
      'backtest',
      'scenarios/demo.json',
      '--set',
      'durationSeconds=1',
      '--quiet',
      '--out',
      join(tmp, 'synthetic'),
    );
    expect(loaded).toContain('src/sim/run-scenario.ts');
    for (const module of [...REPLAY_ONLY, 'src/data/binance/raw.ts', 'src/data/lobster/reader.ts', 'src/data/synthetic/write-tardis.ts'])
      expect(loaded).not.toContain(module);
  });

  it("--help and a synthetic backtest load simple-statistics' functions without its unused tables (scripts/bundle.mjs)", () => {
    const out = join(tmp, 'light');
    for (const args of [['--help'], ['backtest', 'scenarios/demo.json', '--set', 'durationSeconds=1', '--quiet', '--out', out]]) {
      const code = filesLoaded(...args)
        .filter((file) => file.startsWith('dist/'))
        .map((file) => readFileSync(join(ROOT, file), 'utf8'))
        .join('\n');
      expect(code).not.toMatch(/simple-statistics\/dist\/|standard_normal_table/);
      if (args[0] === 'backtest') expect(code).toContain('simple-statistics/src/probit.js');
    }
  });

  it('a replay loads them', () => {
    const loaded = modulesLoaded(
      'backtest',
      'scenarios/btcusdt-spot-replay.json',
      '--set',
      'durationSeconds=5',
      '--quiet',
      '--out',
      join(tmp, 'replay'),
    );
    for (const module of REPLAY_ONLY) expect(loaded).toContain(module);
  });

  it("a user's strategy module that imports 'spreadlab' runs on the command's own engine, not on a second copy", () => {
    const urls = urlsLoaded(
      'backtest',
      'examples/strategies/ladder.json',
      '--set',
      'durationSeconds=5',
      '--quiet',
      '--out',
      join(tmp, 'module'),
    );
    expectOneEngine(urls, ['ladder.ts']);
  });

  it("several strategy modules loaded by one process (through the package's API) all run on its one engine", () => {
    // each module is loaded by tsx in a namespace of its own, registered after the hook that resolves 'spreadlab' for
    // the modules before it: the hook must come again ahead of every namespace (strategy/resolve.ts)
    const modules = ['ladder', 'join-touch', 'widen-after-fill'];
    const script = join(tmp, 'load-strategies.mjs');
    writeFileSync(
      script,
      `import { loadScenario } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/index.js')).href)};
for (const name of ${JSON.stringify(modules)}) await loadScenario(${JSON.stringify(join(ROOT, 'examples/strategies'))} + '/' + name + '.json');\n`,
    );
    expectOneEngine(
      urlsLoadedByNode(script),
      modules.map((name) => `${name}.ts`),
    );
  });
});

/** Each of `modules` (in examples/strategies/) was loaded, and the engine once, from dist/ (not from src/, nor again in a tsx namespace). */
function expectOneEngine(urls: string[], modules: string[]): void {
  for (const module of modules)
    expect(urls.some((url) => url.startsWith(pathToFileURL(join(ROOT, 'examples/strategies', module)).href))).toBe(true);
  // tsx loads a module in a namespace of its own (a query on its URL), and would load what it imports again there;
  // the engine is the package's own code (tsx itself, under node_modules, carries the namespace's query too)
  const engine = urls.filter(
    (url) => url.startsWith(pathToFileURL(ROOT).href) && !url.includes('/examples/') && !url.includes('/node_modules/'),
  );
  expect(engine.filter((url) => url.includes('?') || url.includes('/src/'))).toEqual([]);
  expect(engine.filter((url) => url === pathToFileURL(join(ROOT, 'dist/index.js')).href)).toHaveLength(1);
  expect(urls.filter((url) => url.includes('/node_modules/zod/') && url.includes('?'))).toEqual([]);
}
