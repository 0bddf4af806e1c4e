import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SpreadlabError } from '../core/errors.ts';
import { evidenceOf, pooledStat, type SeedSpread, type WeightedStat } from '../core/evidence.ts';
import { readJsonFile } from '../core/json-file.ts';
import { renderSweepPage, sweepMetrics, type SweepPageConfig } from '../report/sweep-page.ts';
import type { StrategyModule } from '../strategy/resolve.ts';
import { csvText } from './flatten.ts';
import { readJournal, rowObject, writeAtomically, JOURNAL } from './journal.ts';
import { configFigures, groupByConfig, metricFigure, parseConstraint, passes, type ResultRow } from './objective.ts';

/**
 * What a sweep (or tune) folder shows besides results.csv, rendered from its runs.jsonl and best.json only,
 * so `spreadlab report DIR` re-renders it without running anything:
 * - configs.csv: one row per configuration: config, its parameters, runs, whether the choice considered it
 *   and why not, then per metric (the sweep page's) its mean over the seeds, sd, and 95 % interval across
 *   the seeds (`<column>`, `<column>.sd`, `<column>.ci95Low`, `<column>.ci95High`; NA with one seed).
 * - sweep.html (report/sweep-page.ts).
 * Which configurations the choice considered: for a sweep, those passing every constraint of best.json's
 * `require` (the --require flags and --min-fills) with a figure for the objective; for tune, those whose
 * realized spread net of fees at the main horizon, pooled over their seeds, is consistently positive with at
 * least minFills fills (the evidence rule, core/evidence.ts).
 */
export const BEST = 'best.json';
export const CONFIGS = 'configs.csv';
export const SWEEP_PAGE = 'sweep.html';

export interface SweepMeta {
  kind: 'grid' | 'random' | 'tune';
  title: string;
  objective: string;
  direction: 'maximize' | 'minimize';
  /** The sentence stating how the best was chosen. */
  rule: string;
  /** Every constraint a chosen configuration passes (the --require flags, then the fills minimum). */
  require: string[];
  minFills: number;
  /** Swept parameter paths, in flag order. */
  params: string[];
  mainHorizon: string;
  warnings: string[];
}

export interface BestJson extends SweepMeta {
  best: {
    config: number;
    params: Record<string, unknown>;
    seeds: number[];
    objectiveMean: number | null;
    /** Mean over the seeds of every figure; counts (fills, orders, events) rounded to whole numbers. */
    figures: Record<string, number | null>;
    /** The page's metrics across the seeds: mean, sd, 95 % interval. */
    acrossSeeds: Record<string, SeedSpread>;
  } | null;
  reason?: string;
  scenario?: unknown;
  source: { scenarioFile: string; overrides: string[]; runListHash: string; strategyModule?: StrategyModule };
}

/** The pooled realized spread net of fees at the main horizon of a configuration's runs. */
export function netSpreadOf(rows: ResultRow[], mainHorizon: string): WeightedStat {
  const column = (field: string): string => `netRealizedSpreadStats.${mainHorizon}.${field}`;
  const number = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  return pooledStat(
    rows.map((r) => ({
      mean: number(r[column('mean')]),
      count: number(r[column('count')]) ?? 0,
      sd: number(r[column('sd')]),
      ci95Low: number(r[column('ci95Low')]),
      ci95High: number(r[column('ci95High')]),
    })),
  );
}

/** Whether the choice considered a configuration, and why not (see the header). */
function assess(meta: SweepMeta, rows: ResultRow[], means: Record<string, number | null>): { eligible: boolean; note: string } {
  if (meta.kind === 'tune') {
    const stat = netSpreadOf(rows, meta.mainHorizon);
    const evidence = evidenceOf(stat, meta.minFills);
    const interval =
      stat.ci95Low === null ? '' : ` (95% CI ${stat.ci95Low.toFixed(2)} to ${stat.ci95High!.toFixed(2)} bps, ${stat.count} fills)`;
    const notes = {
      positive: `consistently positive${interval}`,
      negative: `consistently negative${interval}`,
      'spans-zero': `not enough evidence: the interval spans 0${interval}`,
      'too-few': `not enough evidence: ${stat.count} fills (fewer than ${meta.minFills})`,
      none: 'no fills with a complete markout',
    };
    return { eligible: evidence === 'positive', note: notes[evidence] };
  }
  const failed = meta.require.map(parseConstraint).filter((c) => !passes(means[c.column] ?? null, c));
  if (failed.length > 0) {
    const fills = means['fills.count'];
    const text = failed.map((c) =>
      c.column === 'fills.count' && c.text.endsWith(`>=${meta.minFills}`) && fills !== undefined && fills !== null
        ? `fewer than ${meta.minFills} fills (${Number(fills.toPrecision(4))} a run)`
        : `fails ${c.text}`,
    );
    return { eligible: false, note: text.join('; ') };
  }
  if (typeof means[meta.objective] !== 'number') return { eligible: false, note: `no ${meta.objective}` };
  return { eligible: true, note: '' };
}

/** Writes configs.csv and sweep.html from the folder's runs and its best.json. */
export function writeSweepViews(dir: string, best: BestJson, rows: ResultRow[]): void {
  const metrics = sweepMetrics(Object.keys(rows[0] ?? {}), best.objective, best.mainHorizon);
  const figures = configFigures(rows, best.params);
  const grouped = new Map(groupByConfig(rows));
  const configs: SweepPageConfig[] = figures.map((c) => {
    const runs = grouped.get(c.config)!;
    return {
      config: c.config,
      params: c.params,
      runs: runs.length,
      figures: Object.fromEntries(metrics.map((m) => [m.column, metricFigure(runs, m.column, m.interval)])),
      ...assess(best, runs, c.means),
    };
  });
  const header = [
    'config',
    ...best.params,
    'runs',
    'considered',
    'note',
    ...metrics.flatMap((m) => [m.column, `${m.column}.sd`, `${m.column}.ci95Low`, `${m.column}.ci95High`]),
  ];
  const lines = configs.map((c) => [
    c.config,
    ...best.params.map((p) => c.params[p]),
    c.runs,
    c.eligible,
    c.note,
    ...metrics.flatMap((m) => {
      const f = c.figures[m.column];
      return [f.mean, f.sd, f.ci95Low, f.ci95High];
    }),
  ]);
  writeAtomically(join(dir, CONFIGS), csvText([header, ...lines]));
  const html = renderSweepPage({
    title: best.title,
    kind: best.kind,
    params: best.params,
    configs,
    metrics,
    objective: best.objective,
    minimize: best.direction === 'minimize',
    rule: best.rule,
    best: best.best?.config ?? null,
    reason: best.reason,
    warnings: best.warnings,
    runs: rows.length,
  });
  writeAtomically(join(dir, SWEEP_PAGE), html);
}

/** Re-renders a sweep or tune folder's configs.csv and sweep.html from its runs.jsonl and best.json. */
export function rerenderSweepFolder(dir: string): string {
  const bestFile = join(dir, BEST);
  if (!existsSync(bestFile) || !existsSync(join(dir, JOURNAL)))
    throw new SpreadlabError(`${dir}: not a sweep folder (expected ${BEST} and ${JOURNAL}, written by spreadlab sweep or tune)`);
  const best = readJsonFile(bestFile, 'sweep file') as BestJson;
  if (typeof best.kind !== 'string' || !Array.isArray(best.params))
    throw new SpreadlabError(`${bestFile}: written by an older spreadlab (no kind or params): run the sweep again to render its page`);
  const rows = [...readJournal(dir).values()].sort((a, b) => a.index - b.index).map(rowObject);
  if (rows.length === 0) throw new SpreadlabError(`${join(dir, JOURNAL)}: no runs`);
  writeSweepViews(dir, best, rows);
  return join(dir, SWEEP_PAGE);
}
