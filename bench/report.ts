/**
 * Shared shape and printing for benchmarks: each row puts our figure beside a peer's measured on the same
 * input in the same run, and the table shows the ratio ours/peer (for a rate, > 1 means we are faster).
 */
export interface BenchRow {
  name: string;
  ours: number;
  peer: number;
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
    const ratio = row.ours / row.peer;
    lines.push(
      `| ${row.name} | ${formatFigure(row.ours)} | ${formatFigure(row.peer)} | ${row.unit} | ` +
        `${ratio.toFixed(2)}× | ${row.peerName} |`,
    );
  }
  return lines.join('\n');
}

export function printTable(rows: readonly BenchRow[]): void {
  console.log(formatTable(rows));
}
