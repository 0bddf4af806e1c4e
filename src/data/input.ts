import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { SpreadlabError } from '../core/errors.ts';

/**
 * Reading data files as chunks of whole lines, plain or gzip (detected by the 1f 8b magic bytes, not the
 * file name), with bounded memory: a chunk holds whole lines only; a partial last line is carried over.
 *
 * Rules:
 * - A truncated or corrupt gzip stream is a SpreadlabError naming the file and the last whole line read.
 * - A missing final newline is fine: the last line is still yielded.
 * Known limits: one gzip member is expected (concatenated members are read by zlib as one stream).
 */
export function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Bytes of content: the gzip trailer's ISIZE (size mod 2^32) for .gz, else the file size. A hint only. */
export function uncompressedSize(path: string): number {
  const size = statSync(path).size;
  if (!isGzip(path) || size < 18) return size;
  const fd = openSync(path, 'r');
  try {
    const tail = Buffer.alloc(4);
    readSync(fd, tail, 0, 4, size - 4);
    return Math.max(tail.readUInt32LE(0), size);
  } finally {
    closeSync(fd);
  }
}

/** Whole-line chunks of a file; `onLines(count)` is not needed: callers count newlines themselves. */
export async function* lineChunks(path: string, display = path): AsyncGenerator<Buffer> {
  let stream: NodeJS.ReadableStream;
  try {
    const raw = createReadStream(path, { highWaterMark: 1 << 20 });
    stream = isGzip(path) ? raw.pipe(createGunzip({ chunkSize: 1 << 18 })) : raw;
    if (stream !== raw) raw.on('error', (e) => (stream as NodeJS.ReadableStream & { destroy(e: Error): void }).destroy(e));
  } catch (error) {
    throw new SpreadlabError(`${display}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let carry: Buffer | null = null;
  let lines = 0;
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      const chunk: Buffer = carry ? Buffer.concat([carry, piece]) : piece;
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
    throw new SpreadlabError(`${display}: cannot read (${code ?? String(error)})`);
  }
  if (carry && carry.length > 0) yield Buffer.concat([carry, Buffer.from('\n')]);
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
