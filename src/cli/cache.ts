import { existsSync, statSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { SpreadlabError } from '../core/errors.ts';
import type { CacheItem } from '../data/cache-folder.ts';
import { returning, say } from './output.ts';

/**
 * `spreadlab data cache`: lists the data cache folder (what each entry is, its room on disk, when it was
 * made and last used) and, with --prune, removes what will never be read again (entries of an old cache
 * format, unreadable entries, files of writers that were stopped) and, with --unused-days N, entries no
 * run has read for N days. The rules are cache-folder.ts's.
 */
interface CacheArgs {
  dir?: string;
  prune: boolean;
  'unused-days'?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const cacheCommand: CommandModule<object, CacheArgs> = {
  command: 'cache',
  describe: 'list the data cache folder (entries, room on disk, last use); --prune removes what will not be read again',
  builder: (y) =>
    y
      .option('dir', {
        type: 'string',
        describe: 'the cache folder (default: $SPREADLAB_CACHE_DIR, else .cache/spreadlab under the working folder, as a replay uses)',
      })
      .option('prune', {
        type: 'boolean',
        default: false,
        describe: 'remove entries of an old cache format, unreadable entries and files left by stopped writers',
      })
      .option('unused-days', {
        type: 'number',
        describe: 'with --prune, also remove entries no run has read for this many days (listed without --prune)',
      }),
  handler: returning(async (a: CacheArgs) => {
    const { defaultCacheDir } = await import('../data/cache.ts');
    const { listCache, prunable, pruneCache } = await import('../data/cache-folder.ts');
    const days = a['unused-days'];
    if (days !== undefined && !(Number.isFinite(days) && days >= 0))
      throw new SpreadlabError(`--unused-days ${String(days)}: expected a number of days, 0 or more`);
    const unusedMs = days === undefined ? null : days * DAY_MS;
    const dir = a.dir ?? defaultCacheDir();
    if (existsSync(dir) && !statSync(dir).isDirectory())
      throw new SpreadlabError(`--dir ${dir}: not a folder (expected the data cache folder)`);
    const now = Date.now();
    const listing = listCache(dir, now);
    const removed = a.prune ? pruneCache(listing, now, unusedMs) : null;
    const left = removed ? listing.items.filter((item) => !removed.includes(item)) : listing.items;
    const waste = new Set(left.filter((item) => prunable(item, now, unusedMs)));
    say(listingText(dir, left, waste, unusedMs, removed));
    return {
      command: 'data cache',
      dir,
      bytes: sum(left),
      items: left.map((item) => ({ ...item, prunable: waste.has(item) })),
      removed,
      removedBytes: removed ? sum(removed) : null,
      files: [],
    };
  }),
};

function listingText(dir: string, items: CacheItem[], waste: Set<CacheItem>, unusedMs: number | null, removed: CacheItem[] | null): string {
  const lines: string[] = [];
  if (removed) {
    lines.push(`removed ${removed.length} ${removed.length === 1 ? 'item' : 'items'}, ${bytesText(sum(removed))}`);
    for (const item of removed) lines.push(`  ${item.kind} (${item.state}) ${item.files.join(' ')}`);
  }
  lines.push(`${dir}: ${bytesText(sum(items))} in ${items.length} ${items.length === 1 ? 'item' : 'items'}`);
  for (const item of items) {
    const what = [
      item.symbol,
      item.format && `(${item.format})`,
      item.rows !== null && `${item.rows.toLocaleString('en-US')} ${item.rows === 1 ? 'row' : 'rows'}`,
    ]
      .filter(Boolean)
      .join(' ');
    const state = item.state && item.state !== 'current' ? ` [${item.state}]` : '';
    const mark = waste.has(item) ? '  (prunable)' : '';
    lines.push(
      `  ${item.kind.padEnd(15)} ${bytesText(item.bytes).padStart(9)}  ${what || '-'}${state}  made ${minute(item.madeAt)}, used ${minute(item.usedAt)}  ${shown(item)}${mark}`,
    );
  }
  if (!removed && waste.size > 0)
    lines.push(
      `${waste.size} prunable (${bytesText(sum([...waste]))}): spreadlab data cache --prune${unusedMs !== null ? ` --unused-days ${unusedMs / DAY_MS}` : ''} removes them`,
    );
  return `${lines.join('\n')}\n`;
}

/** The item's files: the first, and how many more. */
function shown(item: CacheItem): string {
  return item.files.length === 1 ? item.files[0] : `${item.files[0]} and ${item.files.length - 1} more`;
}

function sum(items: CacheItem[]): number {
  return items.reduce((total, item) => total + item.bytes, 0);
}

function bytesText(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A time as `YYYY-MM-DD HH:MM` UTC. */
function minute(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '-';
}
