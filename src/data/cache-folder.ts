import { lstatSync, readdirSync, rmSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { COLUMN_NAMES } from './columns.ts';
import { readCacheHead } from './cache.ts';

/**
 * What the data cache folder holds, and reclaiming its room (`spreadlab data cache`): the cache itself
 * (cache.ts) has no eviction, and a streamed day takes gigabytes.
 *
 * Rules:
 * - What is spreadlab's, by name and content: an entry is a regular file named `<key>.cols` (40 hex digits)
 *   at the folder's top (a decoded data file) or in `replays/` (an in-memory replay), or `<key>.feed.cols`
 *   and `<key>.venue.cols` in `streams/` (a streamed replay: its two files are one entry), whose first
 *   bytes name a cache format (`SPLCOLS`). A temporary file has the exact name one of the cache's writers
 *   gives it: an entry's name followed by `.tmp-<pid>` (cache.ts writeCache), or `.tmp-<pid>-<n>` with
 *   nothing, `.cols` or a column's name after it (ChunkedCacheWriter); in `sha256/`, `.<key>.tmp-<pid>`
 *   (core/output.ts writeFileAtomically) beside the data files' hash memos `<key>`. Anything else —
 *   another name, another content, a symbolic link (a linked `replays/`, `streams/` or `sha256/` too: it is
 *   not followed), a folder, a file or folder this user may not read — is listed and never removed.
 * - An entry is current (this version's cache format: read while its key matches), of another format
 *   (never read by this version), unreadable (its header does not parse or promises more than the file
 *   holds: a damaged entry is decoded again on its next use anyway), or incomplete (a streamed replay with
 *   one of its two files, for longer than STALE_MS: the pair is renamed into place one file after the other).
 *   Its rows, symbol and data formats come from its header.
 * - Bytes are the room on disk (allocated blocks: a planned file's unfilled room takes none); made is the
 *   file's modification time; last used its access time, which every opening of the entry by a run sets
 *   (cache.ts markUsed) and which listing leaves as it was (the header is read with O_NOATIME, or the time
 *   put back), so a file system mounted `relatime` or `noatime` keeps it all the same.
 * - Prune removes: entries of another format, unreadable and incomplete ones; temporary files whose writer
 *   has stopped (its process is not running on this machine and the file has not changed for STALE_MS: a
 *   writer on another machine that shares the folder keeps writing); and, when asked, entries not used for
 *   at least a day (a streamed entry's two files together, by the later of their uses). Each file is checked
 *   again just before it is removed (its inode, size and times as the listing left them), and kept if it
 *   changed since (opened or rewritten by a run meanwhile). What cannot be removed is reported, and the
 *   rest is still removed.
 * Known limits: entries of an older reader version (the same cache format, another key) look current and
 * are reclaimed only by their age; hash memos of data files since deleted are kept (4 KB each on disk). Use
 * is marked when an entry is opened, not as its chunks are read: a process that keeps a streamed replay
 * open for longer than the days given (`spreadlab serve` left running) can lose it to --unused-days, and a
 * run that opens an entry between its check and its removal loses it too (its run fails, and the next one
 * makes the entry again). Setting a file's times needs its owner: another user's runs do not mark an entry
 * used, and another user's listing, where the file system moves access times on reads, moves its last use.
 * An entry in use by a run of another spreadlab version whose cache format differs would be removed under
 * it: prune while only this version runs on the folder.
 */
export type CacheItemKind = 'decoded file' | 'replay' | 'streamed replay' | 'temporary' | 'hash memos' | 'not spreadlab';
export type CacheItemState = 'current' | 'other format' | 'unreadable' | 'incomplete' | 'being written' | 'stopped writer' | null;

export interface CacheItem {
  kind: CacheItemKind;
  /** The item's files, relative to the folder. */
  files: string[];
  state: CacheItemState;
  /** Bytes allocated on disk, every file of the item. */
  bytes: number;
  /** From the header of a current entry (null otherwise). */
  rows: number | null;
  symbol: string | null;
  format: string | null;
  /** ms since the epoch: when the (first) file was written, and when the entry was last read. */
  madeAt: number;
  usedAt: number;
  /** Each file's identity and times as listed: prune removes it only while they are the same. */
  stamps: string[];
}

/** A temporary file or an incomplete pair unchanged this long, with no writer here, is abandoned (see the header). */
export const STALE_MS = 60 * 60 * 1000;
/** The fewest days of disuse prune takes (an entry read today may be read again by a run under way). */
export const MIN_UNUSED_DAYS = 1;

const KEY = '[0-9a-f]{40}';
/** What follows an entry's name in a writer's temporary file (see the header): the writer's pid is group 1. */
const TEMPORARY_TAIL = `\\.tmp-(\\d+)(?:-\\d+(?:\\.(?:cols|${COLUMN_NAMES.join('|')}))?)?`;
/** A decoded file's and an in-memory replay's names: `<key>.cols`. */
const COLS_NAMES = { entry: new RegExp(`^${KEY}\\.cols$`), temporary: new RegExp(`^${KEY}\\.cols${TEMPORARY_TAIL}$`) };
const NAMES: Record<'top' | 'replays' | 'streams' | 'sha256', { entry: RegExp; temporary: RegExp }> = {
  top: COLS_NAMES,
  replays: COLS_NAMES,
  streams: { entry: new RegExp(`^${KEY}\\.(?:feed|venue)\\.cols$`), temporary: new RegExp(`^${KEY}\\.(?:feed|venue)\\.cols${TEMPORARY_TAIL}$`) },
  sha256: { entry: new RegExp(`^${KEY}$`), temporary: new RegExp(`^\\.${KEY}\\.tmp-(\\d+)$`) },
};
/** The folders of the cache's own, listed as their own items' places. */
const SUBFOLDERS = new Set(['replays', 'streams', 'sha256']);

/** The folder's items (see the header), largest first; none when the folder does not exist. */
export function listCache(dir: string, now: number): CacheItem[] {
  const items: CacheItem[] = [];
  for (const folder of ['top', 'replays', 'streams', 'sha256'] as const) {
    const sub = folder === 'top' ? '' : folder;
    if (sub !== '' && !lstatOrNull(join(dir, sub), items)?.isDirectory()) continue; // none, or not a folder of the cache's own (a link: listed as not spreadlab's)
    const names = NAMES[folder];
    const streamed = new Map<string, { file: string; stats: Stats }[]>();
    const memos: { file: string; stats: Stats }[] = [];
    for (const name of namesIn(dir, sub, items)) {
      const file = join(sub, name);
      const stats = lstatOrNull(join(dir, file), items, file);
      if (!stats) continue; // removed meanwhile, or not this user's to see
      if (folder === 'top' && stats.isDirectory() && SUBFOLDERS.has(name)) continue;
      const temporary = stats.isFile() ? names.temporary.exec(name) : null;
      if (temporary) items.push(temporaryItem(file, stats, Number(temporary[1]), now));
      else if (!stats.isFile() || !names.entry.test(name)) items.push(fileItem('not spreadlab', file, stats, null));
      else if (folder === 'sha256') memos.push({ file, stats });
      else if (folder === 'streams') streamed.set(name.slice(0, 40), [...(streamed.get(name.slice(0, 40)) ?? []), { file, stats }]);
      else items.push(...entryItem(dir, folder === 'top' ? 'decoded file' : 'replay', [{ file, stats }], now));
    }
    for (const files of streamed.values()) items.push(...entryItem(dir, 'streamed replay', files, now));
    if (memos.length > 0) items.push(memoItem(memos));
  }
  return items.sort((a, b) => b.bytes - a.bytes || a.files[0].localeCompare(b.files[0]));
}

/** Whether prune removes the item (see the header); `unusedDays`: also current entries not used for that long (null: not those). */
export function prunable(item: CacheItem, now: number, unusedDays: number | null): boolean {
  if (item.state === 'other format' || item.state === 'unreadable' || item.state === 'incomplete' || item.state === 'stopped writer') return true;
  return item.state === 'current' && unusedDays !== null && now - item.usedAt >= unusedDays * DAY_MS;
}

/** Removes the prunable items (see the header): the items removed, and each file that could not be (its error's message). */
export function pruneCache(dir: string, items: CacheItem[], now: number, unusedDays: number | null): { removed: CacheItem[]; kept: string[] } {
  if (unusedDays !== null && !(unusedDays >= MIN_UNUSED_DAYS)) throw new Error(`unused days ${unusedDays}: at least ${MIN_UNUSED_DAYS}`);
  const removed: CacheItem[] = [];
  const kept: string[] = [];
  for (const item of items.filter((i) => prunable(i, now, unusedDays))) {
    const changed = item.files.filter((file, k) => stamp(lstatOrNull(join(dir, file), [])) !== item.stamps[k]);
    if (changed.length > 0) {
      kept.push(...changed.map((file) => `${file}: changed since it was listed (a run is using it)`));
      continue;
    }
    let whole = true;
    for (const file of item.files) {
      try {
        rmSync(join(dir, file), { force: true });
      } catch (error) {
        whole = false;
        kept.push(`${file}: ${(error as Error).message}`);
      }
    }
    if (whole) removed.push(item);
  }
  return { removed, kept };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The names in a folder of the cache; none when it is gone, and a not-spreadlab item for it when this user may not read it. */
function namesIn(dir: string, sub: string, items: CacheItem[]): string[] {
  try {
    return readdirSync(join(dir, sub)).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
    items.push(unseenItem(sub === '' ? '.' : sub));
    return [];
  }
}

/** A file's lstat; null when it is gone, or when this user may not see it (then a not-spreadlab item names it, if `file` is given). */
function lstatOrNull(path: string, items: CacheItem[], file?: string): Stats | null {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) ?? null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
    if (file !== undefined) items.push(unseenItem(file));
    return null;
  }
}

/** A file or folder this user may not read: listed, never removed. */
function unseenItem(file: string): CacheItem {
  return { kind: 'not spreadlab', files: [file], state: null, bytes: 0, rows: null, symbol: null, format: null, madeAt: NaN, usedAt: NaN, stamps: ['unseen'] };
}

/** A file's identity and times, as prune compares them (see the header). */
function stamp(stats: Stats | null): string {
  return stats ? `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.atimeMs}` : 'gone';
}

/** An entry's item (see the header): none when a file of it went meanwhile. */
function entryItem(dir: string, kind: CacheItemKind, files: { file: string; stats: Stats }[], now: number): CacheItem[] {
  const item = fileItem(kind, files[0].file, files[0].stats, 'current');
  for (const { file, stats } of files.slice(1)) {
    item.files.push(file);
    item.bytes += allocated(stats);
    item.madeAt = Math.min(item.madeAt, stats.mtimeMs);
    item.usedAt = Math.max(item.usedAt, stats.atimeMs);
  }
  item.stamps = [];
  for (const { file } of files) {
    const path = join(dir, file);
    let head: ReturnType<typeof readCacheHead>;
    try {
      head = readCacheHead(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      return [{ ...item, kind: 'not spreadlab', state: null, stamps: files.map(() => 'unseen') }]; // not readable here: not this user's to judge
    }
    // as the file is now, the listing's own read done (a time put back need not come back bit for bit)
    item.stamps.push(stamp(lstatOrNull(path, [])));
    if (head === 'not a cache file') return [{ ...item, kind: 'not spreadlab', state: null }];
    if (head === 'other format' || head === 'unreadable') {
      if (item.state !== 'unreadable') item.state = head;
      continue;
    }
    // a decoded file's metadata names its symbol and format; a replay's (a streamed one's feed file) lists its units'
    const meta = head.meta as { symbol?: unknown; format?: unknown; units?: { symbol?: unknown; format?: unknown }[] } | null;
    const described = Array.isArray(meta?.units) ? meta.units : [meta ?? {}];
    item.rows ??= head.rows;
    item.symbol ??= text(described.map((u) => u.symbol));
    item.format ??= text(described.map((u) => u.format));
  }
  if (kind === 'streamed replay' && files.length !== 2 && item.state === 'current')
    item.state = now - Math.max(...files.map((f) => f.stats.mtimeMs)) > STALE_MS ? 'incomplete' : 'being written';
  if (item.state !== 'current') item.rows = item.symbol = item.format = null;
  return [item];
}

/** The distinct strings among `values`, joined; null when none. */
function text(values: unknown[]): string | null {
  const distinct = [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))];
  return distinct.length > 0 ? distinct.join(', ') : null;
}

function temporaryItem(file: string, stats: Stats, pid: number, now: number): CacheItem {
  const stopped = !processRunning(pid) && now - stats.mtimeMs > STALE_MS;
  return fileItem('temporary', file, stats, stopped ? 'stopped writer' : 'being written');
}

function memoItem(memos: { file: string; stats: Stats }[]): CacheItem {
  const item = fileItem('hash memos', memos[0].file, memos[0].stats, null);
  item.files = memos.map((m) => m.file);
  item.stamps = memos.map((m) => stamp(m.stats));
  item.bytes = memos.reduce((sum, m) => sum + allocated(m.stats), 0);
  item.madeAt = Math.min(...memos.map((m) => m.stats.mtimeMs));
  item.usedAt = Math.max(...memos.map((m) => m.stats.atimeMs));
  return item;
}

function fileItem(kind: CacheItemKind, file: string, stats: Stats, state: CacheItemState): CacheItem {
  return {
    kind,
    files: [file],
    state,
    bytes: allocated(stats),
    rows: null,
    symbol: null,
    format: null,
    madeAt: stats.mtimeMs,
    usedAt: stats.atimeMs,
    stamps: [stamp(stats)],
  };
}

/** Bytes a file takes on disk (its blocks; its length where the file system gives no blocks; none for a folder or link). */
function allocated(stats: Stats): number {
  if (!stats.isFile()) return 0;
  return Number.isFinite(stats.blocks) ? stats.blocks * 512 : stats.size;
}

function processRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // running, another user's
  }
}
