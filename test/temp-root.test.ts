import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import { expect, it } from 'vitest';

it('test files make their temporary folders under the run’s own root (test/temp-root.ts), removed when the run ends', () => {
  expect(basename(tmpdir())).toMatch(/^spreadlab-tests-/);
});
