// The installed command's front end as one file: `npm run build` runs this after tsc.
//
// dist/cli-bundle/spreadlab.js holds src/cli (the command definitions and handlers) and yargs with its
// helpers, bundled by esbuild; bin/spreadlab.js runs it. Node then loads one file to print --help instead
// of about forty (module resolution and compilation were most of the start-up time). A module of src/cli
// that is imported lazily (import()) gets a file of its own in the same folder (esbuild's splitting), so
// what it imports stays unloaded until it runs.
//
// Rules:
// - Every import of src/cli that leaves src/cli stays an import of the tsc-built module in dist/ (a
//   relative path, .ts → .js), and every package but yargs stays a package import: the engine, zod and the
//   rest are loaded when a handler asks for them, and exist once per process, shared with a user's strategy
//   module that imports 'spreadlab' (zod schemas, SpreadlabError, the warnings sink, the sweep workers'
//   file all keep their identity).
// - string-width, which yargs' help layout calls for every word, is wrapped: printable ASCII (all of
//   spreadlab's help) is as wide as it is long, which is what string-width computes for it; anything else
//   is measured by the copy of string-width the importer would have used, loaded on first need (loading it
//   builds an Intl.Segmenter, about 25 ms).
// Known limits: yargs' locale files are not bundled; main.ts sets yargs' locale to English.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC_CLI = resolve(ROOT, 'src/cli');
/** Beside dist/cli, at the same depth, so that src/cli's relative paths reach the same compiled modules. */
const OUT_DIR = resolve(ROOT, 'dist/cli-bundle');
const BUNDLED_PACKAGES = ['yargs'];

const inCli = (file) => file.startsWith(SRC_CLI + sep);

/** Keeps src/cli's imports of the rest of spreadlab, and of packages other than yargs, as imports. */
const keepEngineImports = {
  name: 'keep-engine-imports',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!inCli(args.importer)) return undefined;
      const target = resolve(dirname(args.importer), args.path);
      if (inCli(target)) return undefined;
      // OUT_DIR is as deep in dist/ as src/cli is in src/: the same relative path, to the compiled file.
      return { path: relative(SRC_CLI, target).split(sep).join('/').replace(/\.ts$/, '.js'), external: true };
    });
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (!inCli(args.importer) || args.path.startsWith('node:')) return undefined;
      const name = args.path.split('/')[0];
      return BUNDLED_PACKAGES.includes(name) ? undefined : { path: args.path, external: true };
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

rmSync(OUT_DIR, { recursive: true, force: true }); // no chunk of an earlier build left behind
await build({
  entryPoints: { spreadlab: resolve(SRC_CLI, 'main.ts') },
  outdir: OUT_DIR,
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [keepEngineImports, lazyStringWidth],
  logLevel: 'warning',
});
