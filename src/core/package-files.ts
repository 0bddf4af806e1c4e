import { existsSync } from 'node:fs';

/**
 * Files that ship with spreadlab (package.json, scenarios/, dist/'s assets and worker), found from the
 * package's root folder instead of from a module's own place: the same code runs from the TypeScript
 * sources (src/<layer>/<module>.ts, under tsx or vitest) and bundled (dist/index.js, dist/cli/main.js or a
 * chunk in dist/chunks/, scripts/bundle.mjs), at different depths.
 * Rules: the root is the first folder above this module that holds a package.json (src/ and dist/ hold
 * none), looked up once per process on first use.
 */
let root: URL | undefined;

/** A file of the package, by its path from the package's root folder (e.g. 'scenarios/demo.json'). */
export function packageFile(path: string): URL {
  if (root === undefined) {
    let dir = new URL('./', import.meta.url);
    while (!existsSync(new URL('package.json', dir))) {
      const up = new URL('../', dir);
      if (up.href === dir.href) throw new Error(`no package.json above ${import.meta.url}`);
      dir = up;
    }
    root = dir;
  }
  return new URL(path, root);
}

/** True when running from the TypeScript sources (tsx, vitest), false when running the bundle in dist/. */
export const FROM_SOURCES = import.meta.url.endsWith('.ts');

/**
 * The Node flags for a worker thread started on one of the package's module files (the sweep pool's
 * workers, a streamed file's read-ahead thread): the process's own, less --input-type, with which a thread
 * cannot load a module file (ERR_INPUT_TYPE_NOT_ALLOWED, in a program run as `node --input-type=module -e …`).
 */
export function threadExecArgv(): string[] {
  return process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
}
