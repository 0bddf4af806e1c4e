import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PiecewiseFile, writeFileAtomically } from '../../src/core/output.ts';

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

describe('writeFileAtomically', () => {
  it('writes bytes given in pieces one after the other, replacing the file whole, no temporary file left', () => {
    const dir = mkdtempSync(join(tmp, 'pieces-'));
    const file = join(dir, 'page.html');
    writeFileAtomically(file, 'old');
    const pieces = [Buffer.from('<head>'), Buffer.alloc(200_000, 'µ'), new Uint8Array(0), Buffer.from('</html>\n')];
    writeFileAtomically(file, pieces);
    expect(readFileSync(file).equals(Buffer.concat(pieces))).toBe(true);
    expect(readdirSync(dir)).toEqual(['page.html']);
  });
});
