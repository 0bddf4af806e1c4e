import { createReadStream, fstatSync, readSync, closeSync } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';
import { startActivity } from '../core/activity.ts';
import { SpreadlabError } from '../core/errors.ts';
import { describeFsError, openRegularFile } from '../core/fs-errors.ts';

/**
 * Reading data files as chunks of whole lines, plain or gzip (detected by the 1f 8b magic bytes, not the
 * file name), with bounded memory: a chunk holds whole lines only; a partial last line is carried over.
 *
 * Rules:
 * - A truncated or corrupt gzip stream is a SpreadlabError naming the file and the last whole line read.
 * - A missing final newline is fine: the last line is still yielded.
 * - A UTF-8 byte order mark at the very start is dropped (every text format reads the same file with or
 *   without one); text is UTF-8.
 * - Only regular files are opened (a folder, FIFO or device is refused before a byte is read: a FIFO would
 *   block the read forever).
 * Known limits: one gzip member is expected (concatenated members are read by zlib as one stream).
 */
export function isGzip(path: string, display = path): boolean {
  const fd = openRegularFile(path, display, 'data file');
  try {
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/**
 * Bytes of a file's start sampled (contentSample): a plain file's first MiB; a gzip file's first 64 KiB, and
 * at most 1 MiB of content from them (about as much content as a plain file's sample; the first MiB of a
 * gzip file gunzipped to 13 MB, which took 15–100 ms of a 100 ms read and told no more of its lines).
 */
const SAMPLE_BYTES = 1 << 20;
const GZIP_SAMPLE_BYTES = 1 << 16;
const GZIP_SAMPLE_CONTENT_BYTES = 16 * GZIP_SAMPLE_BYTES;

/**
 * A file's content, estimated from its start (a hint only: it sizes buffers and the cache's room): its size
 * in bytes, and the content of its start (SAMPLE_BYTES; without a byte order mark). For gzip, the size is
 * the trailer's ISIZE (the size modulo 2^32) plus the multiple of 2^32 that brings it nearest the file's
 * size times the compression ratio of its start, so a file of more than 4 GiB of content is not taken for a
 * small one. A file whose start does not gunzip, or whose start (at most 64 KiB) gunzips to more than 1 MiB
 * (from 64 KiB, a compression ratio above 16, which no data file has: a gzip bomb), gives its own size and an
 * empty sample (its read reports a fault).
 */
export function contentSample(path: string, display = path): { bytes: number; sample: Buffer } {
  const fd = openRegularFile(path, display, 'data file');
  try {
    const size = fstatSync(fd).size;
    // only the bytes read are ever used: no need to zero the buffer first
    const head = Buffer.allocUnsafe(Math.min(size, SAMPLE_BYTES));
    let n = readSync(fd, head, 0, Math.min(head.length, GZIP_SAMPLE_BYTES), 0);
    if (n < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
      if (n < head.length) n += readSync(fd, head, n, head.length - n, n);
      return { bytes: size, sample: withoutBom(head.subarray(0, n)) };
    }
    const compressed = head.subarray(0, n);
    let sample: Buffer;
    try {
      sample = gunzipSync(compressed, { finishFlush: 2 /* Z_SYNC_FLUSH: a prefix is enough */, maxOutputLength: GZIP_SAMPLE_CONTENT_BYTES });
    } catch {
      return { bytes: size, sample: Buffer.alloc(0) };
    }
    if (compressed.length === size) return { bytes: sample.length, sample: withoutBom(sample) };
    const tail = Buffer.alloc(4);
    readSync(fd, tail, 0, 4, size - 4);
    return { bytes: gzipContentBytes(tail.readUInt32LE(0), (sample.length / compressed.length) * size), sample: withoutBom(sample) };
  } finally {
    closeSync(fd);
  }
}

/** A gzip file's content size from its trailer's ISIZE (the size modulo 2^32) and an estimate: the size with that ISIZE nearest the estimate. */
export function gzipContentBytes(isize: number, estimate: number): number {
  return isize + Math.max(0, Math.round((estimate - isize) / 2 ** 32)) * 2 ** 32;
}

/**
 * Whole-line chunks of a file; `onLines(count)` is not needed: callers count newlines themselves. Reading it
 * is an activity (core/activity.ts, "read FILE"), advanced by the share of the file's bytes read; with
 * `activity` false it is not (a file read in step with another that is: one activity at a time).
 */
export async function* lineChunks(path: string, display = path, activity = true): AsyncGenerator<Buffer> {
  let stream: NodeJS.ReadableStream;
  let raw: ReturnType<typeof createReadStream>;
  let size: number;
  try {
    const gzip = isGzip(path, display);
    const fd = openRegularFile(path, display, 'data file');
    size = fstatSync(fd).size;
    raw = createReadStream('', { fd, highWaterMark: 1 << 20 });
    stream = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 18 })) : raw;
    if (stream !== raw) raw.on('error', (e) => (stream as NodeJS.ReadableStream & { destroy(e: Error): void }).destroy(e));
  } catch (error) {
    if (error instanceof SpreadlabError) throw error;
    throw new SpreadlabError(`${display}: cannot read (${describeFsError(error)})`);
  }
  let carry: Buffer | null = null;
  let bomChecked = false;
  let lines = 0;
  const reading = activity ? startActivity(`read ${basename(display)}`) : null;
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      reading?.update(size > 0 ? raw.bytesRead / size : 1);
      let chunk: Buffer = piece;
      if (!bomChecked) {
        chunk = carry ? Buffer.concat([carry, piece]) : piece;
        carry = null;
        if (chunk.length < 3) {
          carry = chunk; // too short yet to tell whether the file starts with a byte order mark
          continue;
        }
        chunk = withoutBom(chunk);
        bomChecked = true;
      } else if (carry) {
        // the line carried over, completed by this piece's first bytes, is a chunk of its own: the rest of the piece is not copied
        const first = piece.indexOf(10);
        if (first < 0) {
          carry = Buffer.concat([carry, piece]);
          continue;
        }
        lines++;
        yield Buffer.concat([carry, piece.subarray(0, first + 1)]);
        carry = null;
        chunk = piece.subarray(first + 1);
      }
      const cut = chunk.lastIndexOf(10);
      if (cut < 0) {
        carry = chunk;
        continue;
      }
      carry = cut + 1 < chunk.length ? chunk.subarray(cut + 1) : null;
      const whole = chunk.subarray(0, cut + 1);
      lines += countNewlines(whole);
      yield whole;
    }
  } catch (error) {
    if (error instanceof SpreadlabError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(String((error as Error).message))) {
      throw new SpreadlabError(`${display}:${lines + 1}: truncated gzip file (unexpected end of data after line ${lines}; expected a complete .gz, re-download it)`);
    }
    if (code?.startsWith('Z_')) throw new SpreadlabError(`${display}:${lines + 1}: corrupt gzip data (${(error as Error).message})`);
    throw new SpreadlabError(`${display}: cannot read (${describeFsError(error)})`);
  } finally {
    reading?.done();
  }
  const last = carry && !bomChecked ? withoutBom(carry) : carry;
  if (last && last.length > 0) yield last[last.length - 1] === 10 ? last : Buffer.concat([last, Buffer.from('\n')]);
}

/** The bytes without a leading UTF-8 byte order mark (EF BB BF). */
export function withoutBom(bytes: Buffer): Buffer {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

function countNewlines(buf: Buffer): number {
  let n = 0;
  let i = buf.indexOf(10);
  while (i >= 0) {
    n++;
    i = buf.indexOf(10, i + 1);
  }
  return n;
}
