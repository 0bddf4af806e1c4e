import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { SpreadlabError } from './errors.ts';

/**
 * The lock of an output (a run, sweep or data folder, a config file): one spreadlab process writes it at a
 * time, so two sweeps on one `--out` do not both run every job and two resumes do not trip over each
 * other's temporary files.
 *
 * Rules:
 * - The lock of `path` is the file `.<name>.lock` beside it (a sibling, so it survives the folder being
 *   replaced by a rename). It holds JSON: pid, host, the process's start time (Linux) and what it is doing;
 *   its modification time says since when. It is created whole or not at all: written under a temporary name, then hard-linked to the
 *   lock's name, which fails if the lock exists (an atomic test-and-set on every local file system).
 * - A lock whose holder is gone is stale and taken over: same host and the pid no longer exists, or the
 *   pid now belongs to a process that started later than the holder did (a reused pid). A lock held by a
 *   live process, or by another host (which cannot be checked from here), is refused with a message naming
 *   the holder and the lock file to remove if that process is gone.
 * - Released when the work ends (release()) and, for a process that exits without releasing (an error, a
 *   signal handled by Node), on process exit. After SIGKILL the lock stays until the next run finds it
 *   stale.
 * Known limits: a lock on a network file system shared by hosts is only as good as the holder's host
 * name; hard links must be supported (every POSIX file system; on others the lock is refused).
 */
export interface LockHolder {
  pid: number;
  host: string;
  /** Process start time in clock ticks since boot (Linux /proc), null elsewhere. */
  started: number | null;
  what: string;
}

export interface OutputLock {
  readonly file: string;
  release(): void;
}

const held = new Set<string>();
let exitHookInstalled = false;

/** The lock file of an output path. */
export function lockFileOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.lock`);
}

/** Takes the lock of `path` (see the header); `what` says what this process is doing, for others' messages. */
export function lockOutput(path: string, what: string): OutputLock {
  const file = lockFileOf(path);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: processStart(process.pid), what };
  const tmp = `${file}.${process.pid}.tmp`;
  mkdirSync(dirname(file), { recursive: true }); // the caller has checked the path (core/output.ts)
  writeFileSync(tmp, `${JSON.stringify(me)}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = readHolder(file);
        if (attempt === 0 && holder !== null && isStale(holder)) {
          rmSync(file, { force: true });
          continue;
        }
        throw new SpreadlabError(inUseMessage(path, file, holder));
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  held.add(file);
  installExitHook();
  return {
    file,
    release: () => {
      if (!held.delete(file)) return;
      rmSync(file, { force: true });
    },
  };
}

/** Runs `work` holding the lock of `path`; released however the work ends. */
export async function withOutputLock<T>(path: string, what: string, work: () => Promise<T> | T): Promise<T> {
  const lock = lockOutput(path, what);
  try {
    return await work();
  } finally {
    lock.release();
  }
}

function inUseMessage(path: string, file: string, holder: LockHolder | null): string {
  if (!holder)
    return `${path} is locked by another spreadlab process (${file} is unreadable): remove ${file} if no spreadlab is writing there`;
  return `${path} is in use by another spreadlab process (pid ${holder.pid} on ${holder.host}, ${holder.what}, since ${lockedSince(file)}): wait for it to finish, or remove ${file} if that process is gone`;
}

/** When the lock was taken: its file's modification time. */
function lockedSince(file: string): string {
  try {
    return statSync(file).mtime.toISOString();
  } catch {
    return 'a moment ago';
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

/** True when the holder is certainly gone (see the header); a holder on another host is never stale. */
export function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  if (!pidAlive(holder.pid)) return true;
  const started = processStart(holder.pid);
  return holder.started !== null && started !== null && started !== holder.started;
}

/** True when a process with this pid exists on this host. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null where there is no /proc. */
function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count fields after its closing one
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const started = Number(fields[19]);
    return Number.isFinite(started) ? started : null;
  } catch {
    return null;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const file of held) rmSync(file, { force: true });
    held.clear();
  });
}

/** For tests: whether a lock file exists and who holds it. */
export function lockHolderOf(path: string): LockHolder | null {
  const file = lockFileOf(path);
  try {
    statSync(file);
  } catch {
    return null;
  }
  return readHolder(file);
}
