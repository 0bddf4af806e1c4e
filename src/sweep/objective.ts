import { SpreadlabError } from '../core/errors.ts';
import { seedSpread } from '../core/evidence.ts';
import type { MetricFigure } from '../report/sweep-page.ts';

/**
 * Choosing the best configuration of a sweep.
 *
 * Rules:
 * - A configuration's figure is the mean over its seeds of that column (runs of one configuration differ
 *   only by seed); a column that is NA in any of its runs makes the figure NA.
 * - `--require col>value` (also >=, <, <=, ==, !=) keeps only configurations whose figure passes; NA fails.
 *   `--min-fills N` (default 30) adds `fills.count>=N`: a configuration whose runs average fewer fills is never
 *   chosen, whatever its objective (a run without fills scores 0 PnL, which beats any loss).
 * - The best is the highest objective (lowest with --minimize) among those kept; ties go to the earlier
 *   configuration in the run list. No configuration passing gives no best (best.json says why).
 */
export interface Constraint {
  column: string;
  op: '>' | '>=' | '<' | '<=' | '==' | '!=';
  value: number;
  text: string;
}

export type ResultRow = Record<string, unknown>;

export function parseConstraint(text: string): Constraint {
  const m = /^([^<>=!]+)(>=|<=|==|!=|>|<)(.+)$/.exec(text.trim());
  const value = m ? Number(m[3]) : NaN;
  if (!m || !Number.isFinite(value)) throw new SpreadlabError(`--require ${text}: expected column>number, e.g. realizedSpreadBps.30s>0`);
  return { column: m[1].trim(), op: m[2] as Constraint['op'], value, text };
}

export function passes(figure: number | null, c: Constraint): boolean {
  if (figure === null) return false;
  switch (c.op) {
    case '>':
      return figure > c.value;
    case '>=':
      return figure >= c.value;
    case '<':
      return figure < c.value;
    case '<=':
      return figure <= c.value;
    case '==':
      return figure === c.value;
    case '!=':
      return figure !== c.value;
  }
}

export interface ConfigFigures {
  config: number;
  params: Record<string, unknown>;
  seeds: number[];
  /** Mean over seeds of every numeric column. */
  means: Record<string, number | null>;
}

/** The rows of each configuration, by configuration number (ascending). */
export function groupByConfig(rows: ResultRow[]): [number, ResultRow[]][] {
  const byConfig = new Map<number, ResultRow[]>();
  for (const row of rows) {
    const list = byConfig.get(row.config as number) ?? [];
    list.push(row);
    byConfig.set(row.config as number, list);
  }
  return [...byConfig.entries()].sort(([a], [b]) => a - b);
}

/** Groups rows (with `config`, `seed` and param columns) by configuration and averages their figures. */
export function configFigures(rows: ResultRow[], paramPaths: string[]): ConfigFigures[] {
  return groupByConfig(rows).map(([config, list]) => {
    const means: Record<string, number | null> = {};
    for (const column of Object.keys(list[0])) {
      if (column === 'run' || column === 'config' || column === 'seed' || paramPaths.includes(column)) continue;
      const values = list.map((r) => r[column]);
      if (values.every((v) => typeof v === 'number' || v === null) && values.some((v) => typeof v === 'number')) {
        means[column] = values.some((v) => v === null) ? null : (values as number[]).reduce((a, b) => a + b, 0) / values.length;
      }
    }
    return {
      config,
      params: Object.fromEntries(paramPaths.map((p) => [p, list[0][p]])),
      seeds: list.map((r) => r.seed as number),
      means,
    };
  });
}

/** The constraint `--min-fills N` stands for. */
export function minFillsConstraint(minFills: number): string {
  return `fills.count>=${minFills}`;
}

/** Columns that count things (fills, orders, events): whole numbers per run. */
export function isCountColumn(column: string): boolean {
  return /(^|\.)(count|buys|sells|sent|rejected|cancelled|requotes|incomplete)$|^events$/.test(column);
}

/**
 * A configuration's figure for display (MetricFigure, sweep-page.ts): its spread over the seeds and the
 * interval to draw: over the seeds with two or more, else the run's own interval over its fills when the
 * figure has one (`interval` names its low and high columns), else none.
 */
export function metricFigure(rows: ResultRow[], column: string, interval?: [string, string]): MetricFigure {
  const value = (row: ResultRow, c: string): number | null => (typeof row[c] === 'number' ? (row[c] as number) : null);
  const spread = seedSpread(rows.map((r) => value(r, column)));
  if (spread.n >= 2) return { ...spread, low: spread.ci95Low, high: spread.ci95High, interval: 'seeds' };
  const run = rows.find((r) => value(r, column) !== null);
  if (interval && run && value(run, interval[0]) !== null && value(run, interval[1]) !== null)
    return { ...spread, low: value(run, interval[0]), high: value(run, interval[1]), interval: 'fills' };
  return { ...spread, low: null, high: null, interval: null };
}

/**
 * The configurations passing the constraints with a figure for the objective, best first (highest, or
 * lowest when minimizing); ties keep the list's order (configFigures lists them by config number).
 */
export function rankConfigs(configs: ConfigFigures[], objective: string, minimize: boolean, constraints: Constraint[]): ConfigFigures[] {
  if (configs.length > 0 && !(objective in configs[0].means)) {
    throw new SpreadlabError(`--objective ${objective}: not a numeric column of the results (e.g. pnl.total, realizedSpreadBps.30s)`);
  }
  const figure = (c: ConfigFigures): number => c.means[objective]!;
  return configs
    .filter((c) => typeof c.means[objective] === 'number' && constraints.every((k) => passes(c.means[k.column] ?? null, k)))
    .sort((a, b) => (minimize ? figure(a) - figure(b) : figure(b) - figure(a)));
}

export function chooseBest(
  configs: ConfigFigures[],
  objective: string,
  minimize: boolean,
  constraints: Constraint[],
): ConfigFigures | null {
  return rankConfigs(configs, objective, minimize, constraints)[0] ?? null;
}
