import { closeSync, constants, fstatSync, openSync, type Stats } from 'node:fs';
import { SpreadlabError } from './errors.ts';

/**
 * File-system faults as a user reads them, and the one check every input file passes before it is read.
 *
 * Rules:
 * - describeFsError: "no space left on device (ENOSPC)", "permission denied (EACCES)", … — the reason in
 *   words with the code, without Node's syscall and path decoration (the caller names the path).
 * - USER_FS_CODES are the faults of the user's environment (a missing or unreadable file, a full or
 *   read-only disk, a busy port): the CLI reports any of them, wherever raised, as a user error (exit 2,
 *   one line) rather than an internal fault.
 * - openRegularFile / checkRegularFile: an input is opened without blocking (O_NONBLOCK, so a FIFO with no
 *   writer cannot hang the open) and refused unless it is a regular file: a folder, FIFO, socket or device
 *   is named as such, before any byte is read.
 */
const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EEXIST: 'already exists',
  ENOTEMPTY: 'folder not empty',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
  EBUSY: 'busy',
  EFBIG: 'file too large',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  EXDEV: 'on another device',
  ENXIO: 'no such device',
  ENODEV: 'no such device',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
};

export const USER_FS_CODES = new Set(Object.keys(REASONS));

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** What a file that is not a regular file is, in words ('a folder', 'a FIFO (named pipe)', 'a device' …). */
export function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return stats.isFile() ? 'a file' : 'not a regular file';
}

/**
 * Opens `path` for reading if it is a regular file (see the header); a SpreadlabError naming it as
 * `display` and saying what it should have been otherwise. The caller closes the descriptor.
 */
export function openRegularFile(path: string, display: string, what: string): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new SpreadlabError(`${display}: cannot read ${what}: ${describeFsError(error)}`);
  }
  const stats = fstatSync(fd);
  if (!stats.isFile()) {
    closeSync(fd);
    throw new SpreadlabError(`${display}: is ${kindOf(stats)}, not a file (expected ${what})`);
  }
  return fd;
}

/** Checks that `path` is a readable regular file (openRegularFile, then closed). */
export function checkRegularFile(path: string, display: string, what: string): void {
  closeSync(openRegularFile(path, display, what));
}
