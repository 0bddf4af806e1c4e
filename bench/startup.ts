import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fastestOf, type BenchRow } from './report.ts';

/**
 * Start-up: `spreadlab --help` through the installed command (bin/spreadlab.js, the compiled dist/), beside
 * the same command run from the TypeScript sources through tsx (how the bin started before it was compiled:
 * every start compiled TypeScript). Wall time of the whole process, best of 10 after one warm-up run (which
 * fills the OS file cache). Needs `npm run build` first.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));

function timeCommand(args: string[]): Promise<{ seconds: number; value: number | null }> {
  return fastestOf(10, () => spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' }).status);
}

export async function benchStartup(): Promise<BenchRow[]> {
  const compiled = await timeCommand(['bin/spreadlab.js', '--help']);
  const fromSource = await timeCommand(['--import', 'tsx', 'src/cli/main.ts', '--help']);
  if (compiled.value !== 0 || fromSource.value !== 0) throw new Error('spreadlab --help failed: run npm run build first');
  return [
    {
      name: 'Start-up: `spreadlab --help`, compiled (wall time of the process)',
      ours: compiled.seconds,
      peer: fromSource.seconds,
      unit: 's',
      peerName: 'the same command from the TypeScript sources through tsx',
    },
  ];
}
