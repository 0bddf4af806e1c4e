import {
  accessSync,
  closeSync,
  constants,
  openSync,
  readSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { SpreadlabError } from './errors.ts';
import { describeFsError, kindOf } from './fs-errors.ts';
import { lockOutput, pidAlive } from './output-lock.ts';

/**
 * Safe outputs: spreadlab never deletes or overwrites what it did not write, never leaves half-written
 * files under their final names, and refuses an output path it cannot use before any work starts.
 *
 * Rules:
 * - Every folder spreadlab writes carries the marker file `.spreadlab`, holding `{"spreadlab": KIND}`
 *   (run, live-run, sweep, tune, walk-forward, data). An existing folder is written to only when it is empty
 *   or carries the marker of the same kind; any other non-empty folder is refused (exit 2, naming it).
 * - A run folder is replaced whole (replaceFolder): written under a temporary sibling
 *   (`.<name>.partial-<pid>`), then the old folder is renamed aside and the new one renamed into place, and
 *   only then is the old one deleted. The old folder must hold only files spreadlab writes there (the
 *   caller lists them); a folder holding anything else is refused, naming the stranger. A folder written
 *   in place (a sweep resumes into its folder) keeps its files; each file is written atomically.
 * - A single output file (a live config, a comparison page, a recording) replaces an existing file only
 *   when the caller recognises it as one spreadlab wrote; otherwise it is refused.
 * - Files are written under a temporary sibling name and renamed into place (writeFileAtomically); the
 *   temporary file is removed when the write fails (a full disk leaves nothing behind).
 * - Output paths are checked first (checkOutputPath): not the current folder or one that contains it, no
 *   file on the way (`--out notes.txt/x`), not inside a pseudo file system (/proc, /sys: creating folders
 *   there can hang), and the nearest existing folder must be writable.
 * - A folder is written under its lock (output-lock.ts): one spreadlab process at a time. A single file is
 *   not locked: it is replaced whole by a rename, so two writers cannot tear it.
 */
export const OUTPUT_MARKER = '.spreadlab';

export type OutputKind = 'run' | 'live-run' | 'sweep' | 'tune' | 'walk-forward' | 'data';

/** Linux f_type of file systems whose files are the kernel's, not storage (creating folders there can hang). */
const PSEUDO_FILE_SYSTEMS = new Set([
  0x9fa0 /* proc */, 0x62656572 /* sysfs */, 0x64626720 /* debugfs */, 0x74726163 /* tracefs */, 0x73636673 /* securityfs */,
  0x27e0eb /* cgroup */, 0x63677270 /* cgroup2 */, 0xcafe4a11 /* bpf */, 0x6165676c /* pstore */, 0x62656570 /* configfs */,
  0xde5e81e4 /* efivarfs */, 0x65735543 /* fusectl */, 0x1cd1 /* devpts */, 0x19800202 /* mqueue */,
]);
const PSEUDO_PREFIXES = ['/proc', '/sys'];

/**
 * Checks that `path` can be written (as a folder or a file) before any work starts; see the header.
 * Returns the stats of `path` when it exists (null otherwise).
 */
export function checkOutputPath(path: string, what: string): Stats | null {
  const absolute = resolve(path);
  const cwd = process.cwd();
  if (absolute === cwd || cwd.startsWith(absolute.endsWith(sep) ? absolute : absolute + sep)) {
    throw new SpreadlabError(
      `${path}: ${what} cannot be the current folder or one that contains it (name a new folder, e.g. reports/my-run)`,
    );
  }
  // the nearest existing ancestor: a folder we may write in, on a real file system
  let existing = absolute;
  let stats: Stats | null = null;
  for (;;) {
    try {
      stats = statSync(existing);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR')
        throw new SpreadlabError(`${path}: ${what} lies under a file, not a folder (${firstFileOnTheWay(absolute)} is a file)`);
      if (code !== 'ENOENT') throw new SpreadlabError(`${path}: cannot use ${what} (${describeFsError(error)})`);
      existing = dirname(existing);
    }
  }
  const folder = existing === absolute ? (stats.isDirectory() ? absolute : dirname(absolute)) : existing;
  if (existing !== absolute && !stats.isDirectory()) {
    throw new SpreadlabError(`${path}: ${what} lies under a file, not a folder (${existing} is a file)`);
  }
  const real = safeRealpath(folder);
  const type = safeStatfsType(real);
  if (PSEUDO_PREFIXES.some((p) => real === p || real.startsWith(`${p}/`)) || (type !== null && PSEUDO_FILE_SYSTEMS.has(type))) {
    throw new SpreadlabError(`${path}: ${what} cannot be written inside ${real} (a kernel pseudo file system, not storage)`);
  }
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new SpreadlabError(`${path}: cannot write ${what} in ${folder} (${describeFsError(error)})`);
  }
  return existing === absolute ? stats : null;
}

function firstFileOnTheWay(absolute: string): string {
  let at = absolute;
  let found = absolute;
  while (dirname(at) !== at) {
    at = dirname(at);
    try {
      if (!statSync(at).isDirectory()) found = at;
    } catch {
      /* missing or not traversable: keep looking up */
    }
  }
  return found;
}

/** The path with symbolic links resolved, or the path itself when it cannot be (it does not exist). */
export function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function safeStatfsType(path: string): number | null {
  try {
    return Number(statfsSync(path).type);
  } catch {
    return null;
  }
}

/** The kind of spreadlab folder `dir` is (its marker), or null when it has no readable marker. */
export function folderKind(dir: string): string | null {
  try {
    const marker = JSON.parse(readFileSync(join(dir, OUTPUT_MARKER), 'utf8')) as { spreadlab?: unknown };
    return typeof marker.spreadlab === 'string' ? marker.spreadlab : null;
  } catch {
    return null;
  }
}

/**
 * Checks a folder output before any work (checkOutputPath, then: missing, empty, or marked with `kind`).
 * Returns 'new' (missing or empty) or 'ours' (carries the marker of `kind`).
 */
export function checkOutputFolder(dir: string, kind: OutputKind, what = `the ${kind} folder`): 'new' | 'ours' {
  const stats = checkOutputPath(dir, what);
  if (!stats) return 'new';
  if (!stats.isDirectory()) throw new SpreadlabError(`${dir}: is ${kindOf(stats)}, not a folder: choose another --out for ${what}`);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    throw new SpreadlabError(`${dir}: cannot read ${what} (${describeFsError(error)})`);
  }
  if (entries.length === 0) return 'new';
  const found = folderKind(dir);
  if (found === kind) return 'ours';
  if (found !== null) throw new SpreadlabError(`${dir}: is a spreadlab ${found} folder, not a ${kind} folder: choose another --out`);
  throw new SpreadlabError(
    `${dir}: exists, is not empty and was not written by spreadlab (no ${OUTPUT_MARKER} marker): choose another --out, or empty the folder`,
  );
}

/**
 * Makes (or reopens) a folder written in place, such as a sweep's: checked, created, marked. The caller
 * holds its lock (lockOutput) for as long as it writes there.
 */
export function openOutputFolder(dir: string, kind: OutputKind): void {
  const status = checkOutputFolder(dir, kind);
  guardWrite(dir, () => {
    mkdirSync(dir, { recursive: true });
    if (status === 'new') writeFileAtomically(join(dir, OUTPUT_MARKER), markerText(kind));
  });
}

function markerText(kind: OutputKind): string {
  return `${JSON.stringify({ spreadlab: kind })}\n`;
}

/**
 * Writes a folder whole and puts it in place of `dir` (see the header): `write` fills a temporary sibling;
 * an existing `dir` must carry the marker of `kind` and hold only entries `owned` accepts. Holds `dir`'s
 * lock throughout.
 */
export function replaceFolder<T>(dir: string, kind: OutputKind, owned: (name: string) => boolean, write: (staging: string) => T): T {
  checkOutputFolder(dir, kind);
  const lock = lockOutput(dir, `writing the ${kind} folder`);
  try {
    const status = checkOutputFolder(dir, kind); // again, now that no other spreadlab can change it
    const parent = dirname(resolve(dir));
    const name = basename(resolve(dir));
    removeLeftovers(parent, name, kind);
    if (status === 'ours') {
      const stranger = readdirSync(dir).find((name) => name !== OUTPUT_MARKER && !owned(name));
      if (stranger !== undefined) {
        throw new SpreadlabError(
          `${dir}: holds ${stranger}, which spreadlab did not write there: move it away or choose another --out (the folder is replaced whole)`,
        );
      }
    }
    const staging = join(parent, `.${name}.partial-${process.pid}`);
    const aside = join(parent, `.${name}.old-${process.pid}`);
    let result: T;
    try {
      guardWrite(dir, () => {
        rmSync(staging, { recursive: true, force: true });
        mkdirSync(staging, { recursive: true });
        writeFileSync(join(staging, OUTPUT_MARKER), markerText(kind));
      });
      result = guardWrite(dir, () => write(staging));
      guardWrite(dir, () => {
        if (status === 'ours') renameSync(dir, aside);
        renameSync(staging, dir); // onto nothing, or onto an empty folder (rename replaces an empty folder)
      });
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
    rmSync(aside, { recursive: true, force: true });
    return result;
  } finally {
    lock.release();
  }
}

/** Removes the temporary siblings of `name` that a killed spreadlab left (marked with `kind`, their pid gone). */
function removeLeftovers(parent: string, name: string, kind: OutputKind): void {
  const pattern = new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(?:partial|old)-(\\d+)$`);
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    const m = pattern.exec(entry);
    if (!m || pidAlive(Number(m[1])) || folderKind(join(parent, entry)) !== kind) continue;
    rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

/**
 * Checks a single output file before any work: its folder can be written, and an existing file is
 * replaced only when `ours` recognises it as spreadlab's (otherwise refused, naming it).
 */
export function checkOutputFile(file: string, what: string, ours: (path: string) => boolean): void {
  const stats = checkOutputPath(file, what);
  if (!stats) return;
  if (!stats.isFile()) throw new SpreadlabError(`${file}: is ${kindOf(stats)}, not a file: choose another --out for ${what}`);
  if (!ours(file)) throw new SpreadlabError(`${file}: exists and was not written by spreadlab: choose another --out, or remove it`);
}

/** A file's content: text (written as UTF-8), bytes, or bytes in pieces written one after the other (never joined in memory). */
export type FileContent = string | Uint8Array | readonly Uint8Array[];

/** Writes `content` to `file` under a temporary sibling renamed into place; the temporary file is removed on failure. */
export function writeFileAtomically(file: string, content: FileContent): void {
  const tmp = temporarySibling(file);
  try {
    if (typeof content === 'string' || content instanceof Uint8Array) writeFileSync(tmp, content);
    else writePieces(tmp, content);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw asOutputError(file, error);
  }
}

function writePieces(file: string, pieces: readonly Uint8Array[]): void {
  const fd = openSync(file, 'w');
  try {
    for (const piece of pieces) writeFileSync(fd, piece); // at the file's position: one after the other
  } finally {
    closeSync(fd);
  }
}

function temporarySibling(file: string): string {
  return join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
}

/** Text gathered before it is written out: large enough that writes are few, small enough to stay out of the old generation. */
const PIECE_CHARS = 1 << 16;

/**
 * A file written in pieces with writeFileAtomically's guarantee, for text too large to hold whole (a day's
 * CSV, written as it is formatted): the pieces go to a temporary sibling, renamed into place by `commit`;
 * `abandon` (and any failure) removes it, so nothing stands under the file's name unless it was all written.
 */
export class PiecewiseFile {
  private readonly tmp: string;
  private fd = -1;
  private pending = '';

  constructor(readonly file: string) {
    this.tmp = temporarySibling(file);
    this.attempt(() => {
      this.fd = openSync(this.tmp, 'w');
    });
  }

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= PIECE_CHARS) this.attempt(() => this.flush());
  }

  commit(): void {
    this.attempt(() => {
      this.flush();
      closeSync(this.fd);
      this.fd = -1;
      renameSync(this.tmp, this.file);
    });
  }

  /** Removes the temporary file (nothing is left when the file is not finished). */
  abandon(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.tmp, { force: true });
  }

  /** Writes out the gathered text; a write may take fewer bytes than given: the rest follows. */
  private flush(): void {
    const bytes = Buffer.from(this.pending);
    this.pending = '';
    for (let done = 0; done < bytes.length;) done += writeSync(this.fd, bytes, done);
  }

  private attempt(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.abandon();
      throw asOutputError(this.file, error);
    }
  }
}

/** Writes an output file: makes its folder, then writes it atomically; failures name the file (user errors for disk faults). */
export function writeOutputFile(file: string, content: FileContent): void {
  guardWrite(file, () => mkdirSync(dirname(file), { recursive: true }));
  writeFileAtomically(file, content);
}

/** True when the first `bytes` of `file` pass `test` (a cheap recogniser of spreadlab's own files). */
export function fileHeadMatches(file: string, test: (head: string) => boolean, bytes = 1024): boolean {
  let fd = -1;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const head = Buffer.alloc(bytes);
    return test(head.toString('utf8', 0, readSync(fd, head, 0, bytes, 0)));
  } catch {
    return false;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Names spreadlab gives its temporary files and locks beside what it writes (they may be found in its folders). */
export function isTemporaryName(name: string): boolean {
  return /^\..+\.(?:partial(?:-\d+)?|old-\d+|tmp(?:-\d+)?|\d+\.tmp|lock)$/.test(name);
}

/** Runs a file-system step of writing `path`; an environment failure (full disk, read-only, permissions) becomes a user error naming it. */
export function guardWrite<T>(path: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw asOutputError(path, error);
  }
}

/** A write failure as a user error (disk full, read-only, no permission …); other errors unchanged. */
export function asOutputError(path: string, error: unknown): unknown {
  if (error instanceof SpreadlabError || !(error instanceof Error) || !('code' in error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined || !WRITE_FAULTS.has(code)) return error;
  return new SpreadlabError(`${path}: cannot write (${describeFsError(error)})`);
}

const WRITE_FAULTS = new Set([
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EACCES',
  'EPERM',
  'EFBIG',
  'ENOTDIR',
  'EISDIR',
  'ENAMETOOLONG',
  'ELOOP',
  'EEXIST',
  'ENOTEMPTY',
  'EBUSY',
  'EXDEV',
  'EMFILE',
  'ENFILE',
  'EIO',
]);
