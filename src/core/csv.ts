/**
 * The text of a CSV cell, shared by every CSV spreadlab writes (run tables, sweep and reconcile tables), and
 * the reader of the run tables (parseCsv).
 * Rules: a number is written as JavaScript prints it (String(n)); text holding a comma, a double quote, a
 * carriage return or a line feed is put in double quotes with its quotes doubled (RFC 4180), other text is
 * written as it is.
 * numberText prints an integer beyond ±1e9 (a µs timestamp, ~1.7e15) from its two halves of at most eight
 * digits: V8 prints such a double several times slower than a small integer, and a day's run tables hold
 * ~400 k of them. The text is String(n)'s.
 * parseCsv reads RFC 4180: fields separated by commas, records by LF or CRLF (a lone CR is text); a field in
 * double quotes may hold commas, line breaks and doubled quotes; a UTF-8 byte-order mark at the start is
 * dropped; empty lines are skipped. Every record must have as many fields as the first. Anything else is a
 * CsvSyntaxError naming the line (1-based, counting every line of the text): a quote inside an unquoted
 * field, anything but a comma or a line break after a closing quote, a quote left open, a record of another
 * width. It is csv-parse's reading (`relax_column_count: false, skip_empty_lines: true`), tested against it
 * (test/core/csv.test.ts), at about five times its speed on a day's run tables (a line without a quote is
 * split by String.split, the common case), except where csv-parse is surprising: it keeps a BOM in the first
 * field, and takes the first line break it meets (CR, LF or CRLF) as every record's, the others then being
 * text in a field.
 */

/** Text a CSV reader takes back as this text: quoted when it holds a comma, a quote or a line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** String(value), printed faster for a safe integer of more than nine digits. */
export function numberText(value: number): string {
  if (!Number.isSafeInteger(value) || (value < 1e9 && value > -1e9)) return String(value);
  const magnitude = Math.abs(value);
  const low = magnitude % 1e8; // exact: the remainder of two doubles is
  const digits = `${(magnitude - low) / 1e8}${String(low).padStart(8, '0')}`;
  return value < 0 ? `-${digits}` : digits;
}

/** A text that is not the CSV parseCsv reads (see the header), at `line`. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'CsvSyntaxError';
  }
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * The records of a CSV text, each its fields as text (rules in the header). The text is cut into lines once
 * (String.split): finding each line break with indexOf from a position took, in about half the processes,
 * 0.1-0.4 ms a call on a day's run tables read with readFileSync (Node 20: 7 to 20 s for a file, against
 * 0.2 s), and never so in this form.
 */
export function parseCsv(text: string): string[][] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  const records: string[][] = [];
  let offset = 0; // of line k in body
  for (let k = 0; k < lines.length;) {
    const raw = lines[k];
    // a CR ends the line only before a line feed (the last line has none)
    const lineText = k < lines.length - 1 && raw.charCodeAt(raw.length - 1) === CR ? raw.slice(0, -1) : raw;
    if (!lineText.includes('"')) {
      if (lineText.length > 0) addRecord(records, lineText.split(','), k + 1);
      offset += raw.length + 1;
      k++;
      continue;
    }
    const record = quotedRecord(body, offset, k + 1);
    addRecord(records, record.fields, k + 1);
    while (offset < record.next) offset += lines[k++].length + 1;
  }
  return records;
}

function addRecord(records: string[][], fields: string[], line: number): void {
  const width = records.length > 0 ? records[0].length : fields.length;
  if (fields.length !== width) throw new CsvSyntaxError(line, `expected ${width} fields (as many as the first line), got ${fields.length}`);
  records.push(fields);
}

/** Line breaks in text[from, to). */
function linesIn(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** The record starting at `pos` that holds a quote, read field by field; `next` is where the next record starts. */
function quotedRecord(text: string, pos: number, line: number): { fields: string[]; next: number } {
  const end = text.length;
  const fields: string[] = [];
  let i = pos;
  for (;;) {
    if (text.charCodeAt(i) === QUOTE) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const close = text.indexOf('"', from);
        if (close < 0) throw new CsvSyntaxError(line, 'a quoted field is not closed');
        if (text.charCodeAt(close + 1) === QUOTE) {
          value += text.slice(from, close + 1);
          from = close + 2;
          continue;
        }
        value += text.slice(from, close);
        i = close + 1;
        break;
      }
      fields.push(value);
    } else {
      let j = i;
      for (; j < end; j++) {
        const c = text.charCodeAt(j);
        if (c === COMMA || c === LF || (c === CR && text.charCodeAt(j + 1) === LF)) break;
        if (c === QUOTE) throw new CsvSyntaxError(line + linesIn(text, pos, j), 'a quote inside a field that does not start with one');
      }
      fields.push(text.slice(i, j));
      i = j;
    }
    if (i >= end) return { fields, next: end };
    const c = text.charCodeAt(i);
    if (c === COMMA) i++;
    else if (c === LF) return { fields, next: i + 1 };
    else if (c === CR && text.charCodeAt(i + 1) === LF) return { fields, next: i + 2 };
    else throw new CsvSyntaxError(line + linesIn(text, pos, i), 'expected a comma or a line break after a closing quote');
  }
}
