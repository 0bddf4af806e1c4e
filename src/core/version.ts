import { readFileSync } from 'node:fs';
import { packageFile } from './package-files.ts';

/** The package version, from package.json (read once). */
let cached: string | undefined;
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
