import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCache, pruneCache, STALE_TEMPORARY_MS, type CacheItem } from '../../src/data/cache-folder.ts';
import { openCacheFile, readCache, writeCache } from '../../src/data/cache.ts';
import { allocateColumns, Kind, type EventColumns } from '../../src/data/columns.ts';
import { spreadlab } from '../spawn-cli.ts';
import { tempDir } from './helpers.ts';

/**
 * The data cache folder's listing and pruning (src/data/cache-folder.ts, `spreadlab data cache`), on a
 * crafted folder: entries of each kind written by the cache's own writer, an old-format entry, a damaged
 * one, temporary files of a stopped writer and of a running one, and files that are not spreadlab's.
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

/** Sets a file's access and modification times `ago` ms back. */
function age(path: string, ago: number, which: 'both' | 'access' = 'both'): void {
  const st = statSync(path);
  const then = (Date.now() - ago) / 1000;
  utimesSync(path, then, which === 'both' ? then : st.mtimeMs / 1000);
}

/** A process id that was just in use and is not any more. */
function stoppedPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function craftedFolder(): { dir: string; files: Record<string, string> } {
  const dir = tempDir();
  for (const sub of ['replays', 'streams', 'sha256']) mkdirSync(join(dir, sub));
  const meta = { format: 'tardis trades', symbol: 'BTCUSDT', lines: 10, dropped: 0, gaps: 0 };
  const units = { units: [{ ...meta, rows: 10, unit: 0 }], localShiftUs: 0 };
  const files = {
    decoded: `${key(1)}.cols`,
    replay: join('replays', `${key(2)}.cols`),
    feed: join('streams', `${key(3)}.feed.cols`),
    venue: join('streams', `${key(3)}.venue.cols`),
    lone: join('streams', `${key(4)}.feed.cols`),
    oldFormat: `${key(5)}.cols`,
    damaged: `${key(6)}.cols`,
    notOurs: `${key(7)}.cols`,
    notes: 'notes.txt',
    stopped: `${key(8)}.cols.tmp-${stoppedPid()}-1.exchTs`,
    running: `${key(9)}.cols.tmp-${process.pid}`,
    fresh: `${key(10)}.cols.tmp-${stoppedPid()}`,
    memo: join('sha256', key(11)),
  };
  const at = (name: keyof typeof files) => join(dir, files[name]);
  expect(writeCache(at('decoded'), rows(10), meta, [])).toBe(true);
  expect(writeCache(at('replay'), rows(10), units, [], new Int32Array(10).map((_, i) => i))).toBe(true);
  expect(writeCache(at('feed'), rows(10), { ...units, maxFeedLagUs: 0, startTs: 0, lastTs: 0 }, [])).toBe(true);
  expect(writeCache(at('venue'), rows(10), { venue: true }, [])).toBe(true);
  expect(writeCache(at('lone'), rows(10), units, [])).toBe(true);
  writeFileSync(at('oldFormat'), Buffer.concat([Buffer.from('SPLCOLS2', 'latin1'), Buffer.alloc(64)]));
  const damaged = Buffer.alloc(64);
  damaged.write('SPLCOLS3', 0, 'latin1');
  damaged.writeUInt32LE(20, 8);
  damaged.write('{not json', 16, 'latin1');
  writeFileSync(at('damaged'), damaged);
  writeFileSync(at('notOurs'), 'a file of the user’s that happens to have an entry’s name');
  writeFileSync(at('notes'), 'the user’s notes');
  for (const name of ['stopped', 'running', 'fresh'] as const) writeFileSync(at(name), Buffer.alloc(4096, 1));
  writeFileSync(at('memo'), 'f'.repeat(64));
  age(at('stopped'), STALE_TEMPORARY_MS + 60_000);
  age(at('running'), STALE_TEMPORARY_MS + 60_000);
  return { dir, files };
}

const byFile = (items: CacheItem[], file: string) => items.find((item) => item.files.includes(file));

describe('the data cache folder (cache-folder.ts)', () => {
  it('lists each entry with its kind, state, rows, symbol and format, and what is not spreadlab’s as such', () => {
    const { dir, files } = craftedFolder();
    const { items, bytes } = listCache(dir, Date.now());
    const item = (name: keyof typeof files) => byFile(items, files[name]);
    expect(item('decoded')).toMatchObject({ kind: 'decoded file', state: 'current', rows: 10, symbol: 'BTCUSDT', format: 'tardis trades' });
    expect(item('replay')).toMatchObject({ kind: 'replay', state: 'current', rows: 10, symbol: 'BTCUSDT' });
    expect(item('feed')).toMatchObject({ kind: 'streamed replay', state: 'current', files: [files.feed, files.venue], symbol: 'BTCUSDT' });
    expect(item('lone')).toMatchObject({ kind: 'streamed replay', state: 'unreadable' });
    expect(item('oldFormat')).toMatchObject({ kind: 'decoded file', state: 'old format', rows: null });
    expect(item('damaged')).toMatchObject({ kind: 'decoded file', state: 'unreadable' });
    expect(item('notOurs')).toMatchObject({ kind: 'not spreadlab', state: null });
    expect(item('notes')).toMatchObject({ kind: 'not spreadlab', state: null });
    expect(item('stopped')).toMatchObject({ kind: 'temporary', state: 'stopped writer' });
    expect(item('running')).toMatchObject({ kind: 'temporary', state: 'in use' });
    expect(item('fresh')).toMatchObject({ kind: 'temporary', state: 'in use' });
    expect(item('memo')).toMatchObject({ kind: 'hash memos', files: [files.memo] });
    expect(items).toHaveLength(13 - 1); // the streamed pair is one item
    for (const i of items) expect(i.bytes, i.files[0]).toBeGreaterThan(0);
    expect(bytes).toBe(items.reduce((sum, i) => sum + i.bytes, 0));
  });

  it('prunes what will not be read again and nothing else; with a number of days, entries unused for longer', () => {
    const { dir, files } = craftedFolder();
    const removed = pruneCache(listCache(dir, Date.now()), Date.now(), null);
    const gone = ['lone', 'oldFormat', 'damaged', 'stopped'] as const;
    expect(removed.flatMap((item) => item.files).sort()).toEqual(gone.map((name) => files[name]).sort());
    for (const [name, file] of Object.entries(files)) expect(existsSync(join(dir, file)), name).toBe(!(gone as readonly string[]).includes(name));

    age(join(dir, files.decoded), 10 * DAY_MS, 'access');
    age(join(dir, files.feed), 10 * DAY_MS, 'access');
    const unused = pruneCache(listCache(dir, Date.now()), Date.now(), 5 * DAY_MS);
    expect(unused.map((item) => item.files[0])).toEqual([files.decoded]); // the streamed pair's venue file was used lately
    expect(existsSync(join(dir, files.replay))).toBe(true);
    expect(existsSync(join(dir, files.notOurs))).toBe(true);
    expect(existsSync(join(dir, files.running))).toBe(true);
  });

  it('an empty listing for a folder that does not exist', () => {
    expect(listCache(join(tempDir(), 'none'), Date.now())).toMatchObject({ items: [], bytes: 0 });
  });

  it('every read of an entry sets its last use and keeps when it was made', () => {
    const { dir, files } = craftedFolder();
    for (const read of [(path: string) => readCache(path), (path: string) => openCacheFile(path), (path: string) => openCacheFile(path, 'as-read')]) {
      const path = join(dir, files.decoded);
      age(path, 10 * DAY_MS);
      const made = statSync(path).mtimeMs;
      expect(typeof read(path)).toBe('object');
      expect(statSync(path).atimeMs).toBeGreaterThan(Date.now() - 60_000);
      expect(statSync(path).mtimeMs).toBeCloseTo(made, -1);
    }
  });
});

describe('spreadlab data cache', () => {
  it('lists, then prunes, the folder given; --json gives the items', () => {
    const { dir, files } = craftedFolder();
    const list = spreadlab('data', 'cache', '--dir', dir);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain('streamed replay');
    expect(list.stdout).toMatch(/4 prunable .*spreadlab data cache --prune removes them/);
    expect(readdirSync(dir)).toContain(files.damaged); // listing removes nothing

    const pruned = spreadlab('data', 'cache', '--dir', dir, '--prune', '--json');
    expect(pruned.status, pruned.stderr).toBe(0);
    const result = JSON.parse(pruned.stdout);
    expect(result).toMatchObject({ command: 'data cache', dir, files: [] });
    expect(result.removed).toHaveLength(4);
    expect(result.removedBytes).toBeGreaterThan(0);
    expect(result.items.some((item: { prunable: boolean }) => item.prunable)).toBe(false);
    expect(existsSync(join(dir, files.damaged))).toBe(false);
    expect(existsSync(join(dir, files.notOurs))).toBe(true);
  });

  it('a bad --unused-days or a --dir that is a file: exit 2 and what to fix', () => {
    const { dir, files } = craftedFolder();
    const days = spreadlab('data', 'cache', '--dir', dir, '--prune', '--unused-days', '-1');
    expect(days.status).toBe(2);
    expect(days.stderr).toContain('--unused-days -1: expected a number of days, 0 or more');
    const file = spreadlab('data', 'cache', '--dir', join(dir, files.notes));
    expect(file.status).toBe(2);
    expect(file.stderr).toContain('not a folder');
    expect(file.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
