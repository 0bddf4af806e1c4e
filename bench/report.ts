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
  const lines = [
    '| benchmark | ours | peer | unit | ratio (ours/peer) | peer |',
    '|---|---:|---:|---|---:|---|',
  ];
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
