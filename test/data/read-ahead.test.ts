import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { finishChecking, openCacheFile, type CacheFile } from '../../src/data/cache.ts';
import { allocateColumns, FLAG_SNAPSHOT_START, Kind, type RowSource } from '../../src/data/columns.ts';
import { CorruptCacheError } from '../../src/data/corrupt-cache.ts';
import { READ_AHEAD_SLOTS } from '../../src/data/read-ahead.ts';
import { openCacheRows, READ_AHEAD_MIN_ROWS } from '../../src/data/stream.ts';
import { ROOT } from '../spawn-cli.ts';
import { allEventFields, distChunkExporting, eventFields, flip, openAsRead, tempDir, writeCacheFile } from './helpers.ts';

/**
 * A cache file of `rows` rows: trades, deltas, quotes (price2 and size2 stored) when `quotes`, and a
 * snapshot of 5 rows every 40 rows (so snapshots cross chunk boundaries); returns its path.
 */
function writeEntry(rows: number, quotes: boolean, dir = tempDir()): string {
  const path = join(dir, `entry-${rows}-${quotes}.cols`);
  const c = allocateColumns(rows, quotes);
  for (let i = 0; i < rows; i++) {
    const inSnapshot = i % 40 < 5;
    c.kind[i] = inSnapshot ? Kind.SNAPSHOT : quotes && i % 7 === 0 ? Kind.QUOTE : i % 3 === 0 ? Kind.TRADE : Kind.DELTA;
    c.flags[i] = (inSnapshot && i % 40 === 0 ? FLAG_SNAPSHOT_START : 0) | (i % 2);
    c.exchTs[i] = 1_000 + i;
    c.localTs[i] = 1_005 + i;
    c.price[i] = 100 + (i % 5);
    c.size[i] = 1 + i;
    if (quotes) {
      c.price2[i] = c.kind[i] === Kind.QUOTE ? 101 + (i % 3) : NaN;
      c.size2[i] = c.kind[i] === Kind.QUOTE ? 2 + (i % 4) : NaN;
    }
  }
  return writeCacheFile(path, c, rows);
}

/** Every event read as rows where a row is one event (as the backtest reads deltas), else with next(). */
function byRows(source: RowSource): string[] {
  const out: string[] = [];
  for (let i = source.peekRow(); i >= 0; i = source.peekRow()) {
    if (source.rows.kind[i] === Kind.SNAPSHOT || source.rows.kind[i] === Kind.QUOTE) {
      out.push(eventFields(source.next()!));
      continue;
    }
    out.push(`${source.rows.kind[i]} ${source.rows.exchTs[i]} ${source.rows.localTs[i]} ${source.rows.price[i]} ${source.rows.size[i]}`);
    source.skipRow();
  }
  return out;
}

/** The threads of this process (Linux: /proc/self/task). */
const threads = () => readdirSync('/proc/self/task').length;

/** The thread count once earlier tests' threads have ended: unchanged for half a second. */
async function settledThreads(gc: () => void): Promise<number> {
  let count = -1;
  for (let stable = 0; stable < 5; ) {
    gc();
    await new Promise((r) => setTimeout(r, 100));
    const now = threads();
    stable = now === count ? stable + 1 : 0;
    count = now;
  }
  return count;
}

/** Waits until `done` holds (polling), at most `ms`. */
async function until(done: () => boolean, ms = 10_000): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; ) {
    if (done()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return done();
}

describe('a cache file read ahead by a thread (read-ahead.ts, stream.ts openCacheRows)', () => {
  it('gives the rows and events the main thread reads, at chunk sizes that cycle the slots, and checks the file', () => {
    for (const quotes of [false, true]) {
      const path = writeEntry(1003, quotes);
      const expected = allEventFields(openCacheRows(openCacheFile(path) as CacheFile, 1000, false));
      const expectedRows = byRows(openCacheRows(openCacheFile(path) as CacheFile, 1000, false)() as RowSource);
      for (const chunkRows of [1, 7, 5000]) {
        const file = openAsRead(path);
        expect(allEventFields(openCacheRows(file, chunkRows, true)), `${chunkRows} rows a chunk`).toEqual(expected);
        expect(file.check?.state).toBe('passed');
      }
      expect(byRows(openCacheRows(openAsRead(path), 7, true)() as RowSource)).toEqual(expectedRows);
      // a file already checked: read again without folding
      const checked = openCacheFile(path) as CacheFile;
      expect(allEventFields(openCacheRows(checked, 7, true))).toEqual(expected);
    }
  });

  it('two sources over one file at once read the same rows; the check advances with the one ahead', () => {
    const path = writeEntry(300, false);
    const file = openAsRead(path);
    const a = openCacheRows(file, 8, true)();
    const b = openCacheRows(file, 8, true)();
    const fromA: string[] = [];
    const fromB: string[] = [];
    for (let k = 0; k < 100; k++) fromA.push(eventFields(a.next()!));
    for (let e = b.next(); e; e = b.next()) fromB.push(eventFields(e));
    expect(file.check?.state).toBe('passed');
    for (let e = a.next(); e; e = a.next()) fromA.push(eventFields(e));
    expect(fromA).toEqual(fromB);
  });

  it('a flipped byte of a column or of padding: CorruptCacheError when the last chunk is taken, the file removed', () => {
    for (const at of [-30, 'padding'] as const) {
      const path = writeEntry(203, false);
      const kindPadding = (openCacheFile(path) as CacheFile).offsets[0] + 203; // kind holds 203 bytes, padded to 208
      flip(path, at === 'padding' ? kindPadding : at);
      const file = openAsRead(path);
      const source = openCacheRows(file, 8, true)();
      let events = 0;
      expect(() => {
        while (source.next()) events++;
      }).toThrow(CorruptCacheError);
      expect(events).toBeGreaterThan(150); // every chunk before the last was handed out
      expect(file.check?.state).toBe('failed');
      expect(existsSync(path)).toBe(false);
    }
  });

  it('a run that stops early and closes its source: finishChecking completes the check, passing or failing', () => {
    const intact = openAsRead(writeEntry(203, false));
    const source = openCacheRows(intact, 8, true)() as RowSource;
    for (let k = 0; k < 50; k++) source.next();
    source.close?.();
    expect(source.next()).toBeNull();
    expect(intact.check?.state).toBe('reading');
    finishChecking(intact, 8);
    expect(intact.check?.state).toBe('passed');
    const path = writeEntry(203, false);
    flip(path, -30);
    const damaged = openAsRead(path);
    const early = openCacheRows(damaged, 8, true)() as RowSource;
    early.next();
    early.close?.();
    expect(() => finishChecking(damaged)).toThrow(CorruptCacheError);
    expect(existsSync(path)).toBe(false);
  });

  it('a file cut short or removed while it is read: the error the main thread’s read gives, when its chunk is taken', () => {
    const errorOf = (readAhead: boolean, damage: (path: string) => void): { message: string; code: unknown; rows: number } => {
      const path = writeEntry(203, false);
      const file = openAsRead(path);
      damage(path);
      const source = openCacheRows(file, 8, readAhead)();
      let rows = 0;
      try {
        while (source.next()) rows++;
      } catch (error) {
        return { message: (error as Error).message.replace(path, 'PATH'), code: (error as { code?: unknown }).code, rows };
      }
      throw new Error('no error');
    };
    for (const damage of [(path: string) => truncateSync(path, 1000), (path: string) => rmSync(path)]) {
      const main = errorOf(false, damage);
      expect(errorOf(true, damage)).toEqual(main);
    }
    expect(errorOf(true, (path) => truncateSync(path, 1000)).message).toMatch(/shorter than its header says/);
    expect(errorOf(true, (path) => rmSync(path)).code).toBe('ENOENT');
  });

  it('leaves no thread behind: read to the end, closed, or dropped and collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const path = writeEntry(2000, false);
    const before = await settledThreads(gc);
    // read to the end: the thread ends by itself
    expect(allEventFields(openCacheRows(openAsRead(path), 16, true)).length).toBeGreaterThan(0);
    expect(await until(() => threads() === before)).toBe(true);
    // closed after a few rows, the rest of the ring full: the thread stops
    const closed = openCacheRows(openAsRead(path), 16, true)() as RowSource;
    closed.next();
    expect(threads()).toBeGreaterThan(before);
    closed.close?.();
    expect(await until(() => threads() === before)).toBe(true);
    // dropped without close: stopped when collected
    (() => {
      for (let k = 0; k < 3; k++) openCacheRows(openAsRead(path), 16, true)().next();
    })();
    expect(threads()).toBeGreaterThan(before);
    expect(
      await until(() => {
        gc();
        return threads() === before;
      }),
    ).toBe(true);
  }, 60_000);

  it('an abandoned source does not keep the process alive (the thread is unref’d)', () => {
    const path = writeEntry(2000, false);
    const script = `
      import { openCacheFile } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src/data/cache.ts')).href)};
      import { openCacheRows } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src/data/stream.ts')).href)};
      const source = openCacheRows(openCacheFile(${JSON.stringify(path)}, 'as-read'), 16, true)();
      source.next();
      globalThis.kept = source;
      console.log('read one');`;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('read one');
    expect(result.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('the bundle ships the thread: dist reads a file ahead, as the sources do', () => {
    const path = writeEntry(500, true);
    const withOpen = distChunkExporting('openCacheFile');
    const withRows = distChunkExporting('openCacheRows');
    expect(withOpen && withRows).toBeTruthy();
    const script = `
      import { openCacheFile } from ${JSON.stringify(withOpen)};
      import { openCacheRows } from ${JSON.stringify(withRows)};
      const file = openCacheFile(${JSON.stringify(path)}, 'as-read');
      const source = openCacheRows(file, 16, true)();
      let n = 0;
      for (let e = source.next(); e; e = source.next()) n += e.kind === 'snapshot' ? e.bidPrices.length + e.askPrices.length : 1;
      console.log(n, file.check.state);`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('500 passed');
  });

  it('reads small files on the main thread by default (a thread’s start-up costs more than it saves there)', () => {
    const path = writeEntry(100, false);
    const before = threads();
    const source = openCacheRows(openAsRead(path), 8)();
    source.next();
    expect(threads()).toBe(before);
    expect(READ_AHEAD_MIN_ROWS).toBeGreaterThan(100);
    expect(READ_AHEAD_SLOTS).toBeGreaterThanOrEqual(2);
  });
});
