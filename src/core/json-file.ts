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
    const position = at ? Number(at[1]) : /end of JSON input/.test(message) ? body.length : jsonErrorOffset(body);
    const where = position === null ? '' : `:${lineColumn(body, position)}`;
    const what = message.replace(/ (?:in JSON )?at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '');
    throw new SpreadlabError(`${source}${where}: not valid JSON: ${what}`);
  }
}

/**
 * Where JSON text first breaks the grammar (for V8 messages that give no position, such as "Unexpected
 * token"): a scan of the grammar that builds nothing; null if it finds no error.
 */
export function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string): void => {
    for (const c of word) if (text[i++] !== c) (i--, fail());
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') return container('}', true);
    if (c === '[') return container(']', false);
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  const string = (): void => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const container = (close: string, object: boolean): void => {
    i++;
    ws();
    if (text[i] === close) return void i++;
    for (;;) {
      if (object) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
      }
      value();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === close) return void i++;
      fail();
    }
  };
  try {
    value();
    ws();
    return i < text.length ? i : null;
  } catch (offset) {
    return offset as number;
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
