import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: the CLI is spawned from here, as a user runs it. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

function run(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['bin/spreadlab.js', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, CI: '1', NO_COLOR: '1', ...env },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the real `spreadlab` command (bin/spreadlab.js) with no colours and no progress bar. */
export function spreadlab(...args: string[]) {
  return run(args, {});
}

/** The same, with extra environment variables; throws with the command's stderr unless it exits 0. */
export function spreadlabOk(args: string[], env: Record<string, string> = {}) {
  const result = run(args, env);
  if (result.status !== 0) throw new Error(`spreadlab ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result;
}
