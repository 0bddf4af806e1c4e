import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { csvField, CsvSyntaxError, numberText, parseCsv } from '../../src/core/csv.ts';
import { na } from '../../src/report/run-tables.ts';
import { Rng } from '../../src/core/rng.ts';

describe('numberText', () => {
  it('is the text String gives, on the edges of its faster path and on µs timestamps', () => {
    const values = [0, -0, 1, -1, 999_999_999, -999_999_999, 1e9, -1e9, 1e9 + 1, 100_000_000_000, 1_720_000_000_123_456];
    values.push(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1e21, 1.5e15 + 0.5, 0.1 + 0.2, 1.5e-7, NaN, Infinity);
    for (const v of values) expect(numberText(v)).toBe(String(v));
  });

  it('is the text String gives for integers of every length', () => {
    const rng = new Rng('number-text');
    for (let i = 0; i < 20_000; i++) {
      const v = Math.floor((rng.uniform() - 0.5) * 2 * 10 ** (i % 17));
      expect(numberText(v)).toBe(String(v));
    }
  });
});

describe('csvField', () => {
  it('quotes text holding a comma, a quote, a carriage return or a line feed, doubling its quotes', () => {
    expect(['plain', '', 'a,b', 'say "hi"', 'cr\r', 'two\nlines', '≤0.005'].map(csvField)).toEqual([
      'plain',
      '',
      '"a,b"',
      '"say ""hi"""',
      '"cr\r"',
      '"two\nlines"',
      '≤0.005',
    ]);
  });
});

describe('na', () => {
  it('rounds to digits as the number that rounding gives prints (no trailing zeros, −0 as 0), NA when the figure does not exist', () => {
    expect(na(NaN, 2)).toBe('NA');
    expect(na(-Infinity)).toBe('NA');
    expect(na(12.5)).toBe(12.5);
    const rng = new Rng('na');
    const values = [0, -0, -0.00001, 59998.95, 0.1 + 0.2, 1e-7, 123_456_789_012.345, 1e20, 1e21, 2.675];
    for (let i = 0; i < 5_000; i++) values.push((rng.uniform() - 0.5) * 2 * 10 ** ((i % 24) - 10));
    for (const v of values) for (let digits = 0; digits <= 8; digits++) expect(na(v, digits)).toBe(String(Number(v.toFixed(digits))));
  });
});

/** csv-parse's reading of a text, as load-run.ts read run tables before parseCsv: its records, or "error". */
function reference(text: string): string[][] | 'error' {
  try {
    return parse(text, { relax_column_count: false, skip_empty_lines: true }) as string[][];
  } catch {
    return 'error';
  }
}

function ours(text: string): string[][] | 'error' {
  try {
    return parseCsv(text);
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    return 'error';
  }
}

function syntaxError(text: string): CsvSyntaxError {
  try {
    parseCsv(text);
  } catch (error) {
    if (error instanceof CsvSyntaxError) return error;
    throw error;
  }
  throw new Error(`parsed: ${JSON.stringify(text)}`);
}

describe('parseCsv', () => {
  it('reads the CSV csvField writes: commas, quotes and line breaks inside quoted fields, CRLF or LF, empty lines skipped', () => {
    const text = `a,b,c\r\n1,"x,y","say ""hi"""\n\n"two\nlines",,"cr\r\nlf"\r\n,,\n`;
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x,y', 'say "hi"'],
      ['two\nlines', '', 'cr\r\nlf'],
      ['', '', ''],
    ]);
    expect(parseCsv('\ufeffts,v\n1,2')).toEqual([
      ['ts', 'v'],
      ['1', '2'],
    ]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('only\r')).toEqual([['only\r']]); // a lone CR is text
    for (const text of ['a,b\r\n1,2\r', 'a,b\n1,"2"\r', 'a,b\r\n"1\r",2\r\n']) expect(ours(text)).toEqual(reference(text)); // a last CR is text
  });

  it('names the line of each problem, counting the lines inside quoted fields', () => {
    const cases: [string, number, RegExp][] = [
      ['a,b\n1,2,3\n', 2, /expected 2 fields \(as many as the first record\), got 3/],
      ['a,b\n"x\ny",1\n1\n', 4, /expected 2 fields/],
      ['a,b\n1,x"y\n', 2, /a quote inside a field that does not start with one/],
      ['a,b\n"two\nlines",x"y\n', 3, /a quote inside a field/],
      ['a,b\n"x"y,1\n', 2, /expected a comma or a line break after a closing quote/],
      ['a,b\n1,"open\n2,3\n', 2, /a quoted field is not closed/],
      ['a,b\n\n\n1\n', 4, /got 1/],
      ['a,b\n"two\nlines",1,2\n', 2, /expected 2 fields/], // a record spanning lines: its first line
    ];
    for (const [text, line, problem] of cases) {
      const error = syntaxError(text);
      expect(error.line, JSON.stringify(text)).toBe(line);
      expect(error.message).toMatch(problem);
      expect(error.message).toMatch(new RegExp(`^line ${line}: `));
    }
  });

  it('reads every text as csv-parse does (records, or an error), on random texts made of the characters that matter', () => {
    const rng = new Rng('parse-csv');
    const pieces = ['a', 'b', '1.5', '', ',', '"', '""', '\n', '\r\n', '\r', ' ', 'NA', '≤'];
    let errors = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const length = rng.int(0, 12);
      for (let k = 0; k < length; k++) text += pieces[rng.int(0, pieces.length - 1)];
      // csv-parse takes the first line break it meets (CR, LF or CRLF) as every record's, the others then
      // being text; parseCsv ends a record at LF or CRLF wherever (a lone CR is text): texts whose breaks
      // are mixed, or lone CRs, are read differently and left out
      const breaks = new Set(text.match(/\r\n|\r|\n/g));
      if (breaks.size > 1 || breaks.has('\r')) continue;
      const expected = reference(text);
      if (expected === 'error') errors++;
      expect(ours(text), JSON.stringify(text)).toEqual(expected);
    }
    expect(errors).toBeGreaterThan(1_000); // both readers' refusals were compared, not only their records
  });

  it('reads well-formed tables as csv-parse does: fields written by csvField, rows of one width', () => {
    const rng = new Rng('parse-csv-tables');
    const alphabet = ['x', 'y', '0', '-', '.', ',', '"', '\n', '\r\n', ' ', 'é'];
    for (let t = 0; t < 300; t++) {
      const width = rng.int(1, 6);
      const rows = Array.from({ length: rng.int(1, 30) }, () =>
        Array.from({ length: width }, () => {
          let field = '';
          for (let k = rng.int(0, 5); k > 0; k--) field += alphabet[rng.int(0, alphabet.length - 1)];
          return field;
        }),
      );
      // a record of one empty field is an empty line, which both readers skip
      const written = rows.filter((r) => !(width === 1 && r[0] === ''));
      const text = written.map((r) => r.map(csvField).join(',')).join(rng.uniform() < 0.5 ? '\n' : '\r\n');
      expect(parseCsv(text)).toEqual(written);
      expect(parseCsv(text)).toEqual(reference(text));
    }
  });
});
