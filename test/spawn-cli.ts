import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: the CLI is spawned from here, as a user runs it. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Runs the real `spreadlab` command (bin/spreadlab.js) with no colours and no progress bar. */
export function spreadlab(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/spreadlab.js', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
