import { closeSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SpreadlabError } from '../core/errors.ts';
import { describeFsError, openRegularFile } from '../core/fs-errors.ts';
import { withoutBom } from './input.ts';
import type { FileFormat, ReplayInput } from './format.ts';
import { loadFileFormats, type FormatName } from './formats.ts';

/**
 * Format detection from a file's name and first line (after gunzip when the file starts with the gzip
 * magic), by the registered formats in registry order (rules in format.ts, each format's test in its
 * file's header). Anything else is a SpreadlabError naming the file and the first line. The first line is
 * decoded as UTF-8 without a leading byte order mark; only a regular file is opened (a FIFO would block).
 */

/** Every registered format, loaded with this module (replays load it, and read with them). */
const FORMATS = await loadFileFormats();

export function firstLine(path: string, display = path): string {
  const fd = openRegularFile(path, display, 'data file');
  const head = Buffer.alloc(1 << 16);
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } catch (error) {
    throw new SpreadlabError(`${display}: cannot read (${describeFsError(error)})`);
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
  text = withoutBom(text);
  const nl = text.indexOf(10);
  return text.toString('utf8', 0, nl < 0 ? Math.min(text.length, 4096) : nl).replace(/\r$/, '');
}

export function detectFormat(path: string, display = path): FileFormat {
  const name = basename(path);
  const byName = FORMATS.find((format) => format.detect.fileName?.(name));
  if (byName) return byName;
  const line = firstLine(path, display);
  const byLine = FORMATS.find((format) => format.detect.firstLine?.(line));
  if (byLine) return byLine;
  const expected = FORMATS.map((format) => format.description);
  throw new SpreadlabError(
    `${display}:1: unknown data format, first line ${JSON.stringify(line.slice(0, 80))} (expected ${expected.slice(0, -1).join(', ')}, or ${expected[expected.length - 1]})`,
  );
}

/** The format of an input: the one named, or detected from the file when `format` is "auto". */
export function formatOf(input: ReplayInput, format: 'auto' | FormatName): FileFormat {
  if (format === 'auto') return detectFormat(input.path, input.display);
  const named = FORMATS.find((f) => f.name === format);
  if (!named) throw new Error(`data format ${format} is not registered`);
  return named;
}
