import { SpreadlabError } from './errors.ts';

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
const CR = 13;

/**
 * The records of a CSV text, each its fields as text (rules in the header); `recordLines`, when given, gets
 * the line each record starts on. The text is cut into lines once (String.split) and a record is read from
 * its own lines: searching the whole text from a position (indexOf) took, in about half the processes,
 * 0.1-0.4 ms a call on a day's run tables read with readFileSync (Node 20: 7 to 20 s for a file, against
 * 0.2 s), and never so in this form.
 */
export function parseCsv(text: string, recordLines?: number[]): string[][] {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  const records: string[][] = [];
  for (let k = 0; k < lines.length;) {
    // a record goes on over line breaks while a quoted field is open: while its quotes are odd in number
    let record = lines[k];
    let last = k;
    if (record.includes('"')) {
      for (let quotes = quotesIn(record); quotes % 2 === 1 && last < lines.length - 1; quotes += quotesIn(lines[last])) {
        record += `\n${lines[++last]}`;
      }
    }
    // a CR ends the record only before a line feed (the text's last line has none)
    if (last < lines.length - 1 && record.charCodeAt(record.length - 1) === CR) record = record.slice(0, -1);
    if (record.length > 0) {
      addRecord(records, record.includes('"') ? quotedFields(record, k + 1) : record.split(','), k + 1);
      recordLines?.push(k + 1);
    }
    k = last + 1;
  }
  return records;
}

/** parseCsv of a file's text: a CsvSyntaxError becomes a SpreadlabError (a user error) naming the file and line. */
export function parseCsvFile(file: string, text: string, recordLines?: number[]): string[][] {
  try {
    return parseCsv(text, recordLines);
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    throw new SpreadlabError(`${file} line ${error.line}: not a valid CSV (${error.problem})`);
  }
}

function quotesIn(line: string): number {
  let count = 0;
  for (let i = line.indexOf('"'); i >= 0; i = line.indexOf('"', i + 1)) count++;
  return count;
}

function addRecord(records: string[][], fields: string[], line: number): void {
  const width = records.length > 0 ? records[0].length : fields.length;
  if (fields.length !== width)
    throw new CsvSyntaxError(line, `expected ${width} fields (as many as the first record), got ${fields.length}`);
  records.push(fields);
}

/** The fields of a record holding a quote (its text from its first line on), read one by one; it starts at `line`. */
function quotedFields(record: string, line: number): string[] {
  const end = record.length;
  const fields: string[] = [];
  const problem = (at: number, what: string): CsvSyntaxError => new CsvSyntaxError(line + record.slice(0, at).split('\n').length - 1, what);
  let i = 0;
  for (;;) {
    if (record.charCodeAt(i) === QUOTE) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const close = record.indexOf('"', from);
        if (close < 0) throw problem(i, 'a quoted field is not closed');
        if (record.charCodeAt(close + 1) === QUOTE) {
          value += record.slice(from, close + 1);
          from = close + 2;
          continue;
        }
        value += record.slice(from, close);
        i = close + 1;
        break;
      }
      fields.push(value);
    } else {
      let j = i;
      for (; j < end && record.charCodeAt(j) !== COMMA; j++) {
        if (record.charCodeAt(j) === QUOTE) throw problem(j, 'a quote inside a field that does not start with one');
      }
      fields.push(record.slice(i, j));
      i = j;
    }
    if (i >= end) return fields;
    if (record.charCodeAt(i) !== COMMA) throw problem(i, 'expected a comma or a line break after a closing quote');
    i++;
  }
}
