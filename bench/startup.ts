import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fastestOf, type BenchRow } from './report.ts';

/**
 * Start-up, through the installed command (bin/spreadlab.js: the bundled command line, dist/cli/main.js,
 * which loads the bundled engine's chunks in dist/chunks/), beside the same command run from the TypeScript sources through
 * tsx (how the bin started before it was compiled: every start compiled TypeScript):
 * - `spreadlab --help`;
 * - a tiny backtest: the demo scenario cut to 10 simulated seconds (about 600 market events), run folder with
 *   report.html written to a temporary folder: start, load the engine, run, write, exit.
 * Wall time of the whole process, best of 10 after one warm-up run (which fills the OS file cache). Needs
 * `npm run build` first. For scale, `node -e 0` on the same machine is printed beside (not a peer).
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FROM_SOURCE = ['--import', 'tsx', 'src/cli/main.ts'];

function timeCommand(args: string[]): Promise<{ seconds: number; value: number | null }> {
  return fastestOf(10, () => spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' }).status);
}

async function timeBoth(what: string, args: string[]): Promise<{ compiled: number; fromSource: number }> {
  const compiled = await timeCommand(['bin/spreadlab.js', ...args]);
  const fromSource = await timeCommand([...FROM_SOURCE, ...args]);
  if (compiled.value !== 0 || fromSource.value !== 0) throw new Error(`spreadlab ${what} failed: run npm run build first`);
  return { compiled: compiled.seconds, fromSource: fromSource.seconds };
}

export async function benchStartup(): Promise<BenchRow[]> {
  const peerName = 'the same command from the TypeScript sources through tsx';
  const help = await timeBoth('--help', ['--help']);
  const out = mkdtempSync(join(tmpdir(), 'spreadlab-startup-'));
  let tiny: { compiled: number; fromSource: number };
  try {
    const backtest = ['backtest', 'scenarios/demo.json', '--set', 'durationSeconds=10', '--quiet', '--out'];
    tiny = await timeBoth('backtest (tiny)', [...backtest, join(out, 'run')]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const node = await timeCommand(['-e', '0']);
  return [
    {
      name: 'Start-up: `spreadlab --help`, compiled (wall time of the process)',
      ours: help.compiled,
      peer: help.fromSource,
      unit: 's',
      peerName,
    },
    {
      name: 'Start-up: a tiny backtest (demo.json, 10 simulated s, run folder with report.html), compiled (wall time)',
      ours: tiny.compiled,
      peer: tiny.fromSource,
      unit: 's',
      peerName,
    },
    { name: 'For scale: `node -e 0` on this machine (wall time)', ours: node.seconds, peer: null, unit: 's', peerName: 'n/a' },
  ];
}
