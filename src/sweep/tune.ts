import { evidenceOf, type Evidence, type WeightedStat } from '../core/evidence.ts';
import { checkOutputFolder, openOutputFolder } from '../core/output.ts';
import { withOutputLock } from '../core/output-lock.ts';
import { rowObject, writeJournal, type JournalEntry } from './journal.ts';
import { runPool } from './pool.ts';
import { mainHorizonOf } from './run-one.ts';
import { finishSweep, planSweep, readScenarioBase, type SweepPlan } from './sweep.ts';
import { netSpreadOf } from './views.ts';

/**
 * The guide's tuning rule, judged net of fees and on evidence: start at a spread (10 bps), measure realized
 * spread at the main horizon net of fees and rebates (summary.netRealizedSpreadStats, pooled over the seeds),
 * widen by 5 bps while it is not consistently positive (its lower 95 % bound is not above 0), then narrow
 * step by step (1 bp by default) to trade more while it stays consistently positive. The chosen spread is
 * the narrowest one tried that was consistently positive with at least `minFills` fills.
 *
 * It stops without a choice, and says what would help, when a spread has fewer than `minFills` fills with a
 * complete markout while still widening (wider spreads fill even less: there is not enough data to tell), or
 * when it would widen past `maxSpread`. A spread measured once is not measured again.
 * Writes the folder a sweep writes (runs.jsonl, results.csv, configs.csv, best.json, sweep.html), one
 * configuration per spread tried. With several markets, the figures judged are those of one market
 * (`market`, default the quoted one: SweepBase.market).
 */
export interface TuneOptions {
  scenarioFile: string;
  overrides: string[];
  param: string;
  start: number;
  widenBy: number;
  narrowBy: number;
  maxSpread: number;
  minFills: number;
  seeds?: number;
  /** Several markets: the market whose realized spread is judged (SweepBase.market; default the quoted one). */
  market?: string;
  workers: number;
  out: string;
  onStep?: (step: TuneStep) => void;
}

export interface TuneStep {
  phase: 'widen' | 'narrow';
  spread: number;
  /** Realized spread net of fees at the main horizon, pooled over the seeds. */
  net: WeightedStat;
  /** Realized spread before fees at the main horizon, mean over the seeds. */
  grossBps: number | null;
  evidence: Evidence;
}

export interface TuneOutcome {
  chosen: number | null;
  steps: TuneStep[];
  /** Why tune chose what it chose, or nothing, and the next step. */
  conclusion: string;
}

export async function tune(options: TuneOptions): Promise<TuneOutcome> {
  checkOutputFolder(options.out, 'tune', 'the tune folder');
  return withOutputLock(options.out, 'tuning', () => {
    openOutputFolder(options.out, 'tune');
    return tuneLocked(options);
  });
}

async function tuneLocked(options: TuneOptions): Promise<TuneOutcome> {
  const entries: JournalEntry[] = [];
  const steps: TuneStep[] = [];
  const measured = new Map<number, TuneStep>();
  const horizon = mainHorizonOf(readScenarioBase(options.scenarioFile, options.overrides));
  const measure = async (phase: TuneStep['phase'], spread: number): Promise<TuneStep> => {
    const known = measured.get(spread);
    if (known) {
      const again = { ...known, phase };
      steps.push(again);
      options.onStep?.(again);
      return again;
    }
    const plan = await planSweep({ ...options, grid: [`${options.param}=${spread}`] });
    const offset = entries.length;
    // Runs are numbered across steps, and each spread is its own configuration; the rows carry both.
    const runs = plan.runs.map((r) => ({ ...r, index: offset + r.index, config: measured.size }));
    const rows: JournalEntry[] = [];
    await runPool(plan.base, runs, options.workers, (index, row) => rows.push({ index, row }));
    rows.sort((a, b) => a.index - b.index);
    entries.push(...rows);
    const objects = rows.map(rowObject);
    const net = netSpreadOf(objects, horizon);
    const gross = objects.map((r) => r[`realizedSpreadBps.${horizon}`]);
    const step: TuneStep = {
      phase,
      spread,
      net,
      grossBps: gross.every((g) => typeof g === 'number') ? (gross as number[]).reduce((a, b) => a + b, 0) / gross.length : null,
      evidence: evidenceOf(net, options.minFills),
    };
    measured.set(spread, step);
    steps.push(step);
    options.onStep?.(step);
    return step;
  };

  let spread = options.start;
  let step = await measure('widen', spread);
  let chosen: number | null = null;
  let reason = '';
  for (;;) {
    if (step.evidence === 'positive') {
      chosen = spread;
      break;
    }
    if (step.evidence === 'too-few' || step.evidence === 'none') {
      reason = `at ${spread} bps only ${step.net.count} fills with a complete ${horizon} markout (fewer than ${options.minFills}), and wider spreads fill less: the data cannot tell whether a wider spread pays. Next: run longer / more data (a longer recording, or --seeds on synthetic data)${steps.length === 1 ? `, or start narrower than --start ${options.start}` : ''}.`;
      break;
    }
    if (spread + options.widenBy > options.maxSpread) {
      reason = `realized spread net of fees at ${horizon} was not consistently positive up to ${spread} bps (--max-spread ${options.maxSpread}): fees and adverse selection take more than these spreads earn. Next: lower fees (a maker rebate tier), or another market.`;
      break;
    }
    spread = round(spread + options.widenBy);
    step = await measure('widen', spread);
  }
  let conclusion = `no spread chosen: ${reason}`;
  if (chosen !== null) {
    while (chosen - options.narrowBy > 0) {
      const narrower = await measure('narrow', round(chosen - options.narrowBy));
      if (narrower.evidence !== 'positive') break;
      chosen = narrower.spread;
    }
    const best = measured.get(chosen)!;
    conclusion = `chosen: ${options.param}=${chosen}, the narrowest spread tried whose realized spread net of fees at ${horizon} is consistently positive (${signed(best.net.mean!)} bps, 95% CI ${signed(best.net.ci95Low!)} to ${signed(best.net.ci95High!)}, ${best.net.count} fills). Next: check it on unseen data (spreadlab sweep --folds K) before promoting it.`;
  }
  writeJournal(options.out, entries);
  const plan: SweepPlan = await planSweep({ ...options, grid: [`${options.param}=${chosen ?? options.start}`] });
  const selection = { objective: `netRealizedSpreadStats.${horizon}.mean`, minimize: false, require: [], minFills: options.minFills };
  const rule = `Chosen by tune: start at ${options.start} bps, widen by ${options.widenBy} while realized spread net of fees at ${horizon} is not consistently positive (its 95% interval, pooled over the seeds, not above 0), then narrow by ${options.narrowBy} while it stays consistently positive; the narrowest such spread with at least ${options.minFills} fills.`;
  finishSweep(options.out, plan, entries, selection, 'tune', {
    rule,
    reason,
    pick: (configs) => configs.find((c) => c.params[options.param] === chosen) ?? null,
  });
  return { chosen, steps, conclusion };
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
}

function round(x: number): number {
  return Number(x.toPrecision(12));
}
