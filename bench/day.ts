import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MarketUnits } from '../src/core/market.ts';
import { listCache } from '../src/data/cache-folder.ts';
import { loadReplay } from '../src/data/replay.ts';
import { DAY_DEFAULTS, DAY_MARKET, ensureDay } from './day-data.ts';
import { printTable, type BenchRow } from './report.ts';

/**
 * The day benchmark (`npm run bench:day`; not in `npm run bench`, it takes minutes): a generated
 * Binance-USD-M-like BTCUSDT day (day-data.ts: about 65 M book rows and 3 M trades as tardis CSV.gz),
 * backtested by the installed command (bin/spreadlab.js, the compiled dist/: run `npm run build` first) with
 * the inventory-skew loop, each run a fresh process timed from spawn to exit, its peak RSS from
 * /usr/bin/time (Linux):
 * - streaming (`data.stream`), cold: the CSV.gz files decoded into an empty cache, then replayed; then warm;
 * - in memory, cold (decode, merge, replay entry written) and warm (the replay entry read whole);
 *   the warm run's market events over its wall time is the whole-backtest rate (one process: start-up,
 *   load, replay, venue, strategy, analytics, run folder with report.html);
 * - the in-memory replay's resident bytes per event: RSS growth of a child process that loads the warm
 *   replay entry (and touches every page) over the events loaded;
 * - each mode's cache on disk after its cold run (allocated blocks, as `spreadlab data cache` counts them).
 * The data and the caches go to $SPREADLAB_BENCH_DAY_DIR (default <tmpdir>/spreadlab-bench-day), never
 * to the repository; the data is generated once (about 6 minutes) and kept; the caches are emptied
 * before each cold run. `npm run bench:day -- SECONDS` generates and replays a shorter day instead.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIR = process.env.SPREADLAB_BENCH_DAY_DIR ?? join(tmpdir(), 'spreadlab-bench-day');

interface Timed {
  seconds: number;
  /** User + system CPU seconds of the process (all its threads). */
  cpuSeconds: number;
  peakRssMb: number;
  events: number;
}

/** One backtest in a fresh process: wall and CPU seconds, peak RSS (MB, /usr/bin/time's maximum resident set) and the market events it replayed. */
async function backtest(scenario: string, cacheDir: string, out: string): Promise<Timed> {
  const timeFile = `${out}.time`;
  const args = ['-o', timeFile, '-f', '%M %U %S', process.execPath, 'bin/spreadlab.js', 'backtest', scenario, '--out', out, '--quiet'];
  const started = performance.now();
  const child = spawn('/usr/bin/time', args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, SPREADLAB_CACHE_DIR: cacheDir },
  });
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`backtest ${scenario} exited ${code}`);
  const [rssKb, user, system] = (readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
  const events = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { events: number }).events;
  return { seconds, cpuSeconds: user + system, peakRssMb: rssKb / 1024, events };
}

function scenarioFile(dir: string, files: { book: string; trades: string }, stream: boolean): string {
  const path = join(dir, `day-${stream ? 'stream' : 'memory'}.json`);
  const scenario = {
    name: `bench-day-${stream ? 'stream' : 'memory'}`,
    seed: 1,
    market: { ...DAY_MARKET, makerFeeBps: 2, takerFeeBps: 5 },
    data: { kind: 'replay', files: [files.book, files.trades], format: 'tardis', onError: 'stop', stream },
    venue: { queue: { model: 'risk-averse' }, latency: { model: 'constant', entryMs: 20, responseMs: 20 } },
    strategy: { name: 'inventory-skew', spreadBps: 2, size: 0.001, requoteMs: 3000, maxInventory: 0.01, skewFactor: 0.5 },
  };
  writeFileSync(path, JSON.stringify(scenario, null, 2));
  return path;
}

/** Child mode (`--resident`): loads the warm in-memory replay entry and prints {events, bytes} of RSS growth. */
async function resident(files: { book: string; trades: string }, cacheDir: string): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const units = new MarketUnits({ ...DAY_MARKET, makerFeeBps: 0, takerFeeBps: 0 });
  const inputs = [files.book, files.trades].map((path) => ({ path, display: path }));
  // the scenario's defaults (replay-config.ts), so the key is the warm runs' replay entry
  const options = {
    units,
    format: 'tardis',
    onError: 'stop',
    onGap: 'stop',
    timezone: 'America/New_York',
    alignLocalTime: true,
    cache: { dir: cacheDir },
  } as const;
  gc();
  const before = process.memoryUsage.rss();
  const replay = await loadReplay(inputs, options);
  let touched = 0; // read every column so every page is resident
  for (let i = 0; i < replay.columns.length; i += 512) touched += replay.columns.kind[i] + replay.columns.price[i] + replay.venueOrder[i];
  gc();
  const bytes = process.memoryUsage.rss() - before;
  if (replay.inputs.some((input) => !input.fromCache)) throw new Error('resident: the replay entry was not in the cache');
  console.log(JSON.stringify({ events: replay.columns.length, bytes, touched: Number.isFinite(touched) }));
}

async function main(): Promise<void> {
  const seconds = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? DAY_DEFAULTS.seconds);
  const dir = seconds === DAY_DEFAULTS.seconds ? DIR : join(DIR, `${seconds}s`);
  console.error(`bench:day: data in ${dir}${seconds === DAY_DEFAULTS.seconds ? '' : ` (${seconds} s)`}`);
  const files = await ensureDay({ ...DAY_DEFAULTS, seconds, dir });
  const cacheOf = (mode: string) => join(dir, `cache-${mode}`);
  if (process.argv.includes('--resident')) return resident(files, cacheOf('memory'));

  const rows: BenchRow[] = [];
  const run = async (mode: 'stream' | 'memory', label: string) => {
    console.error(`bench:day: ${mode}, ${label}…`);
    const timed = await backtest(scenarioFile(dir, files, mode === 'stream'), cacheOf(mode), join(dir, `run-${mode}`));
    console.error(`bench:day: ${JSON.stringify(timed)}`);
    return timed;
  };
  for (const mode of ['stream', 'memory'] as const) {
    rmSync(cacheOf(mode), { recursive: true, force: true });
    mkdirSync(cacheOf(mode), { recursive: true });
    const cold = await run(mode, 'cold');
    const diskGb = listCache(cacheOf(mode), Date.now()).reduce((sum, item) => sum + item.bytes, 0) / 1e9;
    const warm = await run(mode, 'warm');
    const what = `${mode === 'stream' ? 'streaming' : 'in memory'}, ${(warm.events / 1e6).toFixed(1)} M events`;
    const row = (name: string, ours: number, unit: string): BenchRow => ({
      name: `Day backtest (${what}), ${name}`,
      ours,
      peer: null,
      unit,
      peerName: '',
    });
    rows.push(
      row('cold (CSV.gz into the cache): wall', cold.seconds, 's'),
      row('cold: CPU (user + system)', cold.cpuSeconds, 's'),
      row('cold: peak RSS', cold.peakRssMb, 'MB'),
      row('cache on disk after the cold run (spreadlab data cache)', diskGb, 'GB'),
      row('warm (from the cache): wall', warm.seconds, 's'),
      row('warm: CPU (user + system)', warm.cpuSeconds, 's'),
      row('warm: peak RSS', warm.peakRssMb, 'MB'),
      row('warm: whole backtest per wall second', warm.events / warm.seconds, 'market events/s'),
      row('warm: whole backtest per CPU second', warm.events / warm.cpuSeconds, 'market events/s'),
    );
  }
  console.error('bench:day: resident bytes of the in-memory replay…');
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'bench/day.ts', String(seconds), '--resident'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`resident measure failed: ${child.stderr}`);
  const { events, bytes } = JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as { events: number; bytes: number };
  rows.push({
    name: `In-memory replay, resident per event (${(events / 1e6).toFixed(1)} M events)`,
    ours: bytes / events,
    peer: null,
    unit: 'bytes',
    peerName: '',
  });
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
  printTable(rows);
}

await main();
