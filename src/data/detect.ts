import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SpreadlabError } from '../core/errors.ts';
import { tardisTypeOf } from './tardis/reader.ts';

/**
 * Format detection from a file's first line (after gunzip when the file starts with the gzip magic):
 * - a tardis.dev CSV header (or any first line starting `exchange,symbol,`) → `tardis`;
 * - `<digits> {` (local ns, space, JSON) → `binance-raw`;
 * - a LOBSTER file name (`TICKER_YYYY-MM-DD_start_end_{message|orderbook}_N.csv`) or a first line of 6
 *   numeric fields (message) / 4N numeric fields (orderbook) → `lobster`.
 * Anything else is a SpreadlabError naming the file and the first line.
 */
export type DataFormat = 'tardis' | 'binance-raw' | 'lobster';

export const LOBSTER_NAME = /^([A-Za-z0-9.^-]+)_(\d{4}-\d{2}-\d{2})_(\d+)_(\d+)_(message|orderbook)_(\d+)\.csv$/;

export function firstLine(path: string, display = path): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new SpreadlabError(`${display}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const head = Buffer.alloc(1 << 16);
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  let text: Buffer = head.subarray(0, n);
  if (n >= 2 && text[0] === 0x1f && text[1] === 0x8b) {
    try {
      text = gunzipSync(text, { finishFlush: 2 /* Z_SYNC_FLUSH: a prefix is enough */ });
    } catch (error) {
      throw new SpreadlabError(`${display}:1: corrupt gzip data (${(error as Error).message})`);
    }
  }
  const nl = text.indexOf(10);
  return text.toString('latin1', 0, nl < 0 ? Math.min(text.length, 4096) : nl).replace(/\r$/, '');
}

export function detectFormat(path: string, display = path): DataFormat {
  if (LOBSTER_NAME.test(basename(path))) return 'lobster';
  const line = firstLine(path, display);
  // a header that starts like tardis's is read as tardis, so a wrong header is reported precisely
  if (tardisTypeOf(line) || line.startsWith('exchange,symbol,')) return 'tardis';
  if (/^\d{1,20} \{/.test(line)) return 'binance-raw';
  const fields = line.split(',');
  if (fields.length >= 4 && fields.every((f) => /^-?\d+(\.\d+)?$/.test(f)) && (fields.length === 6 || fields.length % 4 === 0)) return 'lobster';
  throw new SpreadlabError(
    `${display}:1: unknown data format, first line ${JSON.stringify(line.slice(0, 80))} (expected a tardis.dev CSV header, a Binance raw capture line "<local_ns> {json}", or LOBSTER message/orderbook CSV)`,
  );
}
