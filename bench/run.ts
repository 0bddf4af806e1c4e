import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { benchBook } from './book.ts';
import { benchData } from './data.ts';
import { printTable, type BenchRow } from './report.ts';
import { benchSimulation } from './simulation.ts';
import { benchStartup } from './startup.ts';
import { benchSweep } from './sweep.ts';
import { benchVenue } from './venue.ts';

/**
 * Runs the benchmark modules below, in order, and prints one table. Not part of `npm test`.
 * `npm run bench -- venue book` runs only the modules named.
 */
const modules: [string, () => Promise<BenchRow[]>][] = [
  ['book', benchBook],
  ['venue', benchVenue],
  ['simulation', benchSimulation],
  ['data', benchData],
  ['sweep', benchSweep],
  ['startup', benchStartup],
];

// A full garbage collection before each module, so that one module's leftovers (the book bench leaves
// millions of dead objects) are not collected on the next module's clock: measured, it slowed the venue
// row by about a third.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !modules.some(([known]) => known === name));
if (unknown.length > 0) {
  console.error(`bench: unknown module ${unknown.join(', ')}; known: ${modules.map(([name]) => name).join(', ')}`);
  process.exit(2);
}
const rows: BenchRow[] = [];
for (const [name, bench] of modules) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.error(`bench: ${name}…`);
  collectGarbage();
  rows.push(...(await bench()));
}
console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
printTable(rows);
