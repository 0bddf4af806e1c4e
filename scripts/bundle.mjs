// The package's JavaScript, bundled: `npm run build` runs this after tsc (which emits only the .d.ts types).
//
// One esbuild build with code splitting writes every entry point of the package into dist/:
// - dist/index.js: the public API, what `import … from 'spreadlab'` loads (package.json "exports");
// - dist/cli/main.js: the command line (src/cli and yargs), which bin/spreadlab.js runs;
// - dist/sweep/worker.js: a sweep worker thread's entry (src/sweep/pool.ts starts it);
// - dist/data/read-ahead-worker.js: a streamed file's read-ahead thread (src/data/read-ahead.ts starts it);
// - dist/data/write-behind-worker.js: a large cache file's write-behind thread (src/data/write-behind.ts);
// - dist/data/venue-order-worker.js: a large streamed replay entry's venue-file thread (src/data/venue-order-thread.ts);
// - dist/data/stream-prepare-worker.js: a streamed replay's first preparation (src/data/stream-prepare.ts);
// - dist/sweep/{pool,run-one,sweep}.js and dist/data/shared-replays.js: what bench/sweep.ts drives directly.
// A module that more than one entry point or lazy import() reaches is written once, into a chunk in
// dist/chunks/, which every entry imports: the engine exists once per process, whichever entry loaded it
// first (the command line, and a user's strategy module that imports 'spreadlab', share its zod schemas,
// SpreadlabError, the warnings sink). A module imported lazily gets a chunk of its own, so what it imports
// stays unloaded until it runs. Node then loads a few files for a command instead of a hundred (module
// resolution and compilation were most of the start-up time).
//
// Rules:
// - Packages stay package imports (loaded from node_modules, as a user's code would load them), except
//   yargs and its helpers, which only the command line uses.
// - yargs finds no package.json (noFindUp below): it read the folders above the working folder for it.
// - string-width, which yargs' help layout calls for every word, is wrapped: printable ASCII (all of
//   spreadlab's help) is as wide as it is long, which is what string-width computes for it; anything else
//   is measured by the copy of string-width the importer would have used, loaded on first need (loading it
//   builds an Intl.Segmenter, about 25 ms).
// - simple-statistics is bundled from its sources (simpleStatisticsSources below), so that only what is
//   imported is kept (its one-file build computes an unused table as it loads).
// - yargs builds the help text of a command right after starting its handler, kept for the failure
//   message it would print if the handler failed; spreadlab's .fail (main.ts) prints no help, so that call
//   is dropped (noHelpAfterHandler below: 5-25 ms of every command on this VM, on the command's critical
//   path). The build fails if yargs' code no longer holds the call.
// - Modules find the package's files from its root (src/core/package-files.ts), not from their own
//   place, which a bundle changes.
// - Every .js file in dist/ is this build's: the JavaScript of an earlier build (chunks, or tsc's
//   one-file-per-module output of older versions) is deleted first.
// Known limits: yargs' locale files are not bundled; main.ts sets yargs' locale to English.
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = resolve(ROOT, 'src');
const DIST = resolve(ROOT, 'dist');
const BUNDLED_PACKAGES = ['yargs', 'csv-parse', 'seedrandom', 'simple-statistics'];
const ENTRY_POINTS = {
  index: 'src/index.ts',
  'cli/main': 'src/cli/main.ts',
  'sweep/worker': 'src/sweep/worker.ts',
  'data/read-ahead-worker': 'src/data/read-ahead-worker.ts',
  'data/write-behind-worker': 'src/data/write-behind-worker.ts',
  'data/venue-order-worker': 'src/data/venue-order-worker.ts',
  'data/stream-prepare-worker': 'src/data/stream-prepare-worker.ts',
  'sweep/pool': 'src/sweep/pool.ts',
  'sweep/run-one': 'src/sweep/run-one.ts',
  'sweep/sweep': 'src/sweep/sweep.ts',
  'data/shared-replays': 'src/data/shared-replays.ts',
};

/** spreadlab's imports of packages other than yargs stay imports. */
const keepPackageImports = {
  name: 'keep-package-imports',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (!args.importer.startsWith(SRC + sep) || args.path.startsWith('node:')) return undefined;
      return BUNDLED_PACKAGES.includes(args.path.split('/')[0]) ? undefined : { path: args.path, external: true };
    });
  },
};

/** string-width with the printable-ASCII answer first and the real module loaded on first other text. */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.namespace === 'lazy-string-width') return undefined;
      const real = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, namespace: 'lazy-string-width' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      resolveDir: dirname(args.path),
      loader: 'js',
      contents: `let measure;
module.exports = function stringWidth(text, options) {
  if (typeof text === 'string' && /^[\\x20-\\x7e]*$/.test(text)) return text.length;
  measure ??= require(${JSON.stringify(args.path)}).default;
  return measure(text, options);
};
`,
    }));
  },
};

/**
 * yargs' find-up (escalade), which it uses only to read the package.json above the working folder (its
 * version guess, made for every parser, and pkgConf): spreadlab names its version (main.ts) and uses no
 * pkgConf, so it finds nothing and reads no folder.
 */
const noFindUp = {
  name: 'no-find-up',
  setup(b) {
    b.onResolve({ filter: /^escalade\/sync$/ }, () => ({ path: 'escalade/sync', namespace: 'no-find-up' }));
    b.onLoad({ filter: /.*/, namespace: 'no-find-up' }, () => ({ loader: 'js', contents: 'export default function findUp() {}\n' }));
  },
};

/** yargs' command runner without its help-text build after a command's handler started (see the header). */
const noHelpAfterHandler = {
  name: 'no-help-after-handler',
  setup(b) {
    const call = 'yargs.getInternalMethods().getUsageInstance().cacheHelpMessage();';
    b.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const code = await readFile(args.path, 'utf8');
      if (code.split(call).length !== 2) throw new Error(`${args.path}: expected one ${call} (yargs changed: revisit noHelpAfterHandler)`);
      return { contents: code.replace(call, '/* help text not cached: spreadlab prints no help on failure */'), loader: 'js' };
    });
  },
};

/**
 * simple-statistics from its ES module sources (the package's index.js re-exports one module a function)
 * instead of its one-file build, whose top level computes a standard normal table that spreadlab never
 * reads (10-20 ms of a start on this VM: the loop compiles the whole chunk's top level on the stack); from
 * the sources, marked free of side effects, esbuild keeps only the functions imported. The build is made
 * from these sources: the same code.
 */
const simpleStatisticsSources = {
  name: 'simple-statistics-sources',
  setup(b) {
    b.onResolve({ filter: /^simple-statistics$/ }, async (args) => {
      const manifest = await b.resolve('simple-statistics/package.json', { resolveDir: args.resolveDir, kind: args.kind });
      if (manifest.errors.length > 0) return { errors: manifest.errors };
      return { path: join(dirname(manifest.path), 'index.js'), sideEffects: false };
    });
    b.onResolve({ filter: /^\.\.?\// }, (args) =>
      args.importer.includes(`${sep}simple-statistics${sep}`)
        ? { path: resolve(args.resolveDir, args.path), sideEffects: false }
        : undefined,
    );
  },
};

/** Deletes the .js files under `dir` (the .d.ts types and other assets stay). */
function deleteJavaScript(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) deleteJavaScript(path);
    else if (entry.name.endsWith('.js')) rmSync(path);
  }
}

if (existsSync(DIST)) deleteJavaScript(DIST);
await build({
  absWorkingDir: ROOT,
  entryPoints: ENTRY_POINTS,
  outdir: DIST,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [keepPackageImports, lazyStringWidth, noFindUp, noHelpAfterHandler, simpleStatisticsSources],
  logLevel: 'warning',
});
