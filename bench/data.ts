import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { MarketUnits } from '../src/core/market.ts';
import { openColumns, type EventColumns } from '../src/data/columns.ts';
import { ProblemLog } from '../src/data/problems.ts';
import { loadReplay } from '../src/data/replay.ts';
import { readTardisFile } from '../src/data/tardis/reader.ts';
import { fastestOf, packageVersion, type BenchRow } from './report.ts';

/**
 * Data benchmarks on the real BTCUSDT spot tardis files in ../shared/data (one warm-up, then the best of several runs):
 * - ingest: our tardis reader (gunzip + parse + decode to whole ticks/lots + book check) vs csv-parse's
 *   stream parser (gunzip + split into string fields only, no number conversion) on the same .csv.gz;
 * - cached replay: events/s pulled through openColumns (what the simulator iterates) over the merged
 *   book + trades + quotes columns, and the raw column scan beside it;
 * - cache load: rows/s of a replay served from the binary cache, vs decoding the same files.
 */
const DIR = new URL('../../shared/data/binance-tardis/', import.meta.url).pathname;
const PREFIX = `${DIR}binance_BTCUSDT_2024-08-08T2354_2024-08-09T0005_`;
const L2 = `${PREFIX}incremental_book_L2.csv.gz`;
const units = new MarketUnits({ symbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.000001, makerFeeBps: 0, takerFeeBps: 0 });

async function best(runs: number, f: () => Promise<number>): Promise<number> {
  return (await fastestOf(runs, f)).seconds;
}

async function csvParseRows(path: string): Promise<number> {
  let n = 0;
  const parser = createReadStream(path)
    .pipe(createGunzip())
    .pipe(parse({ from_line: 2 }));
  for await (const _record of parser) n++;
  return n;
}

function scan(c: EventColumns): number {
  let s = 0;
  for (let i = 0; i < c.length; i++) s += c.price[i] + c.size[i] + c.kind[i];
  return s;
}

export async function benchData(): Promise<BenchRow[]> {
  const rows = (await readTardisFile(L2, { units, problems: new ProblemLog(), display: 'l2' })).lines;
  const ours = await best(5, async () => (await readTardisFile(L2, { units, problems: new ProblemLog(), display: 'l2' })).lines);
  const peer = await best(3, () => csvParseRows(L2));

  const files = ['incremental_book_L2', 'trades', 'quotes'].map((t) => ({ path: `${PREFIX}${t}.csv.gz`, display: t }));
  const options = {
    units,
    format: 'tardis' as const,
    onError: 'stop' as const,
    onGap: 'stop' as const,
    timezone: 'UTC',
    alignLocalTime: false,
  };
  const { columns } = await loadReplay(files, options);
  const open = openColumns(columns);
  let events = 0;
  const replaySeconds = await best(7, async () => {
    const src = open();
    events = 0;
    while (src.next()) events++;
    return events;
  });
  let sink = 0;
  const scanSeconds = await best(7, async () => (sink += scan(columns)));
  if (sink === 42) console.error(''); // keep the scan from being optimised away

  const cacheDir = mkdtempSync(`${tmpdir()}/spreadlab-bench-`);
  await loadReplay(files, { ...options, cache: { dir: cacheDir } });
  const cached = await best(5, async () => (await loadReplay(files, { ...options, cache: { dir: cacheDir } })).columns.length);
  const decoded = await best(3, async () => (await loadReplay(files, options)).columns.length);
  rmSync(cacheDir, { recursive: true, force: true });

  return [
    {
      name: `tardis CSV.gz ingest (${rows.toLocaleString('en-US')} book rows)`,
      ours: rows / ours,
      peer: rows / peer,
      unit: 'rows/s',
      peerName: `csv-parse ${packageVersion('csv-parse')} stream (strings only)`,
    },
    {
      name: `cached replay through openColumns (${events.toLocaleString('en-US')} events)`,
      ours: events / replaySeconds,
      peer: null,
      unit: 'events/s',
      peerName: '',
    },
    { name: 'cached replay: raw column scan', ours: columns.length / scanSeconds, peer: null, unit: 'rows/s', peerName: '' },
    {
      name: 'replay load from binary cache vs decoding CSV.gz (incl. SHA-256)',
      ours: columns.length / cached,
      peer: columns.length / decoded,
      unit: 'rows/s',
      peerName: 'our CSV.gz decode',
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printTable } = await import('./report.ts');
  printTable(await benchData());
}
