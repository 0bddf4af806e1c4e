import { readFileSync } from 'node:fs';

/**
 * Shared shape and printing for benchmarks: each row puts our figure beside a peer's measured on the same
 * input in the same run, and the table shows the ratio ours/peer (for a rate, > 1 means we are faster).
 * A row without a peer (`peer: null`) prints "n/a" for the peer and "—" for the ratio.
 */
export interface BenchRow {
  name: string;
  ours: number;
  peer: number | null;
  unit: string;
  peerName: string;
}

function formatFigure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(4);
}

/** A markdown table of the rows, with the ratio ours/peer. */
export function formatTable(rows: readonly BenchRow[]): string {
  const lines = ['| benchmark | ours | peer | unit | ratio (ours/peer) | peer |', '|---|---:|---:|---|---:|---|'];
  for (const row of rows) {
    const peer = row.peer === null ? 'n/a' : formatFigure(row.peer);
    const ratio = row.peer === null ? '—' : `${(row.ours / row.peer).toFixed(2)}×`;
    lines.push(`| ${row.name} | ${formatFigure(row.ours)} | ${peer} | ${row.unit} | ${ratio} | ${row.peerName} |`);
  }
  return lines.join('\n');
}

export function printTable(rows: readonly BenchRow[]): void {
  console.log(formatTable(rows));
}

/**
 * One untimed warm-up call, then `runs` timed calls; returns the fastest call's seconds and its value.
 * Every module but the venue's (which interleaves ours and the peer's runs) times its runs this way.
 */
export async function fastestOf<T>(runs: number, run: () => T | Promise<T>): Promise<{ seconds: number; value: T }> {
  await run();
  let best: { seconds: number; value: T } | null = null;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const value = await run();
    const seconds = (performance.now() - start) / 1000;
    if (best === null || seconds < best.seconds) best = { seconds, value };
  }
  return best as { seconds: number; value: T };
}

/** The installed version of a peer package, for the table's peer column (read from node_modules: not every package exports its package.json). */
export function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string })
    .version;
}
