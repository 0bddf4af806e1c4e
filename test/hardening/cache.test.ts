import { mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canMountTinyDisk, cli, expectOk, onTinyDisk, replayScenario, tardisMarket, tempDir, tinyDiskLeft } from './corpus.ts';

/**
 * Class 8 of issue 15: the decoded-data cache. A damaged entry (bytes flipped, cut short, replaced) is found
 * by its checksum, rebuilt with a warning, and the results are those of a clean run; a cache that cannot be
 * written (a full disk, a file where the folder should be) is a warning, and the replay goes on without it.
 */
const CASE_MS = 90_000;

describe('cache integrity (class 8)', () => {
  let tmp: string;
  let scenario: string;
  let streamed: string;
  let clean: { summary: string; fills: string };

  const run = async (name: string, env: Record<string, string>, file = scenario) => {
    const out = join(tmp, name);
    const r = await cli(['backtest', file, '--quiet', '--out', out], { env });
    expectOk(r);
    return { r, summary: readFileSync(join(out, 'summary.json'), 'utf8'), fills: readFileSync(join(out, 'fills.csv'), 'utf8') };
  };
  // the decode units' entries and, after an in-memory replay, the whole replay's (replays/, cache.ts)
  const entries = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.cols'));

  beforeAll(async () => {
    tmp = tempDir();
    const m = tardisMarket(tmp, { seconds: 600 });
    scenario = replayScenario(tmp, [m.bookFile, m.tradesFile], {}, { cache: true });
    streamed = replayScenario(tmp, [m.bookFile, m.tradesFile], {}, { cache: true, stream: true });
    const without = await run('no-cache', { SPREADLAB_CACHE_DIR: join(tmp, 'unused') }, replayScenario(tmp, [m.bookFile, m.tradesFile]));
    clean = { summary: without.summary, fills: without.fills };
  }, CASE_MS);

  const damages: [string, (file: string) => void][] = [
    [
      '16 bytes flipped inside the columns',
      (file) => {
        const bytes = readFileSync(file);
        const columns = 16 + bytes.readUInt32LE(8); // past the prefix and the JSON header (its room included)
        for (let i = 0; i < 16; i++) bytes[columns + Math.floor((bytes.length - columns) * 0.6) + i] ^= 0xa5;
        writeFileSync(file, bytes);
      },
    ],
    [
      'one byte of the header changed',
      (file) => {
        const bytes = readFileSync(file);
        const digit = bytes.indexOf('"lines":', 0, 'latin1') + 8;
        bytes[digit] = bytes[digit] === 0x31 ? 0x32 : 0x31;
        writeFileSync(file, bytes);
      },
    ],
    ['cut short', (file) => truncateSync(file, Math.floor(readFileSync(file).length / 2))],
    ['replaced by other bytes', (file) => writeFileSync(file, 'not a cache file at all')],
  ];
  for (const [name, damage] of damages) {
    it(
      `an entry ${name}: rebuilt with a warning, the results those of a clean run`,
      async () => {
        const dir = join(tmp, `cache-${name.replace(/\W+/g, '-')}`);
        const first = await run(`${name}-1`, { SPREADLAB_CACHE_DIR: dir });
        expect(first.r.stderr).toBe('');
        const files = entries(dir);
        expect(files).toHaveLength(3);
        for (const f of files) damage(join(dir, f));
        const second = await run(`${name}-2`, { SPREADLAB_CACHE_DIR: dir });
        expect(
          second.r.stderr.match(
            /warning: the data cache entry .* is corrupt \(it fails its checksum\): decoding the data again and rewriting it/g,
          ),
        ).toHaveLength(3);
        expect([second.summary, second.fills]).toEqual([clean.summary, clean.fills]);
        const third = await run(`${name}-3`, { SPREADLAB_CACHE_DIR: dir });
        expect(third.r.stderr, 'rewritten whole: no warning the next time').toBe('');
        expect([third.summary, third.fills]).toEqual([clean.summary, clean.fills]);
      },
      CASE_MS,
    );
  }

  it(
    'a streamed replay over a damaged entry: rebuilt, the same results',
    async () => {
      const dir = join(tmp, 'cache-stream');
      await run('stream-1', { SPREADLAB_CACHE_DIR: dir }, streamed);
      for (const f of entries(dir)) truncateSync(join(dir, f), 100);
      const again = await run('stream-2', { SPREADLAB_CACHE_DIR: dir }, streamed);
      expect(again.r.stderr).toMatch(/is corrupt/);
      expect([again.summary, again.fills]).toEqual([clean.summary, clean.fills]);
    },
    CASE_MS,
  );

  it(
    'a streamed replay entry with bytes flipped inside its columns: found as the run reads it, the run made again over a rebuilt entry, the same results',
    async () => {
      const dir = join(tmp, 'cache-stream-flipped');
      await run('stream-flipped-1', { SPREADLAB_CACHE_DIR: dir }, streamed);
      const damaged = entries(dir).filter((f) => f.startsWith('streams'));
      expect(damaged).toHaveLength(2);
      for (const f of damaged) damages[0][1](join(dir, f));
      const again = await run('stream-flipped-2', { SPREADLAB_CACHE_DIR: dir }, streamed);
      expect(again.r.stderr).toMatch(
        /^spreadlab: warning: the data cache entry .*\.cols is corrupt \(it fails its checksum\): decoding the data again and rewriting it, and running again$/m,
      );
      expect([again.summary, again.fills]).toEqual([clean.summary, clean.fills]);
      const third = await run('stream-flipped-3', { SPREADLAB_CACHE_DIR: dir }, streamed);
      expect(third.r.stderr, 'rewritten whole: no warning the next time').toBe('');
      expect([third.summary, third.fills]).toEqual([clean.summary, clean.fills]);
    },
    CASE_MS,
  );

  it(
    'a file where the cache folder should be: a warning, the replay runs without the cache',
    async () => {
      const file = join(tmp, 'cache-is-a-file');
      writeFileSync(file, 'x');
      const r = await run('cache-file', { SPREADLAB_CACHE_DIR: file });
      expect(r.r.stderr).toMatch(/^spreadlab: warning: cannot use the data cache folder .*cache-is-a-file .*: replaying without it$/m);
      expect([r.summary, r.fills]).toEqual([clean.summary, clean.fills]);
      const s = await run('cache-file-stream', { SPREADLAB_CACHE_DIR: file }, streamed);
      expect([s.summary, s.fills]).toEqual([clean.summary, clean.fills]);
    },
    CASE_MS,
  );

  it.skipIf(!canMountTinyDisk)(
    'a full cache disk: a warning, no partial entry, the replay runs from memory',
    async () => {
      for (const [name, file] of [
        ['full', scenario],
        ['full-stream', streamed],
      ] as const) {
        const disk = join(tmp, `disk-${name}`);
        mkdirSync(disk);
        const out = join(tmp, `${name}-run`);
        const r = await cli(['backtest', file, '--quiet', '--out', out], {
          env: { SPREADLAB_CACHE_DIR: join(disk, 'cache') },
          ...onTinyDisk(disk, '8k'),
        });
        expectOk(r);
        expect(r.stderr).toMatch(
          name === 'full'
            ? /warning: cannot write the data cache \(no space left on device \(ENOSPC\)/
            : /warning: a streamed replay needs room for the data cache \(no space left on device \(ENOSPC\).*replaying from memory instead|warning: cannot write the data cache \(no space left/,
        );
        expect([readFileSync(join(out, 'summary.json'), 'utf8'), readFileSync(join(out, 'fills.csv'), 'utf8')]).toEqual([
          clean.summary,
          clean.fills,
        ]);
        expect(
          Object.keys(tinyDiskLeft(r).files).filter((f) => f.includes('.tmp')),
          'no temporary file left',
        ).toEqual([]);
      }
    },
    CASE_MS,
  );
});
