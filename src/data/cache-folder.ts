import { readdirSync, rmSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { readCacheHead } from './cache.ts';

/**
 * What the data cache folder holds, and reclaiming its room (`spreadlab data cache`): the cache itself
 * (cache.ts) has no eviction, and a streamed day takes gigabytes.
 *
 * Rules:
 * - What is spreadlab's, by name and content: an entry is a file named `<key>.cols` (40 hex digits) at the
 *   folder's top (a decoded data file), in `replays/` (an in-memory replay), or `<key>.feed.cols` and
 *   `<key>.venue.cols` in `streams/` (a streamed replay: its two files are one entry), whose first bytes
 *   name a cache format (`SPLCOLS`); a temporary file is an entry's name followed by `.tmp-<pid>` and more
 *   (a write under way, or left by a writer that was stopped); `sha256/` holds the data files' hash memos
 *   (64 bytes each). Anything else is listed as not spreadlab's and never removed.
 * - An entry is current (this version reads it), of an old format (written by another version of the cache
 *   format: never read again), or unreadable (its header does not parse: a damaged current entry is decoded
 *   again on its next use anyway). Its rows, symbol and data format come from its header.
 * - Bytes are the room on disk (allocated blocks: a planned file's unfilled room takes none); made is the
 *   file's modification time; last used its access time, which every read of the entry sets (cache.ts
 *   markUsed), so it does not depend on how the file system is mounted.
 * - Prune removes: entries of an old format and unreadable ones; temporary files whose writer has stopped
 *   (its process is not running on this machine and the file has not changed for STALE_TEMPORARY_MS: a
 *   writer on another machine that shares the folder keeps writing its file); and, when asked, entries not
 *   used for the days given (a streamed entry's two files together, by the later of their uses).
 * Known limits: an entry in use by a run of another spreadlab version whose cache format differs would be
 * removed under it; prune while only this version runs on the folder.
 */
export type CacheItemKind = 'decoded file' | 'replay' | 'streamed replay' | 'temporary' | 'hash memos' | 'not spreadlab';
export type CacheItemState = 'current' | 'old format' | 'unreadable' | 'in use' | 'stopped writer' | null;

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
}

export interface CacheListing {
  dir: string;
  items: CacheItem[];
  bytes: number;
}

/** A temporary file older than this whose process is not running is a stopped writer's (see the header). */
export const STALE_TEMPORARY_MS = 60 * 60 * 1000;

const KEY = '[0-9a-f]{40}';
const ENTRY = new RegExp(`^${KEY}\\.cols$`);
const STREAMED = new RegExp(`^(${KEY})\\.(feed|venue)\\.cols$`);
const TEMPORARY = new RegExp(`^\\.?${KEY}(?:\\.(?:feed|venue))?(?:\\.cols)?\\.tmp-(\\d+)(?:[-.][\\w.-]*)?$`);
const MEMO = new RegExp(`^${KEY}$`);

/** The folder's items (see the header), largest first; an empty listing when the folder does not exist. */
export function listCache(dir: string, now: number): CacheListing {
  const items: CacheItem[] = [];
  for (const sub of ['', 'replays', 'streams', 'sha256']) {
    const names = namesIn(join(dir, sub));
    if (sub === 'sha256') {
      items.push(...memoItems(dir, names, now));
      continue;
    }
    const streamed = new Map<string, string[]>();
    for (const name of names) {
      const file = join(sub, name);
      const stats = statSync(join(dir, file), { throwIfNoEntry: false });
      if (!stats) continue; // removed meanwhile
      if (stats.isDirectory()) {
        if (sub !== '' || !['replays', 'streams', 'sha256'].includes(name)) items.push(otherItem(file, stats));
        continue;
      }
      const pair = sub === 'streams' ? STREAMED.exec(name) : null;
      if (pair) streamed.set(pair[1], [...(streamed.get(pair[1]) ?? []), file]);
      else if (sub !== 'streams' && ENTRY.test(name)) items.push(entryItem(dir, sub === '' ? 'decoded file' : 'replay', [file]));
      else items.push(temporaryItem(file, stats, now) ?? otherItem(file, stats));
    }
    for (const files of streamed.values()) items.push(entryItem(dir, 'streamed replay', files.sort()));
  }
  items.sort((a, b) => b.bytes - a.bytes || a.files[0].localeCompare(b.files[0]));
  return { dir, items, bytes: items.reduce((sum, item) => sum + item.bytes, 0) };
}

/** Whether prune removes the item (see the header); `unusedMs`: also current entries unused for longer (null: not those). */
export function prunable(item: CacheItem, now: number, unusedMs: number | null): boolean {
  if (item.state === 'old format' || item.state === 'unreadable' || item.state === 'stopped writer') return true;
  return item.state === 'current' && unusedMs !== null && now - item.usedAt > unusedMs;
}

/** Removes the prunable items (see the header); returns them. */
export function pruneCache(listing: CacheListing, now: number, unusedMs: number | null): CacheItem[] {
  const removed = listing.items.filter((item) => prunable(item, now, unusedMs));
  for (const item of removed) for (const file of item.files) rmSync(join(listing.dir, file), { force: true });
  return removed;
}

function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}

function entryItem(dir: string, kind: CacheItemKind, files: string[]): CacheItem {
  const item: CacheItem = { kind, files, state: 'current', bytes: 0, rows: null, symbol: null, format: null, madeAt: Infinity, usedAt: -Infinity };
  for (const file of files) {
    const path = join(dir, file);
    const stats = statSync(path);
    item.bytes += allocated(stats);
    item.madeAt = Math.min(item.madeAt, stats.mtimeMs);
    item.usedAt = Math.max(item.usedAt, stats.atimeMs);
    const head = readCacheHead(path);
    if (head === 'old format' || head === 'unreadable') {
      if (item.state === 'current' || head === 'unreadable') item.state = head;
      continue;
    }
    if (head === 'not a cache file') return { ...item, kind: 'not spreadlab', state: null, bytes: files.reduce((n, f) => n + allocated(statSync(join(dir, f))), 0) };
    item.rows = head.rows;
    // a decoded file's metadata names its symbol and format; a replay's (a streamed one's feed file) lists its units'
    const meta = head.meta as { symbol?: unknown; format?: unknown; units?: { symbol?: unknown; format?: unknown }[] } | null;
    const described = Array.isArray(meta?.units) ? meta.units : [meta ?? {}];
    item.symbol ??= text(described.map((u) => u.symbol));
    item.format ??= text(described.map((u) => u.format));
  }
  if (kind === 'streamed replay' && files.length !== 2 && item.state === 'current') item.state = 'unreadable'; // one file of the pair: never read
  if (item.state !== 'current') item.rows = item.symbol = item.format = null;
  return item;
}

/** The distinct strings among `values`, joined; null when none. */
function text(values: unknown[]): string | null {
  const distinct = [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))];
  return distinct.length > 0 ? distinct.join(', ') : null;
}

function temporaryItem(file: string, stats: Stats, now: number): CacheItem | null {
  const match = TEMPORARY.exec(file.split('/').pop()!);
  if (!match || !stats.isFile()) return null;
  const stopped = !processRunning(Number(match[1])) && now - stats.mtimeMs > STALE_TEMPORARY_MS;
  return { ...fileItem('temporary', file, stats), state: stopped ? 'stopped writer' : 'in use' };
}

function memoItems(dir: string, names: string[], now: number): CacheItem[] {
  const items: CacheItem[] = [];
  const memos: CacheItem = { kind: 'hash memos', files: [], state: null, bytes: 0, rows: null, symbol: null, format: null, madeAt: Infinity, usedAt: -Infinity };
  for (const name of names) {
    const file = join('sha256', name);
    const stats = statSync(join(dir, file), { throwIfNoEntry: false });
    if (!stats) continue;
    if (MEMO.test(name) && stats.isFile()) {
      memos.files.push(file);
      memos.bytes += allocated(stats);
      memos.madeAt = Math.min(memos.madeAt, stats.mtimeMs);
      memos.usedAt = Math.max(memos.usedAt, stats.atimeMs);
    } else items.push(temporaryItem(file, stats, now) ?? otherItem(file, stats));
  }
  if (memos.files.length > 0) items.push(memos);
  return items;
}

function otherItem(file: string, stats: Stats): CacheItem {
  return fileItem('not spreadlab', file, stats);
}

function fileItem(kind: CacheItemKind, file: string, stats: Stats): CacheItem {
  return { kind, files: [file], state: null, bytes: allocated(stats), rows: null, symbol: null, format: null, madeAt: stats.mtimeMs, usedAt: stats.atimeMs };
}

/** Bytes a file takes on disk (its blocks; its length where the file system gives no blocks). */
function allocated(stats: Stats): number {
  return stats.isDirectory() ? 0 : Number.isFinite(stats.blocks) ? stats.blocks * 512 : stats.size;
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
