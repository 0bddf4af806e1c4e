import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * vitest global setup: the installed command (bin/spreadlab.js) and the example strategies (which import
 * 'spreadlab') run the compiled package in dist/, so the tests first rebuild it (`npm run build`: tsc's
 * types, then the bundle and the report pages' vega libraries) when any source is newer than the last build.
 * On a clean clone `npm install` has just built it and this does nothing.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const STAMP = join(ROOT, 'dist', '.tsbuildinfo');
const BUNDLE = join(ROOT, 'dist', 'cli', 'main.js');

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestSource(join(path, name))));
}

export default function buildDist(): void {
  const sources = Math.max(
    newestSource(join(ROOT, 'src')),
    ...['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/bundle.mjs', 'scripts/vega-libraries.mjs'].map((f) =>
      newestSource(join(ROOT, f)),
    ),
  );
  if (existsSync(STAMP) && existsSync(BUNDLE) && statSync(STAMP).mtimeMs >= sources) return;
  for (const step of [
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    [join(ROOT, 'scripts/bundle.mjs')],
    [join(ROOT, 'scripts/vega-libraries.mjs')],
  ]) {
    const result = spawnSync(process.execPath, step, { cwd: ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
  }
}
