import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { COLUMN_NAMES, type EventColumns } from './columns.ts';
import type { Problem, ProblemLog } from './problems.ts';

/**
 * The columnar binary cache: a decoded input (one tardis file, one Binance chain, one LOBSTER pair) saved as
 * its typed arrays, so later replays and sweeps skip parsing.
 *
 * Rules:
 * - Key: the cache format version, the reader version, the format and every option that changes decoding
 *   (tickSize, lotSize, onError, onGap, LOBSTER date/time zone), and for each source file its size, mtime
 *   and SHA-256. Any change gives another key, so a stale entry is never read.
 * - File layout (`<key>.cols`): "SPLCOLS1", u32 LE header length, JSON header (row count, metadata, the
 *   problems recorded under skip), padding to 8 bytes, then the columns in COLUMN_NAMES order (kind and
 *   flags as u8, the rest f64 LE), each padded to 8 bytes. Reading maps typed arrays onto one buffer.
 * - Writes go to a temporary name and are renamed into place (a crashed write leaves no half entry).
 * - A cache file that fails to parse is ignored and rewritten.
 * Known limits: no eviction; delete the folder (default .cache/spreadlab/ under the working directory) to
 * reclaim space.
 */
export const CACHE_FORMAT = 'SPLCOLS1';
/** Bump when any reader's output changes. */
export const READER_VERSION = 2;

export interface CacheOptions {
  dir: string;
}

export function defaultCacheDir(): string {
  return resolve(process.env.SPREADLAB_CACHE_DIR ?? join('.cache', 'spreadlab'));
}

export interface CacheMeta {
  format: string;
  symbol: string;
  lines: number;
  dropped: number;
  gaps: number;
}

interface Keyed {
  files: { path: string; sha256: string }[];
  format: string;
  options: {
    units: { spec: { tickSize: number; lotSize: number } };
    onError: string;
    onGap: string;
    date?: string;
    timezone: string;
    cache?: CacheOptions | null;
  };
}

export function cacheKey(k: Keyed): string {
  const material = {
    cache: CACHE_FORMAT,
    reader: READER_VERSION,
    format: k.format,
    tickSize: k.options.units.spec.tickSize,
    lotSize: k.options.units.spec.lotSize,
    onError: k.options.onError,
    onGap: k.options.onGap,
    date: k.options.date ?? null,
    timezone: k.options.timezone,
    files: k.files.map((f) => {
      const st = statSync(f.path);
      return { size: st.size, mtime: st.mtimeMs, sha256: f.sha256 };
    }),
  };
  return createHash('sha256').update(JSON.stringify(material)).digest('hex').slice(0, 40);
}

export function writeCache(path: string, columns: EventColumns, meta: CacheMeta, problems: Problem[]): void {
  const header = Buffer.from(JSON.stringify({ length: columns.length, meta, problems }), 'utf8');
  const pad8 = (n: number) => (n + 7) & ~7;
  const headerEnd = pad8(8 + 4 + header.length);
  let size = headerEnd;
  for (const name of COLUMN_NAMES) size += pad8((columns[name] as Float64Array | Uint8Array).byteLength);
  const out = Buffer.alloc(size);
  out.write(CACHE_FORMAT, 0, 'latin1');
  out.writeUInt32LE(header.length, 8);
  header.copy(out, 12);
  let offset = headerEnd;
  for (const name of COLUMN_NAMES) {
    const col = columns[name] as Float64Array | Uint8Array;
    const bytes = new Uint8Array(col.buffer, col.byteOffset, col.byteLength);
    out.set(bytes, offset);
    offset += pad8(col.byteLength);
  }
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, out);
  renameSync(tmp, path);
}

export function readCache(path: string): { columns: EventColumns; meta: CacheMeta; problems: Problem[] } | null {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch {
    return null;
  }
  try {
    if (file.toString('latin1', 0, 8) !== CACHE_FORMAT) return null;
    const headerLength = file.readUInt32LE(8);
    const header = JSON.parse(file.toString('utf8', 12, 12 + headerLength)) as { length: number; meta: CacheMeta; problems: Problem[] };
    // typed arrays need aligned offsets: copy when Node handed us an unaligned buffer
    const buffer = file.byteOffset % 8 === 0 ? file : Buffer.from(new Uint8Array(file));
    const base = buffer.byteOffset;
    const pad8 = (n: number) => (n + 7) & ~7;
    let offset = pad8(12 + headerLength);
    const n = header.length;
    const columns = { length: n } as EventColumns;
    for (const name of COLUMN_NAMES) {
      const byteLength = name === 'kind' || name === 'flags' ? n : n * 8;
      if (offset + byteLength > buffer.length) return null;
      const view = byteLength === n && (name === 'kind' || name === 'flags') ? new Uint8Array(buffer.buffer, base + offset, n) : new Float64Array(buffer.buffer, base + offset, n);
      (columns as unknown as Record<string, unknown>)[name] = view;
      offset += pad8(byteLength);
    }
    return { columns, meta: header.meta, problems: header.problems };
  } catch {
    return null;
  }
}

/** Decodes through the cache: a hit returns the stored columns (and re-records their problems). */
export async function cachedDecode<T extends CacheMeta & { columns: EventColumns }>(
  k: Keyed,
  problems: ProblemLog,
  decode: () => Promise<T>,
): Promise<{ decoded: CacheMeta & { columns: EventColumns }; fromCache: boolean }> {
  const dir = k.options.cache?.dir;
  if (!dir) return { decoded: await decode(), fromCache: false };
  const path = join(dir, `${cacheKey(k)}.cols`);
  const hit = readCache(path);
  if (hit) {
    for (const p of hit.problems) problems.report(p.file, p.line, p.column, p.message);
    return { decoded: { ...hit.meta, columns: hit.columns }, fromCache: true };
  }
  const before = problems.list.length;
  const decoded = await decode();
  mkdirSync(dir, { recursive: true });
  const meta: CacheMeta = { format: decoded.format, symbol: decoded.symbol, lines: decoded.lines, dropped: decoded.dropped, gaps: decoded.gaps };
  writeCache(path, decoded.columns, meta, problems.list.slice(before));
  return { decoded, fromCache: false };
}
