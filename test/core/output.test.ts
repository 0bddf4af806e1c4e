import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PiecewiseFile } from '../../src/core/output.ts';

const tmp = mkdtempSync(join(tmpdir(), 'spreadlab-output-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('PiecewiseFile', () => {
  it('puts the whole text in place only at commit, multi-byte characters intact across its pieces', () => {
    const file = join(tmp, 'big.csv');
    const pieces = Array.from({ length: 40_000 }, (_, i) => `${i},≤0.005,€\n`); // several 64 k pieces
    const out = new PiecewiseFile(file);
    for (const piece of pieces) out.write(piece);
    expect(existsSync(file)).toBe(false);
    out.commit();
    expect(readFileSync(file, 'utf8')).toBe(pieces.join(''));
    expect(readdirSync(tmp)).toEqual(['big.csv']);
  });

  it('leaves nothing when abandoned, and keeps the file it would have replaced', () => {
    const file = join(tmp, 'big.csv');
    const before = readFileSync(file, 'utf8');
    const out = new PiecewiseFile(file);
    out.write('x'.repeat(100_000));
    out.abandon();
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(tmp)).toEqual(['big.csv']);
  });

  it('fails at once when its folder does not exist', () => {
    expect(() => new PiecewiseFile(join(tmp, 'missing', 'x.csv'))).toThrow(/ENOENT/);
  });
});
