import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { horizonLabel } from '../analytics/summary.ts';
import { SpreadlabError } from '../core/errors.ts';
import { readJsonFile } from '../core/json-file.ts';
import { checkOutputFile, fileHeadMatches, writeOutputFile } from '../core/output.ts';
import { packageVersion } from '../core/version.ts';
import { sha256File } from '../data/replay.ts';
import { readPortfolioSummary, readRunRecord, readSummary } from '../report/load-run.ts';
import { RUN_FILE } from '../report/run-files.ts';
import { applyOverride, isMultiMarket, parseScenario, scenarioMarkets, type Scenario } from '../sim/scenario.ts';
import { portfolioFigures, summaryFigures } from '../sweep/run-one.ts';
import { loadStrategyModule, type StrategyConfig, type StrategyModule } from '../strategy/resolve.ts';
import { readJournal, rowObject, MANIFEST } from '../sweep/journal.ts';
import { configFigures, parseConstraint, rankConfigs, type ConfigFigures } from '../sweep/objective.ts';
import { defaultRisk, type GuardrailCheck, type LiveConfig, type RiskLimits } from './config.ts';

/**
 * `spreadlab promote DIR --out configs/live/NAME.json`: turns the configuration a sweep (or a single
 * backtest) chose into a live config, with its provenance, default risk limits, and guardrails.
 *
 * What DIR can be:
 * - a walk-forward folder (walkforward.csv): the configuration chosen on the last fold's training window
 *   is promoted; in-sample figures are that fold's training figures; out-of-sample figures are the mean,
 *   over the folds, of each fold's chosen configuration on its unseen test window (the usual walk-forward
 *   estimate), compared with the mean of the folds' training figures;
 * - a sweep folder (best.json): the configuration at `--rank` (1 = best.json's best; rank N = N-th by the
 *   sweep's objective among configurations passing its --require constraints); no out-of-sample figures;
 * - a run folder (summary.json + run.json): its scenario; no out-of-sample figures.
 *
 * Guardrails (each refuses the promotion unless its flag is given; the file records every check and which
 * were overridden):
 * - `realized-spread` (--allow-nonpositive-spread): realized spread at the main horizon net of fees and
 *   rebates (netRealizedSpreadStats, as the verdict and tune judge it) must be > 0 in-sample, and
 *   out-of-sample when there are out-of-sample figures: a spread that covers adverse selection but not the
 *   fees loses money live;
 * - `out-of-sample` (--allow-no-oos): out-of-sample figures must exist, and must not be much worse than
 *   in-sample. "Much worse", for a maximized objective with a positive in-sample value: out-of-sample
 *   < 50 % of in-sample (`--oos-ratio`); with a non-positive in-sample value: out-of-sample below it; for a
 *   minimized objective: out-of-sample > in-sample + 50 % of |in-sample|;
 * - `fills` (--allow-few-fills): at least 30 fills (`--min-fills`) in-sample (mean over seeds).
 */
export interface PromoteOptions {
  source: string;
  out: string;
  rank: number;
  allowNonpositiveSpread: boolean;
  allowNoOos: boolean;
  allowFewFills: boolean;
  minFills: number;
  oosRatio: number;
  /** Risk limits given on the command line, over the defaults. */
  risk?: Partial<RiskLimits>;
  /** Time of promotion (wall clock; injectable for tests). */
  now?: Date;
}

export const PROMOTE_DEFAULTS = { rank: 1, minFills: 30, oosRatio: 0.5 } as const;

type Figures = Record<string, number | null>;

interface Candidate {
  kind: 'walk-forward' | 'sweep' | 'run';
  scenario: Scenario;
  params: Record<string, unknown>;
  objective: string;
  direction: 'maximize' | 'minimize';
  inSample: Figures;
  outOfSample: Figures | null;
  /** Per-fold figures of a walk-forward. */
  folds?: Record<string, unknown>[];
  dataFiles: { path: string; sha256: string | null }[];
  /** The user's strategy module as it was measured (its hash), when the scenario names one. */
  strategyModule: StrategyModule | null;
  period: Record<string, unknown>;
  extra: Record<string, unknown>;
}

export interface PromoteResult {
  config: LiveConfig;
  refused: GuardrailCheck[];
}

export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  checkOutputFile(options.out, 'the live config', isLiveConfigFile);
  const candidate = await readCandidate(options.source, options.rank);
  const horizon = horizonLabel(candidate.scenario.analytics.mainHorizonSeconds);
  const checks = guardrails(candidate, horizon, options);
  const refused = checks.filter((c) => !c.passed && !c.overridden);
  const { window: _window, ...measured } = candidate.scenario;
  const { strategy, strategyModule } = await promotedStrategy(candidate, options);
  const scenario = { ...measured, strategy };
  const lastFold = candidate.extra.lastFoldInSample as Figures | undefined;
  const referenceMid = candidate.inSample.finalMid ?? lastFold?.finalMid ?? null;
  const risk: RiskLimits = { ...defaultRisk(scenario.strategy, referenceMid), ...(options.risk ?? {}) };
  const config: LiveConfig = {
    kind: 'spreadlab-live-config',
    version: 1,
    name: basename(options.out).replace(/\.json$/, ''),
    scenario: scenario as Scenario,
    risk,
    guardrails: { checks, overridden: checks.filter((c) => c.overridden).map((c) => c.name) },
    provenance: {
      source: options.source,
      sourceResolved: resolve(options.source),
      sourceKind: candidate.kind,
      rank: candidate.kind === 'sweep' ? options.rank : undefined,
      params: candidate.params,
      objective: candidate.objective,
      direction: candidate.direction,
      mainHorizon: horizon,
      dataFiles: candidate.dataFiles,
      strategyModule: strategyModule ?? undefined,
      period: candidate.period,
      inSample: candidate.inSample,
      outOfSample: candidate.outOfSample,
      folds: candidate.folds,
      ...candidate.extra,
      spreadlab: packageVersion(),
      promotedAt: (options.now ?? new Date()).toISOString(),
    },
  };
  if (refused.length === 0) writeOutputFile(options.out, `${JSON.stringify(config, null, 2)}\n`);
  return { config, refused };
}

/** A live config spreadlab wrote (promote replaces such a file, and nothing else). */
function isLiveConfigFile(file: string): boolean {
  return fileHeadMatches(file, (head) => /^\{\s*"kind":\s*"spreadlab-live-config"/.test(head));
}

/**
 * A user's strategy module is promoted as measured: its file must still hash as it did when the sweep or
 * run measured it, and the live config names it relative to the config's own folder.
 */
async function promotedStrategy(
  candidate: Candidate,
  options: PromoteOptions,
): Promise<{ strategy: StrategyConfig; strategyModule: StrategyModule | null }> {
  const strategy = candidate.scenario.strategy;
  if (strategy.module === undefined) return { strategy, strategyModule: null };
  const measured = candidate.strategyModule;
  if (!measured) {
    throw new SpreadlabError(
      `${options.source}: no record of the strategy module's hash (written by an older spreadlab): run it again, then promote`,
    );
  }
  const { module: current } = await loadStrategyModule(measured.path, '.', options.source);
  if (current.sha256 !== measured.sha256) {
    throw new SpreadlabError(
      `${options.source}: strategy module ${measured.path} changed since it was measured (sha256 ${measured.sha256.slice(0, 12)}… now ${current.sha256.slice(0, 12)}…): run the sweep or backtest again, then promote`,
    );
  }
  const fromConfig = relative(dirname(resolve(options.out)), resolve(measured.path));
  const path = fromConfig.startsWith('.') || isAbsolute(fromConfig) ? fromConfig : `./${fromConfig}`;
  return { strategy: { ...strategy, module: path }, strategyModule: { ...current, path } };
}

const FLAG_OF: Record<string, string> = {
  'realized-spread': '--allow-nonpositive-spread',
  'out-of-sample': '--allow-no-oos',
  fills: '--allow-few-fills',
};

export function refusalMessage(refused: GuardrailCheck[]): string {
  return `promotion refused:\n${refused.map((c) => `  ${c.name}: ${c.detail} (override with ${FLAG_OF[c.name]})`).join('\n')}`;
}

export function guardrails(c: Candidate, horizon: string, o: PromoteOptions): GuardrailCheck[] {
  const checks: GuardrailCheck[] = [];
  const rsKey = `netRealizedSpreadStats.${horizon}.mean`;
  const rsIn = c.inSample[rsKey] ?? null;
  const rsOut = c.outOfSample ? (c.outOfSample[rsKey] ?? null) : null;
  const rsPassed = rsIn !== null && rsIn > 0 && (c.outOfSample === null || (rsOut !== null && rsOut > 0));
  checks.push({
    name: 'realized-spread',
    passed: rsPassed,
    value: c.outOfSample && rsOut !== null && (rsIn ?? 0) > 0 ? rsOut : rsIn,
    threshold: 0,
    overridden: !rsPassed && o.allowNonpositiveSpread,
    detail: `realized spread at ${horizon} net of fees: in-sample ${fmt(rsIn)} bps${c.outOfSample ? `, out-of-sample ${fmt(rsOut)} bps` : ''}; must be > 0`,
  });

  if (c.outOfSample === null) {
    checks.push({
      name: 'out-of-sample',
      passed: false,
      value: null,
      threshold: o.oosRatio,
      overridden: o.allowNoOos,
      detail: `no out-of-sample figures (${c.kind} folder); run a walk-forward (spreadlab sweep --folds K) and promote its folder`,
    });
  } else {
    const inObj = c.inSample[c.objective] ?? null;
    const outObj = c.outOfSample[c.objective] ?? null;
    let passed: boolean;
    let rule: string;
    if (inObj === null || outObj === null) {
      passed = false;
      rule = 'objective missing';
    } else if (c.direction === 'maximize') {
      passed = inObj > 0 ? outObj >= o.oosRatio * inObj : outObj >= inObj;
      rule = inObj > 0 ? `must be ≥ ${o.oosRatio} × in-sample` : 'must not be below in-sample';
    } else {
      passed = outObj <= inObj + (1 - o.oosRatio) * Math.abs(inObj);
      rule = `must be ≤ in-sample + ${1 - o.oosRatio} × |in-sample| (minimized)`;
    }
    checks.push({
      name: 'out-of-sample',
      passed,
      value: outObj,
      threshold: inObj,
      overridden: !passed && o.allowNoOos,
      detail: `${c.objective}: in-sample ${fmt(inObj)}, out-of-sample ${fmt(outObj)}; ${rule}`,
    });
  }

  const fills = c.inSample['fills.count'] ?? null;
  const fillsPassed = fills !== null && fills >= o.minFills;
  checks.push({
    name: 'fills',
    passed: fillsPassed,
    value: fills,
    threshold: o.minFills,
    overridden: !fillsPassed && o.allowFewFills,
    detail: `${fmt(fills)} fills in-sample; at least ${o.minFills} needed to judge`,
  });
  return checks;
}

function fmt(x: number | null): string {
  return x === null ? 'NA' : String(Number(x.toPrecision(6)));
}

async function readCandidate(dir: string, rank: number): Promise<Candidate> {
  if (!existsSync(dir)) throw new SpreadlabError(`${dir}: no such folder`);
  if (existsSync(join(dir, 'walkforward.csv'))) return readWalkForward(dir);
  if (existsSync(join(dir, 'best.json'))) return readSweep(dir, rank);
  if (existsSync(join(dir, RUN_FILE.summary)) && existsSync(join(dir, RUN_FILE.record))) return readRun(dir);
  throw new SpreadlabError(
    `${dir}: not a sweep folder (best.json), walk-forward folder (walkforward.csv) or run folder (${RUN_FILE.summary} + ${RUN_FILE.record})`,
  );
}

function readJson(file: string): Record<string, unknown> {
  return readJsonFile(file, 'sweep or run file') as Record<string, unknown>;
}

interface BestJson {
  objective: string;
  direction: 'maximize' | 'minimize';
  require: string[];
  best: { config: number; params: Record<string, unknown>; seeds: number[]; figures: Figures } | null;
  scenario?: unknown;
  source?: { scenarioFile?: string; strategyModule?: StrategyModule };
}

async function readSweep(dir: string, rank: number): Promise<Candidate> {
  const best = readJson(join(dir, 'best.json')) as unknown as BestJson;
  if (!best.best || !best.scenario)
    throw new SpreadlabError(
      `${join(dir, 'best.json')}: the sweep chose no configuration (${String((best as unknown as { reason?: string }).reason ?? 'no best')})`,
    );
  let chosen: ConfigFigures = { config: best.best.config, params: best.best.params, seeds: best.best.seeds, means: best.best.figures };
  if (rank !== 1) chosen = rankedConfig(dir, best, rank);
  const raw = structuredClone(best.scenario) as Record<string, unknown>;
  for (const [path, value] of Object.entries(chosen.params)) applyOverride(raw, `${path}=${JSON.stringify(value)}`);
  const scenario = parseScenario(raw, join(dir, 'best.json'));
  const scenarioDir = best.source?.scenarioFile ? dirname(best.source.scenarioFile) : dir;
  return {
    kind: 'sweep',
    scenario,
    params: chosen.params,
    objective: best.objective,
    direction: best.direction,
    inSample: chosen.means,
    outOfSample: null,
    dataFiles: await hashDataFiles(scenario, scenarioDir),
    strategyModule: best.source?.strategyModule ?? null,
    period: periodOf(scenario),
    extra: { config: chosen.config, seeds: chosen.seeds, require: best.require },
  };
}

/** The configuration at `rank` (1-based) by the sweep's objective, among those passing its constraints. */
function rankedConfig(dir: string, best: BestJson, rank: number): ConfigFigures {
  if (!(Number.isInteger(rank) && rank >= 1)) throw new SpreadlabError(`--rank ${rank}: expected a whole number ≥ 1`);
  const manifest = readJson(join(dir, MANIFEST)) as { paramPaths?: string[] };
  const rows = [...readJournal(dir).values()].sort((a, b) => a.index - b.index).map(rowObject);
  const ranked = rankConfigs(
    configFigures(rows, manifest.paramPaths ?? []),
    best.objective,
    best.direction === 'minimize',
    best.require.map(parseConstraint),
  );
  if (rank > ranked.length) throw new SpreadlabError(`--rank ${rank}: the sweep in ${dir} has ${ranked.length} eligible configuration(s)`);
  return ranked[rank - 1];
}

async function readWalkForward(dir: string): Promise<Candidate> {
  const rows = csvRowObjects(readFileSync(join(dir, 'walkforward.csv'), 'utf8'), join(dir, 'walkforward.csv'));
  if (rows.length === 0) throw new SpreadlabError(`${join(dir, 'walkforward.csv')}: no folds`);
  const folds = readdirSync(dir)
    .filter((f) => /^fold-\d+$/.test(f))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  const lastWithBest = [...rows]
    .reverse()
    .find(
      (r) =>
        r['train.from'] !== undefined &&
        Object.keys(r).some((k) => k.startsWith('train.') && r[k] !== null && !['train.from', 'train.to'].includes(k)),
    );
  if (!lastWithBest || folds.length === 0) throw new SpreadlabError(`${dir}: no fold chose a configuration`);
  const foldIndex = Number(lastWithBest.fold);
  const inner = await readSweep(join(dir, `fold-${foldIndex}`, 'train'), 1);
  const figureKeys = Object.keys(rows[0])
    .filter((k) => k.startsWith('train.') && k !== 'train.from' && k !== 'train.to')
    .map((k) => k.slice(6));
  const meanOf = (prefix: string): Figures | null => {
    const out: Figures = {};
    for (const key of figureKeys) {
      const values = rows.map((r) => r[`${prefix}.${key}`]).filter((v): v is number => typeof v === 'number');
      out[key] = values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
    }
    return Object.values(out).every((v) => v === null) ? null : out;
  };
  const trainMean = meanOf('train');
  const testMean = meanOf('test');
  return {
    ...inner,
    kind: 'walk-forward',
    // The guardrails compare like with like: mean over folds in-sample vs mean over folds out-of-sample; the
    // promoted configuration's own training figures (every summary figure) are kept under
    // provenance.lastFoldInSample.
    inSample: trainMean ?? {},
    outOfSample: testMean,
    folds: rows,
    period: { from: rows[0]['train.from'], to: rows[rows.length - 1]['test.to'], folds: rows.length },
    extra: { ...inner.extra, fold: foldIndex, lastFoldInSample: inner.inSample },
  };
}

async function readRun(dir: string): Promise<Candidate> {
  const run = readRunRecord(join(dir, RUN_FILE.record));
  const scenario = parseScenario(run.scenario, join(dir, RUN_FILE.record));
  // Several markets: the quoted market's figures under the one-market names, the portfolio's under portfolio.
  const summaryFile = join(dir, RUN_FILE.summary);
  const summary = isMultiMarket(scenario) ? readPortfolioSummary(summaryFile) : readSummary(summaryFile);
  const inSample: Figures = {};
  for (const [k, v] of 'quotedMarket' in summary ? portfolioFigures(summary) : summaryFigures(summary))
    if (typeof v === 'number' || v === null) inSample[k] = v as number | null;
  return {
    kind: 'run',
    scenario,
    params: {},
    objective: `realizedSpreadBps.${horizonLabel(scenario.analytics.mainHorizonSeconds)}`,
    direction: 'maximize',
    inSample,
    outOfSample: null,
    dataFiles: run.dataFiles,
    strategyModule: run.strategyModule ?? null,
    period: summary.period,
    extra: {},
  };
}

async function hashDataFiles(scenario: Scenario, baseDir: string): Promise<{ path: string; sha256: string | null }[]> {
  const files = scenarioMarkets(scenario).flatMap((m) => [
    ...(Array.isArray(m.data.files) ? (m.data.files as string[]) : []),
    ...(m.funding && 'files' in m.funding ? m.funding.files : []),
  ]);
  const out: { path: string; sha256: string | null }[] = [];
  for (const file of files) {
    const path = isAbsolute(file) ? file : join(baseDir, file);
    out.push({ path, sha256: existsSync(path) ? await sha256File(path) : null });
  }
  return out;
}

function periodOf(scenario: Scenario): Record<string, unknown> {
  return {
    data: scenarioMarkets(scenario)
      .map((m) => (m.data.kind === 'synthetic' ? `synthetic ${String(m.data.model)} (seeds vary)` : 'recorded'))
      .join(' + '),
    seconds: scenario.durationSeconds ?? null,
    window: scenario.window ?? null,
  };
}

/** One object per row of a CSV this project writes, by header (csvCell quoting; NA or empty → null; numbers parsed); `file` names it in errors. */
export function csvRowObjects(text: string, file = 'CSV'): Record<string, string | number | null>[] {
  let lines: string[][];
  try {
    lines = parse(text, { relax_column_count: true }) as string[][];
  } catch (error) {
    throw new SpreadlabError(`${file}: not a valid CSV (${(error as Error).message})`);
  }
  const [header, ...body] = lines;
  if (!header) return [];
  return body.map((cells) =>
    Object.fromEntries(
      header.map((h, i) => {
        const v = cells[i] ?? '';
        if (v === 'NA' || v === '') return [h, null];
        const n = Number(v);
        return [h, Number.isFinite(n) && /^-?[\d.]+(e[-+]?\d+)?$/i.test(v) ? n : v];
      }),
    ),
  );
}
