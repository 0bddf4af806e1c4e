import { benchBook } from './book.ts';
import { printTable, type BenchRow } from './report.ts';

/** Runs every benchmark module below, in order, and prints one table. Not part of `npm test`. */
const modules: [string, () => Promise<BenchRow[]>][] = [['book', benchBook]];

const rows: BenchRow[] = [];
for (const [name, bench] of modules) {
  console.error(`bench: ${name}…`);
  rows.push(...(await bench()));
}
console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
printTable(rows);
