import { createServer, type Server } from 'node:net';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/sim/scenario.ts';
import { startExchangeServer, type ExchangeServer } from '../../src/live/server/server.ts';
import {
  canMountTinyDisk,
  cli,
  DEMO,
  expectOk,
  expectUserError,
  fifo,
  isRoot,
  NOBODY,
  onTinyDisk,
  replayScenario,
  tardisMarket,
  tempDir,
  tinyDiskLeft,
  unreadable,
} from './corpus.ts';

/**
 * Classes 3 and 4 of issue 15: what a user's environment does wrong (a folder or FIFO or device where a
 * file belongs, an unreadable file, an output under a file, in an unwritable place or the current folder,
 * a full disk, a wrong API secret) is one line and exit 2, never a stack trace; and nothing hangs (a FIFO,
 * /proc, a busy port, an endless duration): each case has a deadline far below the test's.
 */
const CASE_MS = 60_000;
/** A case that must end quickly: a hang would be killed at this deadline and fail. */
const HANG_MS = 20_000;

describe('user errors are one line and exit 2 (class 3)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = tempDir();
  });

  it(
    'a flag that takes one value given twice names the flag (a repeatable one, such as --set, stays repeatable)',
    async () => {
      expectUserError(
        await cli(['backtest', ...DEMO, '--out', join(tmp, 'o1'), '--out', join(tmp, 'o2')], { timeoutMs: HANG_MS }),
        /--out: given 2 times \(give it once\)/,
      );
      expectUserError(await cli(['backtest', ...DEMO, '--seed', '1', '--seed', '2'], { timeoutMs: HANG_MS }), /--seed: given 2 times/);
      expectOk(
        await cli(['backtest', ...DEMO, '--set', 'durationSeconds=5', '--set', 'seed=3', '--out', join(tmp, 'o3')], { timeoutMs: CASE_MS }),
      );
    },
    CASE_MS,
  );

  it(
    'a folder given as a data file',
    async () => {
      expectUserError(await cli(['data', 'validate', tmp], { timeoutMs: HANG_MS }), /is a folder, not a file \(expected data file\)/);
    },
    CASE_MS,
  );

  it(
    'a FIFO given as a data file (validate, inspect, a replay)',
    async () => {
      const pipe = fifo(tmp, 'market.csv');
      expectUserError(await cli(['data', 'validate', pipe], { timeoutMs: HANG_MS }), /market\.csv: is a FIFO \(named pipe\), not a file/);
      expectUserError(await cli(['data', 'inspect', pipe], { timeoutMs: HANG_MS }), /is a FIFO/);
      expectUserError(await cli(['backtest', replayScenario(tmp, [pipe]), '--out', join(tmp, 'r1')], { timeoutMs: HANG_MS }), /is a FIFO/);
    },
    CASE_MS,
  );

  it(
    'a device given as a data file or a scenario',
    async () => {
      expectUserError(await cli(['data', 'validate', '/dev/null'], { timeoutMs: HANG_MS }), /\/dev\/null: is a device, not a file/);
      expectUserError(
        await cli(['backtest', '/dev/zero'], { timeoutMs: HANG_MS }),
        /\/dev\/zero: is a device, not a file \(expected scenario\)/,
      );
    },
    CASE_MS,
  );

  it(
    'a FIFO or a folder given as the scenario',
    async () => {
      expectUserError(await cli(['backtest', fifo(tmp, 'scenario.json')], { timeoutMs: HANG_MS }), /scenario\.json: is a FIFO/);
      expectUserError(await cli(['backtest', tmp], { timeoutMs: HANG_MS }), /is a folder, not a file \(expected scenario\)/);
    },
    CASE_MS,
  );

  it(
    'an unreadable data file',
    async () => {
      const { tradesFile } = tardisMarket(mkdirp(join(tmp, 'locked')));
      expectUserError(
        await cli(['data', 'validate', tradesFile], unreadable(tradesFile)),
        /cannot read data file: permission denied \(EACCES\)/,
      );
    },
    CASE_MS,
  );

  it(
    'an unreadable scenario',
    async () => {
      const file = join(tmp, 'secret-scenario.json');
      writeFileSync(file, '{}');
      expectUserError(
        await cli(['backtest', file], unreadable(file)),
        /secret-scenario\.json: cannot read scenario: permission denied \(EACCES\)/,
      );
    },
    CASE_MS,
  );

  it(
    '--out under a file',
    async () => {
      const file = join(tmp, 'a-file');
      writeFileSync(file, 'x');
      expectUserError(
        await cli(['backtest', ...DEMO, '--out', join(file, 'run')]),
        /lies under a file, not a folder \(.*a-file is a file\)/,
      );
      expectUserError(
        await cli(['sweep', 'scenarios/demo.json', '--grid', 'strategy.spreadBps=5', '--out', join(file, 'sweep')]),
        /lies under a file/,
      );
      expectUserError(await cli(['data', 'convert', join(tmp, 'none.csv'), '--out', join(file, 'x')]), /lies under a file/);
    },
    CASE_MS,
  );

  it(
    '--out in a place the user cannot write',
    async () => {
      chmodSync(tmp, 0o755); // the user can reach the folder, not write in it
      const locked = mkdirp(join(tmp, 'read-only'));
      chmodSync(locked, 0o555);
      const as = isRoot ? { uid: NOBODY, env: { HOME: tmp } } : {};
      expectUserError(
        await cli(['backtest', ...DEMO, '--out', join(locked, 'run')], as),
        /cannot write the run folder in .*read-only \(permission denied \(EACCES\)\)/,
      );
    },
    CASE_MS,
  );

  it(
    '--out . (or a folder holding the current one)',
    async () => {
      expectUserError(
        await cli(['backtest', ...DEMO, '--out', '.']),
        /^spreadlab: \.: the run folder cannot be the current folder or one that contains it/,
      );
      expectUserError(await cli(['backtest', ...DEMO, '--out', '..']), /cannot be the current folder or one that contains it/);
      expectUserError(
        await cli(['sweep', 'scenarios/demo.json', '--grid', 'strategy.spreadBps=5', '--out', '.']),
        /cannot be the current folder/,
      );
    },
    CASE_MS,
  );

  it(
    'sweep or data convert --out onto a file',
    async () => {
      const file = join(tmp, 'results.txt');
      writeFileSync(file, 'mine');
      expectUserError(
        await cli(['sweep', 'scenarios/demo.json', '--grid', 'strategy.spreadBps=5', '--out', file]),
        /results\.txt: is a file, not a folder/,
      );
      const { tradesFile } = tardisMarket(mkdirp(join(tmp, 'convert-in')));
      expectUserError(await cli(['data', 'convert', tradesFile, '--out', file]), /results\.txt: is a file, not a folder/);
    },
    CASE_MS,
  );

  it.skipIf(!canMountTinyDisk)(
    'a full disk under a backtest: one line, no temporary file left',
    async () => {
      const disk = mkdirp(join(tmp, 'disk-backtest'));
      const r = await cli(['backtest', ...DEMO, '--out', join(disk, 'run')], onTinyDisk(disk, '64k'));
      expectUserError(r, /cannot write \(no space left on device \(ENOSPC\)\)/);
      expect(Object.keys(tinyDiskLeft(r).files)).toEqual([]);
    },
    CASE_MS,
  );

  it.skipIf(!canMountTinyDisk)(
    'a full disk under a sweep: one line, no torn journal line, no temporary file',
    async () => {
      const disk = mkdirp(join(tmp, 'disk-sweep'));
      const out = join(disk, 'sweep');
      const r = await cli(
        [
          'sweep',
          'scenarios/demo.json',
          '--grid',
          'strategy.spreadBps=4:40:2',
          '--set',
          'durationSeconds=30',
          '--workers',
          '1',
          '--out',
          out,
        ],
        onTinyDisk(disk, '16k'),
      );
      expectUserError(r, /no space left on device \(ENOSPC\)/);
      const left = tinyDiskLeft(r);
      expect(Object.keys(left.files).filter((f) => /tmp|partial|\.lock/.test(f))).toEqual([]);
      const lines = left.journals.split('\n').slice(1).filter(Boolean);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line), `a whole journal line: ${line.slice(0, 60)}`).not.toThrow();
    },
    CASE_MS,
  );

  it.skipIf(!canMountTinyDisk)(
    'a full disk under data convert: one line, no partial file',
    async () => {
      const disk = mkdirp(join(tmp, 'disk-convert'));
      const r = await cli(
        ['data', 'convert', '../shared/data/binance-raw/spot/btcusdt_20240808.gz', '--out', join(disk, 'out')],
        onTinyDisk(disk, '64k'),
      );
      expectUserError(r, /no space left on device \(ENOSPC\)/);
      expect(Object.keys(tinyDiskLeft(r).files).filter((f) => /partial|tmp/.test(f))).toEqual([]);
    },
    CASE_MS,
  );

  describe('live with a wrong API secret', () => {
    let server: ExchangeServer;
    beforeAll(async () => {
      const scenario = parseScenario(
        {
          name: 'auth',
          durationSeconds: 600,
          market: { symbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.001 },
          data: {
            kind: 'synthetic',
            model: 'random-walk',
            startPrice: 100,
            volatility: 0.002,
            levelSize: 0.02,
            tradesPerSecond: 1,
            tradeSize: 0.001,
          },
          strategy: { name: 'fixed-spread', spreadBps: 10, size: 0.01 },
        },
        'auth',
      );
      server = await startExchangeServer({ scenario, baseDir: '.', port: 0, apiKey: 'the-key', secret: 'the-right-secret' });
    }, CASE_MS);
    afterAll(async () => server?.close());

    it(
      'exits 2 with one line naming the exchange, AuthenticationError and the variables to check',
      async () => {
        const config = join(tmp, 'auth-config.json');
        writeFileSync(
          config,
          JSON.stringify({
            kind: 'spreadlab-live-config',
            version: 1,
            name: 'auth',
            scenario: {
              name: 'auth',
              market: { symbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.001 },
              data: { kind: 'replay', files: ['none.csv'] },
              strategy: { name: 'fixed-spread', spreadBps: 10, size: 0.01 },
            },
            risk: { maxPosition: 1, maxLoss: 100, maxOrdersPerMinute: 600 },
            provenance: { source: 'test' },
          }),
        );
        const r = await cli(
          ['live', '--config', config, '--base-url', server.url, '--out', join(tmp, 'auth-run'), '--minutes', '1', '--quiet'],
          {
            env: { SPREADLAB_API_KEY: 'the-key', SPREADLAB_API_SECRET: 'a-wrong-secret' },
          },
        );
        expectUserError(
          r,
          /binanceusdm refused the request \(AuthenticationError: .*-1022.*\): check SPREADLAB_API_KEY and SPREADLAB_API_SECRET/,
        );
        expect(r.stderr).not.toContain('a-wrong-secret');
      },
      CASE_MS,
    );
  });
});

describe('nothing hangs (class 4)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = tempDir();
  });

  for (const out of ['/proc/spreadlab-x', '/proc/self/spreadlab', '/sys/spreadlab/x']) {
    it(
      `--out ${out}: refused at once`,
      async () => {
        expectUserError(await cli(['backtest', ...DEMO, '--out', out], { timeoutMs: HANG_MS }), /a kernel pseudo file system, not storage/);
      },
      CASE_MS,
    );
  }

  it(
    'a cache folder inside /proc: a warning, and the replay runs without the cache',
    async () => {
      const { bookFile, tradesFile } = tardisMarket(tmp, { prefix: 'cache-proc' });
      const scenario = replayScenario(tmp, [bookFile, tradesFile], {}, { cache: true });
      const r = await cli(['backtest', scenario, '--quiet', '--out', join(tmp, 'proc-cache-run')], {
        timeoutMs: HANG_MS,
        env: { SPREADLAB_CACHE_DIR: '/proc/spreadlab-cache' },
      });
      expectOk(r);
      expect(r.stderr).toMatch(/^spreadlab: warning: cannot use the data cache folder \/proc\/spreadlab-cache .*: replaying without it$/m);
    },
    CASE_MS,
  );

  describe('serve on a busy port', () => {
    let busy: Server;
    let port: number;
    beforeAll(async () => {
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      port = (busy.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

    it(
      'exits 2 at once, naming the port',
      async () => {
        const r = await cli(['serve', '--scenario', 'scenarios/demo.json', '--port', String(port)], { timeoutMs: HANG_MS });
        expectUserError(r, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(the port is in use`));
      },
      CASE_MS,
    );
  });

  const endless: [string, string[], RegExp][] = [
    ['durationSeconds 1e12', ['--set', 'durationSeconds=1e12'], /durationSeconds: expected a number > 0 and ≤ 2592000, got 1000000000000/],
    ['durationSeconds 1e400 (Infinity)', ['--set', 'durationSeconds=1e400'], /durationSeconds: expected a finite number, got Infinity/],
    [
      'requoteMs 0 (a loop without time passing)',
      ['--set', 'strategy.requoteMs=0'],
      /strategy\.requoteMs: expected a number from 1 to 86400000, got 0/,
    ],
    [
      'refreshMs 0.0001 (a market refreshing ten million times a second)',
      ['--set', 'data.refreshMs=0.0001'],
      /data\.refreshMs: expected a number from 1/,
    ],
    [
      'a sampling interval of 1 ms over 30 days',
      ['--set', 'durationSeconds=2592000', '--set', 'analytics.sampleSeconds=0.001'],
      /analytics\.sampleSeconds 0\.001: 2592000000 samples/,
    ],
    ['a latency of a year', ['--set', 'venue.latency.entryMs=31536000000'], /venue\.latency\.entryMs: expected a number from 0 to 60000/],
  ];
  for (const [name, set, pattern] of endless) {
    it(
      `${name}: refused before any work`,
      async () => {
        expectUserError(
          await cli(['backtest', 'scenarios/demo.json', ...set, '--out', join(tmp, 'endless')], { timeoutMs: HANG_MS }),
          pattern,
        );
      },
      CASE_MS,
    );
  }

  it(
    'live and record --minutes beyond what a timer can wait: refused',
    async () => {
      expectUserError(
        await cli(['record', '--symbol', 'X', '--minutes', '1e12'], { timeoutMs: HANG_MS }),
        /--minutes 1000000000000: expected a number > 0 and ≤ 34560/,
      );
      expectUserError(
        await cli(['live', '--config', 'none.json', '--minutes', '-1'], { timeoutMs: HANG_MS }),
        /--minutes -1: expected a number > 0/,
      );
    },
    CASE_MS,
  );
});

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
