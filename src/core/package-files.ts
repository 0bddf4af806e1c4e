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
 * The code a worker thread of the package runs (the sweep pool's workers, a streamed file's read-ahead thread),
 * started as `new Worker(threadEntry(file), { eval: true })`: it imports the module file. Started so, a thread
 * inherits the process's Node and V8 flags as Node parsed them. A module file as the thread's entry would
 * need them passed again (execArgv), and Node refuses both kinds given so: V8 flags
 * (`node --max-old-space-size=4096 …`: ERR_WORKER_INVALID_EXEC_ARGV) and --input-type
 * (`node --input-type=module -e …`: ERR_INPUT_TYPE_NOT_ALLOWED, as a file entry; it applies to this code).
 */
export function threadEntry(file: URL): string {
  return `import(${JSON.stringify(file.href)});`;
}
