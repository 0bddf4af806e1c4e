import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Cell } from '../../src/report/run-files.ts';
import { RunFileWriter } from '../../src/report/run-tables.ts';
import { parseCsv } from '../../src/core/csv.ts';

const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-run-tables-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The CSV text the writer produced before it wrote tables row by row (kept as the reference). */
function oldCsv(header: string[], rows: Cell[][]): string {
  const quoted = (cell: Cell): Cell => (typeof cell === 'string' && /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
  return `${[header.join(','), ...rows.map((r) => r.map(quoted).join(','))].join('\n')}\n`;
}

const HEADER = ['a', 'b', 'c'];
const ROWS: Cell[][] = [
  [1, -0, 'NA'],
  [1.5e-7, 1e21, 1720000000123456],
  ['x,y', 'say "hi"', 'two\nlines'],
  ['carriage\r', '', 0.1 + 0.2],
  ['≤0.005', -12.25, '2024-01-01T00:00:00.000001Z'],
];

function* generated(rows: Cell[][], read: number[]): Generator<Cell[]> {
  for (const [i, row] of rows.entries()) {
    read.push(i);
    yield row;
  }
}

describe('RunFileWriter', () => {
  it('writes a table as it is read back, each row made only when it is read, with the text the old writer gave', () => {
    const dir = mkdtempSync(join(tmp, 'read-'));
    const files = new RunFileWriter(dir);
    const made: number[] = [];
    files.table('t.csv', HEADER, generated(ROWS, made));
    expect(made).toEqual([]);
    const read: Cell[][] = [];
    const lines: number[] = [];
    for (const { cells, line } of files.source.rows('t.csv', HEADER)) {
      expect(made).toHaveLength(read.length + 1);
      read.push(cells);
      lines.push(line);
    }
    expect(read).toEqual(ROWS);
    const written = readFileSync(join(dir, 't.csv'), 'utf8');
    expect(written).toBe(oldCsv(HEADER, ROWS));
    // each row's line is the one the file reader gives it (a quoted line break moves the next rows down)
    const fileLines: number[] = [];
    parseCsv(written, fileLines);
    expect(lines).toEqual(fileLines.slice(1));
    expect(() => files.source.rows('t.csv', HEADER)).toThrow(/read twice/);
  });

  it('finish writes the tables nothing read', () => {
    const dir = mkdtempSync(join(tmp, 'finish-'));
    const files = new RunFileWriter(dir);
    files.table('t.csv', HEADER, generated(ROWS, []));
    files.table('empty.csv', HEADER, []);
    expect(files.source.has('t.csv')).toBe(true);
    files.finish();
    expect(readFileSync(join(dir, 't.csv'), 'utf8')).toBe(oldCsv(HEADER, ROWS));
    expect(readFileSync(join(dir, 'empty.csv'), 'utf8')).toBe('a,b,c\n');
    expect(files.source.has('t.csv')).toBe(true);
  });

  it('leaves no file, whole or partial, when reading a table stops half-way', () => {
    const dir = mkdtempSync(join(tmp, 'stop-'));
    const files = new RunFileWriter(dir);
    files.table('t.csv', HEADER, generated(ROWS, []));
    expect(() => {
      for (const { cells } of files.source.rows('t.csv', HEADER)) if (cells[0] === 'x,y') throw new Error('reader failed');
    }).toThrow('reader failed');
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 't.csv'))).toBe(false);
  });

  it('refuses a read under another header', () => {
    const files = new RunFileWriter(mkdtempSync(join(tmp, 'header-')));
    files.table('t.csv', HEADER, ROWS);
    expect(() => files.source.rows('t.csv', ['a', 'b'])).toThrow(/header other than/);
  });
});
