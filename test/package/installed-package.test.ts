import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../spawn-cli.ts';

/**
 * spreadlab as a user gets it: `npm pack`, then `npm install <tarball>` in a fresh project outside the
 * repository, with a strategy file of the user's own (TypeScript, no build set up) that runs through the
 * installed (compiled) command in a backtest, a 2-worker sweep over one of its parameters, promote, a
 * paper session against `spreadlab serve` and a dry run; and a TypeScript script that imports the API and
 * type-checks against the shipped .d.ts. Dependencies come from npm's cache (filled by the repository's
 * own install), so the install needs no network when the versions match.
 */
const STRATEGY = `import { defineStrategy, roundToTick, z } from 'spreadlab';

// Quotes a fixed distance (in ticks) either side of the mid, cancel-and-replace every requoteMs.
export default defineStrategy({
  name: 'ticks-away',
  params: z.object({ size: z.number().positive(), ticks: z.number().int().positive(), requoteMs: z.number().positive().default(1000) }),
  create: (p) => async ({ venue, clock, market, tickSize }) => {
    do {
      const book = await venue.getSnapshot(market, 1);
      if (Number.isFinite(book.mid)) {
        await venue.cancelAllOrders(market);
        await venue.placeOrder({ market, side: 'buy', size: p.size, price: roundToTick(book.mid - p.ticks * tickSize, tickSize), postOnly: true });
        await venue.placeOrder({ market, side: 'sell', size: p.size, price: roundToTick(book.mid + p.ticks * tickSize, tickSize), postOnly: true });
      }
    } while (await clock.sleep(p.requoteMs));
  },
});
`;

const SCENARIO = {
  name: 'ticks-away',
  seed: 2,
  durationSeconds: 600,
  market: { symbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.001, makerFeeBps: -2, takerFeeBps: 5 },
  data: {
    kind: 'synthetic',
    model: 'random-walk',
    startPrice: 100,
    volatility: 0.01,
    levels: 20,
    levelSize: 0.02,
    tradesPerSecond: 2,
    tradeSize: 0.05,
  },
  venue: { latency: { model: 'constant', entryMs: 2, responseMs: 2 } },
  analytics: { horizonsSeconds: [1, 5], mainHorizonSeconds: 5 },
  strategy: { module: './ticks-away.ts', size: 0.01, ticks: 3 },
};

const API_SCRIPT = `import { analyzeRun, loadScenario, runScenario, type Summary } from 'spreadlab';

const scenario = await loadScenario('ticks-away.json', ['durationSeconds=120']);
const run = await runScenario(scenario, '.');
const summary: Summary = analyzeRun(run).summary;
const fills: number = summary.fills.count;
console.log(JSON.stringify({ fills, strategy: run.scenario.strategy, module: run.strategyModule?.sha256 }));
`;

let project: string;
let tarball: string;

function sh(command: string, args: string[], cwd = project): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 240_000, env: { ...process.env, CI: '1', NO_COLOR: '1' } });
  if (result.error) throw result.error;
  return result;
}

function ok(command: string, args: string[], cwd = project): string {
  const result = sh(command, args, cwd);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The installed command, as `npx spreadlab` runs it. */
const spreadlab = (...args: string[]): string => ok(process.execPath, [join(project, 'node_modules/spreadlab/bin/spreadlab.js'), ...args]);

beforeAll(() => {
  const packDir = mkdtempSync(join(tmpdir(), 'spreadlab-pack-'));
  // dist/ is fresh (the test setup builds it), so skip the prepare script's second build
  const packed = JSON.parse(ok('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], ROOT)) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = join(packDir, packed[0].filename);
  packedFiles = packed[0].files.map((f) => f.path);
  project = mkdtempSync(join(tmpdir(), 'spreadlab-user-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-mm', private: true, type: 'module' }));
  ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball]);
  writeFileSync(join(project, 'ticks-away.ts'), STRATEGY);
  writeFileSync(join(project, 'ticks-away.json'), JSON.stringify(SCENARIO, null, 2));
}, 300_000);

let packedFiles: string[] = [];

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the installed package, with a strategy file of the user', () => {
  it('ships the compiled package, its types and scenarios, and not the tests or sources', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli/main.js',
        'dist/sweep/worker.js',
        'bin/spreadlab.js',
        'scenarios/scenario.schema.json',
      ]),
    );
    expect(packedFiles.filter((f) => f.startsWith('test/') || f.startsWith('src/') || f.endsWith('.tsbuildinfo'))).toEqual([]);
  });

  it('backtests it through the installed, compiled command, and sweeps one of its parameters on 2 workers', () => {
    const out = spreadlab('backtest', 'ticks-away.json', '--out', 'run');
    expect(out).toContain('wrote run/');
    const summary = JSON.parse(readFileSync(join(project, 'run/summary.json'), 'utf8'));
    expect(summary.fills.count).toBeGreaterThan(0);
    const record = JSON.parse(readFileSync(join(project, 'run/run.json'), 'utf8'));
    expect(record.scenario.strategy).toEqual({ module: './ticks-away.ts', size: 0.01, ticks: 3, requoteMs: 1000 });
    expect(record.strategyModule.sha256).toMatch(/^[0-9a-f]{64}$/);

    spreadlab('sweep', 'ticks-away.json', '--grid', 'strategy.ticks=2,4', '--workers', '2', '--out', 'sweep');
    const rows = readFileSync(join(project, 'sweep/results.csv'), 'utf8').trim().split('\n');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('strategy.ticks');
    // each row is what a backtest of its configuration gives (synthetic sweeps number their seeds from 1)
    spreadlab('backtest', 'ticks-away.json', '--set', 'strategy.ticks=4', '--seed', '1', '--out', 'run-4');
    const four = JSON.parse(readFileSync(join(project, 'run-4/summary.json'), 'utf8'));
    const header = rows[0].split(',');
    expect(Number(rows[2].split(',')[header.indexOf('fills.count')])).toBe(four.fills.count);
  });

  it("prints spreadlab's version, not the version of the user's project", () => {
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-mm', version: '9.9.9', private: true, type: 'module' }));
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(spreadlab('--version').trim()).toBe(version);
  });

  it('reports a bad parameter of the module with its JSON path, exit 2, no stack trace', () => {
    const result = sh(process.execPath, [
      join(project, 'node_modules/spreadlab/bin/spreadlab.js'),
      'backtest',
      'ticks-away.json',
      '--set',
      'strategy.ticks=1.5',
      '--out',
      'bad',
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toMatch(/^spreadlab: ticks-away\.json: strategy\.ticks: .*integer/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('promotes the run, then trades it on paper against spreadlab serve, and dry', async () => {
    spreadlab('promote', 'run', '--out', 'configs/ticks.json', '--allow-no-oos', '--allow-few-fills', '--allow-nonpositive-spread');
    const config = JSON.parse(readFileSync(join(project, 'configs/ticks.json'), 'utf8'));
    expect(config.scenario.strategy.module).toBe('../ticks-away.ts');
    expect(config.provenance.strategyModule.sha256).toMatch(/^[0-9a-f]{64}$/);

    const serve = spawn(
      process.execPath,
      [join(project, 'node_modules/spreadlab/bin/spreadlab.js'), 'serve', '--scenario', 'ticks-away.json', '--speed', '5'],
      {
        cwd: project,
        env: { ...process.env, CI: '1', SPREADLAB_SERVE_API_KEY: 'key', SPREADLAB_SERVE_SECRET: 'secret' },
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        serve.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const match = /listening (http:\/\/\S+)/.exec(text);
          if (match) resolve(match[1]);
        });
        serve.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
        setTimeout(() => reject(new Error(`serve did not start: ${text}`)), 30_000);
      });
      for (const mode of ['--paper', '--dry-run']) {
        const out = `live${mode}`;
        spreadlab(
          'live',
          '--config',
          'configs/ticks.json',
          '--exchange',
          'binanceusdm',
          '--base-url',
          url,
          mode,
          '--minutes',
          '0.1',
          '--out',
          out,
        );
        expect(existsSync(join(project, out, 'summary.json'))).toBe(true);
        const events = readFileSync(join(project, out, 'orders.jsonl'), 'utf8');
        expect(events).toContain('"event":"start"');
      }
    } finally {
      serve.kill('SIGTERM');
    }

    // an edited module is not the one that was measured: live refuses it until it is promoted again
    writeFileSync(join(project, 'ticks-away.ts'), `${STRATEGY}// edited\n`);
    const refused = sh(process.execPath, [
      join(project, 'node_modules/spreadlab/bin/spreadlab.js'),
      'live',
      '--config',
      'configs/ticks.json',
      '--exchange',
      'binanceusdm',
      '--paper',
      '--minutes',
      '0.05',
      '--out',
      'refused',
    ]);
    writeFileSync(join(project, 'ticks-away.ts'), STRATEGY);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/strategy module .*ticks-away\.ts changed since it was promoted/);
  }, 180_000);

  it('a TypeScript program imports the API, type-checks against the shipped .d.ts and runs', () => {
    writeFileSync(join(project, 'use-api.ts'), API_SCRIPT);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['use-api.ts', 'ticks-away.ts'],
      }),
    );
    ok(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
    const printed = JSON.parse(ok(process.execPath, [join(project, 'node_modules/tsx/dist/cli.mjs'), 'use-api.ts']));
    expect(printed.fills).toBeGreaterThan(0);
    expect(printed.strategy).toEqual({ module: './ticks-away.ts', size: 0.01, ticks: 3, requoteMs: 1000 });
    expect(printed.module).toMatch(/^[0-9a-f]{64}$/);
    // and a type error in user code is caught against the shipped types
    writeFileSync(join(project, 'use-api.ts'), API_SCRIPT.replace('summary.fills.count', 'summary.fills.total'));
    expect(sh(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']).status).not.toBe(0);
  });
});
