import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { register as registerModule } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SpreadlabError } from '../core/errors.ts';
import { FROM_SOURCES, packageFile } from '../core/package-files.ts';
import { schemaError } from '../core/schema-errors.ts';
import type { Strategy } from './api.ts';
import { definitionProblem, type StrategyDefinition } from './define.ts';
import { BUILT_IN_STRATEGIES } from './registry.ts';

/**
 * From a scenario's `strategy` object to the strategy of a run.
 *
 * Rules:
 * - `{"name": N, …params}` names a built-in (BUILT_IN_STRATEGIES); `{"module": P, …params}` a user's file:
 *   a TypeScript (.ts, .mts, .cts) or JavaScript (.js, .mjs, .cjs) module whose default export is made with
 *   `defineStrategy`. P is relative to the scenario file's folder (or absolute). TypeScript is compiled on
 *   load (tsx, in memory): the user sets up no build. Giving both `name` and `module` is an error.
 * - The parameters (every other key) are checked by the definition's `params` schema, strictly: unknown keys
 *   are errors, reported as `source: strategy.key: what was expected`. Defaults are filled in, and the
 *   completed object is what run folders record.
 * - A module is loaded once per process (and once per sweep worker). Its provenance is its absolute path
 *   and a SHA-256 over the module file and every file of the user's it imports (not installed packages,
 *   nor spreadlab's own code), each named by its path from the module's folder, in import order; `promote`
 *   records it and `live` refuses a module whose hash changed.
 * Known limits: a module is not reloaded when its file changes during a process; a module's own
 * dependencies on data files are not hashed.
 */
export interface StrategyConfig {
  name?: string;
  module?: string;
  [param: string]: unknown;
}

export interface StrategyModule {
  /** The file: the scenario's path joined to the scenario's folder (as run folders record data files). */
  path: string;
  /** SHA-256 of the module and the local files it imports. */
  sha256: string;
  /** The local files hashed, relative to the module's folder, in import order. */
  files: string[];
}

export interface ResolvedStrategy {
  definition: StrategyDefinition;
  /** The strategy object as given, with every default filled in (`name` or `module` first). */
  config: StrategyConfig;
  /** Set for a user's module. */
  module: StrategyModule | null;
  create(): Strategy;
}

/** How messages and pages name a strategy: a built-in's name, or the module's path. */
export function strategyLabel(config: { name?: unknown; module?: unknown }): string {
  return String(config.module ?? config.name);
}

export const MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/** Finds and checks the strategy a scenario names; `source` names the scenario in messages. */
export async function resolveStrategy(config: StrategyConfig, baseDir: string, source: string): Promise<ResolvedStrategy> {
  const { name, module: modulePath, ...raw } = config;
  let definition: StrategyDefinition;
  let module: StrategyModule | null = null;
  if (modulePath !== undefined) {
    if (name !== undefined) throw new SpreadlabError(`${source}: strategy: give "name" (a built-in) or "module" (your file), not both`);
    const loaded = await loadStrategyModule(modulePath, baseDir, source);
    definition = loaded.definition;
    module = loaded.module;
  } else {
    definition = builtInStrategy(name, source);
  }
  const parsed = definition.params.strict().safeParse(raw);
  if (!parsed.success) throw schemaError(source, parsed.error, ['strategy']);
  const params = parsed.data as Record<string, unknown>;
  const head = module ? { module: modulePath } : { name };
  return { definition, config: { ...head, ...params }, module, create: () => definition.create(params) };
}

export function builtInStrategy(name: unknown, source: string): StrategyDefinition {
  const found = findBuiltIn(name);
  if (!found) throw new SpreadlabError(`${source}: strategy.name: ${unknownStrategy(name)}`);
  return found;
}

export function findBuiltIn(name: unknown): StrategyDefinition | undefined {
  return BUILT_IN_STRATEGIES.find((s) => s.name === name);
}

export function unknownStrategy(name: unknown): string {
  const names = BUILT_IN_STRATEGIES.map((s) => JSON.stringify(s.name)).join(', ');
  return `expected one of ${names}, got ${JSON.stringify(name)} (or "module": "./my-strategy.ts" for a strategy of your own)`;
}

interface LoadedModule {
  definition: StrategyDefinition;
  module: StrategyModule;
}

const loaded = new Map<string, Promise<LoadedModule>>();

/** Loads (once per process) the strategy module at `path`, relative to `baseDir`. */
export function loadStrategyModule(path: string, baseDir: string, source: string): Promise<LoadedModule> {
  const file = resolve(baseDir, path);
  let pending = loaded.get(file);
  if (!pending) {
    pending = importModule(path, file, join(baseDir, path), source);
    loaded.set(file, pending);
    pending.catch(() => loaded.delete(file));
  }
  return pending;
}

async function importModule(path: string, file: string, shown: string, source: string): Promise<LoadedModule> {
  const where = `${source}: strategy.module: ${path}`;
  if (!MODULE_EXTENSIONS.some((ext) => file.endsWith(ext))) {
    throw new SpreadlabError(`${where}: expected a TypeScript or JavaScript file (${MODULE_EXTENSIONS.join(', ')})`);
  }
  let stat;
  try {
    stat = statSync(file);
  } catch (error) {
    throw new SpreadlabError(`${where}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (!stat.isFile()) throw new SpreadlabError(`${where}: not a regular file`);
  const imported: string[] = [];
  let namespace: Record<string, unknown>;
  try {
    const { register } = await import('tsx/esm/api');
    const scoped = register({
      namespace: randomUUID(),
      onImport: (url: string) => {
        if (!url.startsWith('file:')) return;
        const path = fileURLToPath(url.replace(/\?.*$/, ''));
        if (!isPackageFile(path)) imported.push(path);
      },
    });
    // after this module's tsx hooks, so that it resolves 'spreadlab' before them: once per module, since hooks run
    // last-registered first and each module's namespace would otherwise come ahead of the hook (a second engine)
    if (!FROM_SOURCES) registerModule(ENGINE_HOOK);
    namespace = await scoped.import(pathToFileURL(file).href, import.meta.url);
  } catch (error) {
    throw new SpreadlabError(`${where}: failed to load: ${loadFailure(error)}`);
  }
  const definition = (namespace.default ?? namespace.strategy) as unknown;
  const problem = definitionProblem(definition);
  if (problem !== null) {
    throw new SpreadlabError(`${where}: expected a default export made with defineStrategy({ name, params, create }): ${problem}`);
  }
  return { definition: definition as StrategyDefinition, module: { path: shown, ...hashFiles(file, imported) } };
}

/**
 * A module of the user's is loaded by tsx in a namespace of its own, so that its imports can be listed, and
 * tsx loads everything such a module imports again in that namespace, installed packages included: a
 * second engine if its `import … from 'spreadlab'` went through tsx. The bundle (not the TypeScript sources,
 * whose engine tsx or vitest load) resolves 'spreadlab' itself, to its own entry (dist/index.js), so that a
 * strategy's zod schemas, SpreadlabError and the warnings sink are the engine's that runs it.
 */
const ENGINE_HOOK = `data:text/javascript,${encodeURIComponent(`export function resolve(specifier, context, next) {
  return specifier === 'spreadlab' ? { url: ${JSON.stringify(packageFile('dist/index.js').href)}, shortCircuit: true } : next(specifier, context);
}`)}`;

/** This package's own code (its dist/ or src/, when a module imports 'spreadlab') and installed packages are not the user's. */
const PACKAGE_CODE = [fileURLToPath(packageFile('dist/')), fileURLToPath(packageFile('src/'))];

function isPackageFile(path: string): boolean {
  return path.includes(`${sep}node_modules${sep}`) || PACKAGE_CODE.some((dir) => path.startsWith(dir));
}

function loadFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const first = error.message.split('\n')[0];
  if (code === 'ERR_MODULE_NOT_FOUND' && /'spreadlab'/.test(first)) {
    return `${first} (install spreadlab in the strategy's project: npm install spreadlab)`;
  }
  return first;
}

/** One SHA-256 over the module and the local files it imported, each named by its path from the module's folder. */
function hashFiles(entry: string, imported: string[]): { sha256: string; files: string[] } {
  const base = join(entry, '..');
  const files = [...new Set([entry, ...imported])].map((f) => relative(base, f));
  const hash = createHash('sha256');
  for (const name of files) {
    hash.update(name).update('\0');
    hash.update(readFileSync(join(base, name))).update('\0');
  }
  return { sha256: hash.digest('hex'), files };
}
