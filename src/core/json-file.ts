import { closeSync, readFileSync } from 'node:fs';
import { SpreadlabError } from './errors.ts';
import { describeFsError, openRegularFile } from './fs-errors.ts';

/**
 * Reads and parses a JSON file. A file that cannot be read (missing, unreadable, a folder, FIFO or device:
 * refused before reading, so a FIFO cannot hang it), or is not JSON, is a user error naming the file — a
 * syntax error with its line and column (`file:3:14: …`); checking the parsed value is the caller's part.
 * A UTF-8 byte order mark at the start is skipped (editors on Windows write one).
 */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  const fd = openRegularFile(file, file, what);
  try {
    text = readFileSync(fd, 'utf8');
  } catch (error) {
    throw new SpreadlabError(`${file}: cannot read ${what} (${describeFsError(error)})`);
  } finally {
    closeSync(fd);
  }
  return parseJsonText(text, file);
}

/** JSON.parse with a BOM skipped and a syntax error as `source:line:column: what` (one line). */
export function parseJsonText(text: string, source: string): unknown {
  const body = stripBom(text);
  try {
    return JSON.parse(body);
  } catch (error) {
    const message = (error as Error).message;
    const at = /at position (\d+)/.exec(message);
    const position = at ? Number(at[1]) : /end of JSON input/.test(message) ? body.length : null;
    const where = position === null ? '' : `:${lineColumn(body, position)}`;
    const what = message.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/s, '');
    throw new SpreadlabError(`${source}${where}: not valid JSON: ${what}`);
  }
}

/** Text without a leading UTF-8 byte order mark. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** `line:column` (both 1-based) of a character offset. */
function lineColumn(text: string, position: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}:${position - lineStart + 1}`;
}
