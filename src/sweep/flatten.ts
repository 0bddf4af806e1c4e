import { csvField } from '../core/csv.ts';

/**
 * Flattens a summary to dotted column names ("pnl.total", "realizedSpreadBps.30s") with scalar values, in
 * the summary's own key order, so results.csv columns are stable.
 */
export function flatten(value: unknown, prefix = '', out: [string, unknown][] = []): [string, unknown][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.push([prefix, value]);
  }
  return out;
}

/** One CSV cell: numbers in shortest round-trip form, null/undefined as NA, text quoted as core/csv.ts quotes it. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return 'NA';
  return csvField(typeof value === 'string' ? value : JSON.stringify(value));
}

/** CSV text: one line of csvCell cells per row (the header is a row), each line ending in a newline. */
export function csvText(rows: readonly (readonly unknown[])[]): string {
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}
