import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { startActivity } from '../../src/core/activity.ts';
import { lineChunks } from '../../src/data/input.ts';
import { activitiesOf, tempDir } from '../data/helpers.ts';

/** A gzip file of `lines` CSV lines of incompressible-enough text (several of lineChunks' pieces). */
function gzipFile(lines: number): string {
  const text = Array.from({ length: lines }, (_, i) => `${i},${(i * 7919) % 100_003},${((i * 104_729) % 1_000_003).toString(36)}`).join(
    '\n',
  );
  const path = join(tempDir(), 'lines.csv.gz');
  writeFileSync(path, gzipSync(`${text}\n`));
  return path;
}

describe('activities (core/activity.ts)', () => {
  it('are silent without a handler, go to the handler set, and back to silence when it is restored', async () => {
    const silent = startActivity('nobody listens');
    expect(() => (silent.update(0.5), silent.done())).not.toThrow();
    const seen = await activitiesOf(async () => {
      const a = startActivity('one');
      a.update(0.25);
      a.done();
    });
    expect(seen).toEqual([{ label: 'one', fractions: [0.25], done: 1 }]);
    expect(await activitiesOf(async () => {})).toEqual([]);
  });

  it('reading a file: advanced by its bytes read, to 1, and done once even when the reader stops early', async () => {
    const path = gzipFile(400_000);
    const whole = await activitiesOf(async () => {
      for await (const chunk of lineChunks(path, 'data/lines.csv.gz')) expect(chunk.length).toBeGreaterThan(0);
    });
    expect(whole.map((a) => [a.label, a.done])).toEqual([['read lines.csv.gz', 1]]);
    expect(whole[0].fractions.length).toBeGreaterThan(2);
    expect(whole[0].fractions.at(-1)).toBe(1);
    expect(whole[0].fractions).toEqual([...whole[0].fractions].sort((x, y) => x - y));
    const stopped = await activitiesOf(async () => {
      for await (const chunk of lineChunks(path)) if (chunk.length > 0) break;
    });
    expect(stopped.map((a) => a.done)).toEqual([1]);
    expect(stopped[0].fractions.at(-1)).toBeLessThan(1);
  });
});
