import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest global setup: every temporary folder of one test run goes under one root that is removed when the
 * run ends. The tests (and the commands they spawn, which inherit the environment) make their folders with
 * mkdtemp under os.tmpdir(), which reads TMPDIR; without this they stayed in /tmp after each run (a day's
 * runs left tens of GB there). A run that is killed leaves its root, named spreadlab-tests-*. The root has
 * /tmp's mode (sticky, open to all): tests that run a command as another user (hardening) reach it as they
 * reach /tmp.
 */
export default function tempRoot(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'spreadlab-tests-'));
  chmodSync(root, 0o1777);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(root, { recursive: true, force: true });
  };
}
