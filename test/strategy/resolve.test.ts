import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SpreadlabError } from '../../src/core/errors.ts';
import { loadStrategyModule, resolveStrategy } from '../../src/strategy/resolve.ts';

/** A user's strategy module: loaded once, checked by its own schema, hashed with the local files it imports. */
// inside the repository (under the ignored .cache/), so the module resolves 'zod' as a user's project does
mkdirSync('.cache', { recursive: true });
const dir = resolve(mkdtempSync(join('.cache', 'resolve-')));
const DEFINE = resolve('src/strategy/define.ts');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'helper.ts'), 'export const offset = 2;\n');
writeFileSync(
  join(dir, 'quoter.ts'),
  `import { z } from 'zod';
import { defineStrategy } from ${JSON.stringify(DEFINE)};
import { offset } from './helper.ts';
export default defineStrategy({
  name: 'quoter',
  params: z.object({ size: z.number().positive(), ticks: z.number().int().default(offset) }),
  create: () => async () => {},
});
`,
);
writeFileSync(join(dir, 'not-a-strategy.ts'), 'export default { name: "x" };\n');

async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SpreadlabError);
  return (error as Error).message;
}

describe('a strategy module', () => {
  it('is checked by its own schema, strictly, with defaults filled in and the JSON path in errors', async () => {
    const resolved = await resolveStrategy({ module: './quoter.ts', size: 0.01 }, dir, 's.json');
    expect(resolved.config).toEqual({ module: './quoter.ts', size: 0.01, ticks: 2 });
    expect(await rejection(resolveStrategy({ module: './quoter.ts', size: 'x' }, dir, 's.json'))).toBe(
      's.json: strategy.size: expected number, got string',
    );
    expect(await rejection(resolveStrategy({ module: './quoter.ts', size: 1, extra: 1 }, dir, 's.json'))).toBe(
      's.json: strategy: unknown key(s) "extra"',
    );
    expect(await rejection(resolveStrategy({ module: './quoter.ts', name: 'quoter', size: 1 }, dir, 's.json'))).toMatch(/not both/);
  });

  it('hashes the module and the local files it imports, the same however its path is given', async () => {
    const absolute = await loadStrategyModule(join(dir, 'quoter.ts'), '/', 't');
    const fromCwd = await loadStrategyModule(relative(process.cwd(), join(dir, 'quoter.ts')), '.', 't');
    expect(absolute.module.files).toEqual(['quoter.ts', 'helper.ts']); // not spreadlab's own sources
    expect(fromCwd.module.sha256).toBe(absolute.module.sha256);
    expect(absolute.module.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a missing file, a wrong extension and a default export that is not a definition', async () => {
    expect(await rejection(resolveStrategy({ module: './absent.ts' }, dir, 's.json'))).toBe(
      's.json: strategy.module: ./absent.ts: cannot read (ENOENT)',
    );
    expect(await rejection(resolveStrategy({ module: './quoter.py' }, dir, 's.json'))).toMatch(/expected a TypeScript or JavaScript file/);
    expect(await rejection(resolveStrategy({ module: './not-a-strategy.ts' }, dir, 's.json'))).toMatch(
      /expected a default export made with defineStrategy/,
    );
  });
});
