import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, renameSync, statSync, truncateSync, writeSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { SpreadlabError } from '../core/errors.ts';
import { asOutputError, checkOutputPath, guardWrite } from '../core/output.ts';
import { withOutputLock } from '../core/output-lock.ts';

/**
 * Downloading tardis.dev CSV datasets (`data fetch tardis`).
 *
 * Rules:
 * - URL: {baseUrl}/{exchange}/{type}/{YYYY}/{MM}/{DD}/{symbol}.csv.gz, baseUrl default
 *   https://datasets.tardis.dev/v1 (overridable, e.g. a local server in tests). The first day of each month
 *   is free; other days need an API key (TARDIS_API_KEY, sent as a Bearer token).
 * - Output: {outDir}/{exchange}_{type}_{date}_{symbol}.csv.gz (tardis-dev's own naming). A finished file is
 *   not downloaded again.
 * - Resume: bytes go to `<file>.part`; a later run asks for the rest with a Range header and appends
 *   (a server that ignores Range gets the download restarted from zero).
 * - Verification: the received size must equal the size the server announced (Content-Length /
 *   Content-Range), and the whole file must gunzip (gzip's CRC-32 and length trailer checks every byte);
 *   only then is `.part` renamed. The SHA-256 of the result is returned.
 * Known limits: no parallel downloads; redirects are followed up to 5 times.
 */
export interface FetchOptions {
  baseUrl?: string;
  exchange: string;
  symbol: string;
  date: string;
  types: string[];
  outDir: string;
  apiKey?: string;
  onProgress?: (file: string, received: number, total: number) => void;
}

export interface Fetched {
  path: string;
  bytes: number;
  sha256: string;
  status: 'downloaded' | 'resumed' | 'present';
}

export const TARDIS_DATASETS = 'https://datasets.tardis.dev/v1';

export function datasetUrl(base: string, exchange: string, type: string, date: string, symbol: string): string {
  const [y, m, d] = date.split('-');
  return `${base.replace(/\/$/, '')}/${encodeURIComponent(exchange)}/${encodeURIComponent(type)}/${y}/${m}/${d}/${encodeURIComponent(symbol)}.csv.gz`;
}

export async function fetchTardis(options: FetchOptions): Promise<Fetched[]> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.date)) throw new SpreadlabError(`--date ${JSON.stringify(options.date)}: expected YYYY-MM-DD`);
  const existing = checkOutputPath(options.outDir, 'the download folder');
  if (existing && !existing.isDirectory()) throw new SpreadlabError(`${options.outDir}: exists and is not a folder (the download folder)`);
  guardWrite(options.outDir, () => mkdirSync(options.outDir, { recursive: true }));
  const out: Fetched[] = [];
  for (const type of options.types) {
    const url = datasetUrl(options.baseUrl ?? TARDIS_DATASETS, options.exchange, type, options.date, options.symbol);
    const path = join(options.outDir, `${options.exchange}_${type}_${options.date}_${options.symbol}.csv.gz`);
    out.push(await withOutputLock(path, `downloading ${type}`, () => download(url, path, options))); // one download of a file at a time
  }
  return out;
}

async function download(url: string, path: string, options: FetchOptions): Promise<Fetched> {
  if (existsSync(path)) {
    const sha256 = await verifyAndHash(path, path);
    return { path, bytes: statSync(path).size, sha256, status: 'present' };
  }
  const part = `${path}.part`;
  let have = existsSync(part) ? statSync(part).size : 0;
  const resumed = have > 0;
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  if (have > 0) headers.range = `bytes=${have}-`;
  const response = await request(url, headers);
  let total: number;
  if (response.statusCode === 416 && have > 0) {
    // nothing left to send: the part is complete if the server's total matches
    response.resume();
    total = Number(/\/(\d+)$/.exec(String(response.headers['content-range'] ?? ''))?.[1] ?? NaN);
    if (total !== have) {
      truncateSync(part, 0);
      throw new SpreadlabError(`${url}: server refused to resume at byte ${have} (HTTP 416); the partial file was reset, run again`);
    }
  } else if (response.statusCode === 206) {
    const range = /bytes (\d+)-(\d+)\/(\d+)/.exec(String(response.headers['content-range'] ?? ''));
    if (!range || Number(range[1]) !== have) {
      response.resume();
      throw new SpreadlabError(`${url}: unexpected Content-Range ${JSON.stringify(response.headers['content-range'])} (expected bytes ${have}-…)`);
    }
    total = Number(range[3]);
    await receive(response, part, true, have, total, path, options);
  } else if (response.statusCode === 200) {
    have = 0;
    total = Number(response.headers['content-length'] ?? NaN);
    await receive(response, part, false, 0, total, path, options);
  } else {
    response.resume();
    const why =
      response.statusCode === 401 || response.statusCode === 403
        ? ' (tardis.dev serves the first day of each month without a key; set TARDIS_API_KEY for other days)'
        : response.statusCode === 404
          ? ' (no such exchange, data type, symbol or date)'
          : '';
    throw new SpreadlabError(`${url}: HTTP ${response.statusCode}${why}`);
  }
  const size = statSync(part).size;
  if (Number.isFinite(total) && size !== total) {
    throw new SpreadlabError(`${path}: downloaded ${size} bytes, expected ${total} (connection cut? run again to resume)`);
  }
  let sha256: string;
  try {
    sha256 = await verifyAndHash(part, path);
  } catch (error) {
    truncateSync(part, 0); // a bad part is never resumed
    throw error;
  }
  renameSync(part, path);
  return { path, bytes: size, sha256, status: resumed ? 'resumed' : 'downloaded' };
}

function request(url: string, headers: Record<string, string>, redirects = 5): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const getter = url.startsWith('https:') ? httpsGet : httpGet;
    const req = getter(url, { headers }, (res) => {
      const location = res.headers.location;
      if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location && redirects > 0) {
        res.resume();
        resolve(request(new URL(location, url).toString(), headers, redirects - 1));
      } else resolve(res);
    });
    req.on('error', (error) => reject(new SpreadlabError(`${url}: ${(error as NodeJS.ErrnoException).code ?? error.message}`)));
  });
}

/** Appends the body to the part file as it arrives (synchronous writes: every byte received is on disk). */
async function receive(res: IncomingMessage, part: string, append: boolean, start: number, total: number, display: string, options: FetchOptions): Promise<void> {
  let received = start;
  const fd = openSync(part, append ? 'a' : 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          res.destroy();
          reject(asOutputError(part, error));
          return;
        }
        received += chunk.length;
        options.onProgress?.(display, received, total);
      });
      res.on('end', () => resolve());
      res.on('close', () => (res.complete ? resolve() : reject(new Error('connection closed'))));
      res.on('aborted', () => reject(new Error('aborted')));
      res.on('error', reject);
    });
  } catch (error) {
    if (error instanceof SpreadlabError) throw error;
    throw new SpreadlabError(`${display}: download interrupted after ${received} bytes (${(error as Error).message}); run again to resume`);
  } finally {
    closeSync(fd);
  }
}

/** Checks that the whole file gunzips and returns its SHA-256, in one read of the file. */
async function verifyAndHash(path: string, display: string): Promise<string> {
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(path), hashing, createGunzip(), new Writable({ write: (_c, _e, done) => done() }));
  } catch (error) {
    throw new SpreadlabError(`${display}: not a complete gzip file (${(error as Error).message}); delete it and fetch again`);
  }
  return hash.digest('hex');
}
