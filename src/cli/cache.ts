import { existsSync, statSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { SpreadlabError } from '../core/errors.ts';
import { isoMicros } from '../core/units.ts';
import { warn } from '../core/warnings.ts';
import type { CacheItem } from '../data/cache-folder.ts';
import { returning, say } from './output.ts';

/**
 * `spreadlab data cache`: lists the data cache folder (what each entry is, its room on disk, when it was
 * made and last used) and, with --prune, removes what will never be read again (entries of another cache
 * format, unreadable or incomplete entries, files of writers that were stopped) and, with --unused-days N,
 * entries no run has opened for N days. The rules are cache-folder.ts's; a file that cannot be removed is a
 * warning, the rest is still removed.
 */
interface CacheArgs {
  dir?: string;
  prune: boolean;
  'unused-days'?: string;
}

export const cacheCommand: CommandModule<object, CacheArgs> = {
  command: 'cache',
  describe: 'list the data cache folder (entries, room on disk, last use); --prune removes what will not be read again',
  builder: (y) =>
    y
      .option('dir', {
        type: 'string',
        requiresArg: true,
        describe: 'the cache folder (default: $SPREADLAB_CACHE_DIR, else .cache/spreadlab under the working folder, as a replay uses)',
      })
      .option('prune', {
        type: 'boolean',
        default: false,
        describe: 'remove entries of another cache format, unreadable or incomplete entries and files left by stopped writers',
      })
      .option('unused-days', {
        type: 'string',
        requiresArg: true,
        describe: 'with --prune, also remove entries no run has opened for this many days, 1 or more (listed as prunable without --prune)',
      }),
  handler: returning(async (a: CacheArgs) => {
    const { defaultCacheDir } = await import('../data/cache.ts');
    const { listCache, MIN_UNUSED_DAYS, prunable, pruneCache } = await import('../data/cache-folder.ts');
    const daysText = a['unused-days'] ?? null;
    const days = daysText === null ? null : /^\d+(\.\d+)?$/.test(daysText) ? Number(daysText) : NaN;
    if (days !== null && !(days >= MIN_UNUSED_DAYS))
      throw new SpreadlabError(`--unused-days ${daysText}: expected a number of days, ${MIN_UNUSED_DAYS} or more`);
    const dir = a.dir ?? defaultCacheDir();
    if (dir === '') throw new SpreadlabError('--dir: expected the data cache folder, got nothing');
    if (existsSync(dir) && !statSync(dir).isDirectory())
      throw new SpreadlabError(`--dir ${dir}: not a folder (expected the data cache folder)`);
    const now = Date.now();
    const items = listCache(dir, now);
    const { removed, kept } = a.prune ? pruneCache(dir, items, now, days) : { removed: null, kept: [] };
    for (const problem of kept) warn(`data cache: kept ${problem}`);
    const left = removed ? items.filter((item) => !removed.includes(item)) : items;
    const waste = new Set(left.filter((item) => prunable(item, now, days)));
    say(listingText(dir, left, waste, days, removed));
    return {
      command: 'data cache',
      dir,
      bytes: sum(left),
      items: left.map((item) => ({ ...shownFields(item), prunable: waste.has(item) })),
      removed: removed?.map(shownFields) ?? null,
      removedBytes: removed ? sum(removed) : null,
      files: [],
    };
  }),
};

/** An item as --json gives it (without the stamps prune compares). */
function shownFields({ stamps: _stamps, ...item }: CacheItem): Omit<CacheItem, 'stamps'> {
  return item;
}

function listingText(dir: string, items: CacheItem[], waste: Set<CacheItem>, days: number | null, removed: CacheItem[] | null): string {
  if (!existsSync(dir)) return `${dir}: no data cache here yet (a replay of recorded data makes it)\n`;
  const lines: string[] = [];
  if (removed) {
    lines.push(`removed ${removed.length} ${removed.length === 1 ? 'item' : 'items'}, ${bytesText(sum(removed))}`);
    for (const item of removed) lines.push(`  ${item.kind} (${item.state}) ${item.files.join(' ')}`);
  }
  lines.push(`${dir}: ${bytesText(sum(items))} in ${items.length} ${items.length === 1 ? 'item' : 'items'} (times in UTC)`);
  for (const item of items) {
    const rows = item.rows !== null && `${item.rows.toLocaleString('en-US')} ${item.rows === 1 ? 'row' : 'rows'}`;
    const what = [item.symbol, item.format && `(${item.format})`, rows].filter(Boolean).join(' ');
    const state = item.state && item.state !== 'current' ? ` [${item.state}]` : '';
    const mark = waste.has(item) ? '  (prunable)' : '';
    lines.push(
      `  ${item.kind.padEnd(15)} ${bytesText(item.bytes).padStart(9)}  ${what || '-'}${state}  made ${minute(item.madeAt)}, used ${minute(item.usedAt)}  ${shown(item)}${mark}`,
    );
  }
  if (!removed && waste.size > 0)
    lines.push(
      `${waste.size} prunable (${bytesText(sum([...waste]))}): spreadlab data cache --prune${days !== null ? ` --unused-days ${days}` : ''} removes them`,
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

/** Bytes in decimal units (1 GB = 10^9 bytes). */
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
  return Number.isFinite(ms)
    ? isoMicros(Math.round(ms * 1000))
        .slice(0, 16)
        .replace('T', ' ')
    : '-';
}
