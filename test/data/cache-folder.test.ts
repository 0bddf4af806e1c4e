import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCache, pruneCache, STALE_MS, type CacheItem } from '../../src/data/cache-folder.ts';
import { ChunkedCacheWriter, markUsed, openCacheFile, readCache, writeCache } from '../../src/data/cache.ts';
import { allocateColumns, Kind, type EventColumns } from '../../src/data/columns.ts';
import { spreadlab } from '../spawn-cli.ts';
import { tempDir } from './helpers.ts';

/**
 * The data cache folder's listing and pruning (src/data/cache-folder.ts, `spreadlab data cache`), on a
 * crafted folder: entries of each kind written by the cache's own writers, an entry of another format, a
 * damaged one, temporary files of a stopped writer and of running ones, and files that are not spreadlab's
 * (a name no writer gives, another content, a symbolic link).
 */
const DAY_MS = 24 * 60 * 60 * 1000;
const key = (n: number) => n.toString(16).padStart(40, '0');

function rows(count: number): EventColumns {
  const c = allocateColumns(count) as EventColumns;
  for (let i = 0; i < count; i++) {
    c.kind[i] = Kind.TRADE;
    c.exchTs[i] = c.localTs[i] = 1_000 + i;
    c.price[i] = 100;
    c.size[i] = 1;
  }
  return { ...c, length: count, price2: new Float64Array(0), size2: new Float64Array(0) };
}

/** Sets a file's access time `accessAgo` and modification time `modifiedAgo` ms back. */
function age(path: string, accessAgo: number, modifiedAgo = accessAgo): void {
  utimesSync(path, (Date.now() - accessAgo) / 1000, (Date.now() - modifiedAgo) / 1000);
}

/** A process id that was just in use and is not any more. */
function stoppedPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function craftedFolder() {
  const dir = tempDir();
  for (const sub of ['replays', 'streams', 'sha256']) mkdirSync(join(dir, sub));
  const outside = join(tempDir(), `${key(99)}.cols`);
  const meta = { format: 'tardis trades', symbol: 'BTCUSDT', lines: 10, dropped: 0, gaps: 0 };
  const units = { units: [{ ...meta, rows: 10, unit: 0 }], localShiftUs: 0 };
  const files = {
    decoded: `${key(1)}.cols`,
    replay: join('replays', `${key(2)}.cols`),
    feed: join('streams', `${key(3)}.feed.cols`),
    venue: join('streams', `${key(3)}.venue.cols`),
    lone: join('streams', `${key(4)}.feed.cols`),
    loneFresh: join('streams', `${key(12)}.venue.cols`),
    otherFormat: `${key(5)}.cols`,
    damaged: `${key(6)}.cols`,
    notOurs: `${key(7)}.cols`,
    notes: 'notes.txt',
    link: `${key(13)}.cols`,
    stopped: `${key(8)}.cols.tmp-${stoppedPid()}-1.exchTs`,
    running: `${key(9)}.cols.tmp-${process.pid}`,
    fresh: `${key(10)}.cols.tmp-${stoppedPid()}`,
    stoppedMemo: join('sha256', `.${key(14)}.tmp-${stoppedPid()}`),
    lookalike: `${key(15)}.cols.tmp-${stoppedPid()}.swp`,
    bareTmp: `${key(16)}.tmp-${stoppedPid()}`,
    memo: join('sha256', key(11)),
  };
  const at = (name: keyof typeof files) => join(dir, files[name]);
  expect(writeCache(at('decoded'), rows(10), meta, [])).toBe(true);
  expect(writeCache(at('replay'), rows(10), units, [], new Int32Array(10).map((_, i) => i))).toBe(true);
  expect(writeCache(at('feed'), rows(10), { ...units, maxFeedLagUs: 0, startTs: 0, lastTs: 0 }, [])).toBe(true);
  expect(writeCache(at('venue'), rows(10), { venue: true }, [])).toBe(true);
  expect(writeCache(at('lone'), rows(10), units, [])).toBe(true);
  expect(writeCache(at('loneFresh'), rows(10), units, [])).toBe(true);
  writeFileSync(at('otherFormat'), Buffer.concat([Buffer.from('SPLCOLS2', 'latin1'), Buffer.alloc(64)]));
  const damaged = Buffer.alloc(64);
  damaged.write('SPLCOLS3', 0, 'latin1');
  damaged.writeUInt32LE(20, 8);
  damaged.write('{not json', 16, 'latin1');
  writeFileSync(at('damaged'), damaged);
  writeFileSync(at('notOurs'), 'a file of the user’s that happens to have an entry’s name');
  writeFileSync(at('notes'), 'the user’s notes');
  writeFileSync(outside, Buffer.concat([Buffer.from('SPLCOLS2', 'latin1'), Buffer.alloc(64)]));
  symlinkSync(outside, at('link'));
  for (const name of ['stopped', 'running', 'fresh', 'stoppedMemo', 'lookalike', 'bareTmp'] as const) writeFileSync(at(name), Buffer.alloc(4096, 1));
  writeFileSync(at('memo'), 'f'.repeat(64));
  for (const name of ['stopped', 'running', 'stoppedMemo', 'lookalike', 'bareTmp', 'lone'] as const) age(at(name), STALE_MS + 60_000);
  return { dir, files, outside };
}

const byFile = (items: CacheItem[], file: string) => items.find((item) => item.files.includes(file));
/** What each prune of the crafted folder removes, and only that. */
const PRUNED = ['lone', 'otherFormat', 'damaged', 'stopped', 'stoppedMemo'] as const;

describe('the data cache folder (cache-folder.ts)', () => {
  it('lists each entry with its kind, state, rows, symbol and format, and what is not spreadlab’s as such', () => {
    const { dir, files } = craftedFolder();
    const items = listCache(dir, Date.now());
    const item = (name: keyof typeof files) => byFile(items, files[name]);
    expect(item('decoded')).toMatchObject({ kind: 'decoded file', state: 'current', rows: 10, symbol: 'BTCUSDT', format: 'tardis trades' });
    expect(item('replay')).toMatchObject({ kind: 'replay', state: 'current', rows: 10, symbol: 'BTCUSDT' });
    expect(item('feed')).toMatchObject({ kind: 'streamed replay', state: 'current', files: [files.feed, files.venue], symbol: 'BTCUSDT' });
    expect(item('lone')).toMatchObject({ kind: 'streamed replay', state: 'incomplete' });
    expect(item('loneFresh')).toMatchObject({ kind: 'streamed replay', state: 'being written' }); // its pair may be on its way
    expect(item('otherFormat')).toMatchObject({ kind: 'decoded file', state: 'other format', rows: null });
    expect(item('damaged')).toMatchObject({ kind: 'decoded file', state: 'unreadable' });
    for (const name of ['notOurs', 'notes', 'link', 'lookalike', 'bareTmp'] as const)
      expect(item(name), name).toMatchObject({ kind: 'not spreadlab', state: null });
    expect(item('stopped')).toMatchObject({ kind: 'temporary', state: 'stopped writer' });
    expect(item('stoppedMemo')).toMatchObject({ kind: 'temporary', state: 'stopped writer' });
    expect(item('running')).toMatchObject({ kind: 'temporary', state: 'being written' });
    expect(item('fresh')).toMatchObject({ kind: 'temporary', state: 'being written' });
    expect(item('memo')).toMatchObject({ kind: 'hash memos', files: [files.memo] });
    expect(items).toHaveLength(Object.keys(files).length - 1); // the streamed pair is one item
    for (const i of items.filter((i) => i.files[0] !== files.link)) expect(i.bytes, i.files[0]).toBeGreaterThan(0);
  });

  it('knows the temporary files the cache’s own writers make while they write', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'streams'));
    const writer = new ChunkedCacheWriter(join(dir, 'streams', `${key(1)}.feed.cols`));
    writer.append(rows(10), 10);
    try {
      const items = listCache(dir, Date.now());
      expect(items.length).toBeGreaterThan(1);
      for (const item of items) expect(item, item.files[0]).toMatchObject({ kind: 'temporary', state: 'being written' });
    } finally {
      writer.abort();
    }
  });

  it('prunes what will not be read again and nothing else; with a number of days, entries unused for that long', () => {
    const { dir, files, outside } = craftedFolder();
    const { removed, kept } = pruneCache(dir, listCache(dir, Date.now()), Date.now(), null);
    expect(kept).toEqual([]);
    expect(removed.flatMap((item) => item.files).sort()).toEqual(PRUNED.map((name) => files[name]).sort());
    for (const [name, file] of Object.entries(files)) expect(existsSync(join(dir, file)), name).toBe(!(PRUNED as readonly string[]).includes(name));
    expect(existsSync(outside)).toBe(true); // a link's target is never touched

    age(join(dir, files.decoded), 10 * DAY_MS, 20 * DAY_MS);
    age(join(dir, files.feed), 10 * DAY_MS, 20 * DAY_MS);
    const unused = pruneCache(dir, listCache(dir, Date.now()), Date.now(), 5);
    expect(unused.removed.map((item) => item.files[0])).toEqual([files.decoded]); // the streamed pair's venue file was used lately
    expect(existsSync(join(dir, files.replay))).toBe(true);
    expect(() => pruneCache(dir, [], Date.now(), 0)).toThrow(/at least 1/);
  });

  it('listing leaves the last use as it was, also where the file system would move it on a read (relatime)', () => {
    const { dir, files } = craftedFolder();
    const path = join(dir, files.decoded);
    age(path, 10 * DAY_MS, 20 * DAY_MS);
    const before = statSync(path).atimeMs;
    for (let i = 0; i < 3; i++) listCache(dir, Date.now()); // each reads the entry's header
    expect(statSync(path).atimeMs).toBe(before);
    expect(byFile(listCache(dir, Date.now()), files.decoded)!.usedAt).toBe(before);
  });

  it('keeps a file that changed since it was listed (a run read it meanwhile)', () => {
    const { dir, files } = craftedFolder();
    age(join(dir, files.decoded), 10 * DAY_MS, 20 * DAY_MS);
    const items = listCache(dir, Date.now());
    expect(readCache(join(dir, files.decoded))).toBeTypeOf('object');
    const { removed, kept } = pruneCache(dir, items, Date.now(), 5);
    expect(removed.some((item) => item.files.includes(files.decoded))).toBe(false);
    expect(kept).toEqual([`${files.decoded}: changed since it was listed (a run is using it)`]);
    expect(existsSync(join(dir, files.decoded))).toBe(true);
  });

  it('does not follow a linked folder of the cache’s own names', () => {
    const dir = tempDir();
    const elsewhere = tempDir();
    const pair = [`${key(1)}.feed.cols`, `${key(1)}.venue.cols`];
    for (const name of pair) writeFileSync(join(elsewhere, name), Buffer.concat([Buffer.from('SPLCOLS2', 'latin1'), Buffer.alloc(64)]));
    symlinkSync(elsewhere, join(dir, 'streams'));
    const items = listCache(dir, Date.now());
    expect(items).toEqual([expect.objectContaining({ kind: 'not spreadlab', files: ['streams'] })]);
    expect(pruneCache(dir, items, Date.now(), null).removed).toEqual([]);
    for (const name of pair) expect(existsSync(join(elsewhere, name))).toBe(true);
  });

  it('an empty listing for a folder that does not exist', () => {
    expect(listCache(join(tempDir(), 'none'), Date.now())).toEqual([]);
  });

  it('every read of an entry sets its last use and keeps when it was made', () => {
    const { dir, files } = craftedFolder();
    const path = join(dir, files.decoded);
    const reads = [() => readCache(path), () => openCacheFile(path), () => openCacheFile(path, 'as-read')];
    for (const read of reads) {
      age(path, 10 * DAY_MS, 20 * DAY_MS);
      expect(read()).toBeTypeOf('object');
      expect(statSync(path).atimeMs).toBeGreaterThan(Date.now() - 60_000);
    }
    // markUsed itself, with no read (a file system mounted relatime also moves the access time on a read
    // after utimes, which moved the change time; one mounted noatime never does)
    age(path, 10 * DAY_MS, 20 * DAY_MS);
    const made = statSync(path).mtimeMs;
    const fd = openSync(path, 'r');
    markUsed(fd);
    closeSync(fd);
    expect(statSync(path).atimeMs).toBeGreaterThan(Date.now() - 60_000);
    expect(statSync(path).mtimeMs).toBeCloseTo(made, -1);
  });
});

describe('spreadlab data cache', () => {
  it('lists, then prunes, the folder given; --json gives the items', () => {
    const { dir, files } = craftedFolder();
    const list = spreadlab('data', 'cache', '--dir', dir);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain('streamed replay');
    expect(list.stdout).toMatch(/5 prunable .*spreadlab data cache --prune removes them/);
    expect(readdirSync(dir)).toContain(files.damaged); // listing removes nothing

    const pruned = spreadlab('data', 'cache', '--dir', dir, '--prune', '--json');
    expect(pruned.status, pruned.stderr).toBe(0);
    const result = JSON.parse(pruned.stdout);
    expect(result).toMatchObject({ command: 'data cache', dir, files: [] });
    expect(result.removed).toHaveLength(PRUNED.length);
    expect(result.removedBytes).toBeGreaterThan(0);
    expect(result.items.some((item: { prunable: boolean }) => item.prunable)).toBe(false);
    expect(result.items[0].stamps).toBeUndefined();
    expect(existsSync(join(dir, files.damaged))).toBe(false);
    expect(existsSync(join(dir, files.notOurs))).toBe(true);

    age(join(dir, files.replay), 10 * DAY_MS, 20 * DAY_MS);
    const unused = spreadlab('data', 'cache', '--dir', dir, '--prune', '--unused-days', '3');
    expect(unused.status, unused.stderr).toBe(0);
    expect(unused.stdout).toMatch(/^removed 1 item/);
    expect(existsSync(join(dir, files.replay))).toBe(false);
  });

  it('a folder with no cache yet says so', () => {
    const none = join(tempDir(), 'none');
    const run = spreadlab('data', 'cache', '--dir', none);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${none}: no data cache here yet (a replay of recorded data makes it)\n`);
  });

  it('bad flags: exit 2 and what to fix', () => {
    const { dir, files } = craftedFolder();
    for (const [args, message] of [
      [['--prune', '--unused-days', '0'], '--unused-days 0: expected a number of days, 1 or more'],
      [['--prune', '--unused-days', ''], '--unused-days : expected a number of days, 1 or more'],
      [['--prune', '--unused-days', 'abc'], '--unused-days abc: expected a number of days, 1 or more'],
      [['--prune', '--unused-days', '0x10'], '--unused-days 0x10: expected a number of days, 1 or more'],
      [['--prune', '--unused-days'], 'unused-days'],
      [['--unused-days', '2', '--unused-days', '3'], '--unused-days: given 2 times'],
      [['--dir', ''], '--dir: expected the data cache folder, got nothing'],
      [['--dir', join(dir, files.notes)], 'not a folder'],
    ] as const) {
      const run = spreadlab('data', 'cache', ...(args[0] === '--dir' ? [] : ['--dir', dir]), ...args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(readdirSync(dir)).toContain(files.damaged); // nothing removed
  });
});
