import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { loadScenario } from '../../src/sim/scenario.ts';
import { runScenario, type ScenarioRun } from '../../src/sim/run-scenario.ts';
import { ROOT, spreadlabOk } from '../spawn-cli.ts';
import { RECORD_KEY, type Entry } from './recorded.ts';

export type { Entry };

export const EXAMPLES_DIR = join(ROOT, 'examples/strategies');
const RECORDER = join(ROOT, 'test/examples/recorded.ts');

export interface RecordedRun {
  run: ScenarioRun;
  /** The example's parameters as the scenario gives them, defaults filled in. */
  params: Record<string, any>;
  record: Entry[];
}

/**
 * Runs examples/strategies/NAME.json as its file says (with `--set`-style overrides), but with the strategy
 * wrapped by the recorder (test/examples/recorded.ts); returns the run and what the strategy did and saw.
 */
export async function runRecorded(name: string, overrides: string[] = []): Promise<RecordedRun> {
  const file = join(EXAMPLES_DIR, `${name}.json`);
  const scenario = await loadScenario(file, overrides); // checks the parameters with the example's own schema
  const { module: _module, ...params } = scenario.strategy;
  const run = await runScenario({ ...scenario, strategy: { module: RECORDER, example: name, params } }, dirname(file));
  return { run, params, record: (globalThis as Record<string, any>)[RECORD_KEY] };
}

/** Each fill as `order_id side exch_ts_us`, in the run's order. */
function fillKeys(run: ScenarioRun): string[] {
  return run.result.fills.map((f) => `${f.orderId} ${f.side} ${f.exchTs}`);
}

/** The same, from the fills.csv of examples/strategies/NAME.json backtested unchanged by the real CLI. */
function backtestWithCli(name: string): string[] {
  const out = mkdtempSync(join(tmpdir(), `spreadlab-${name}-`));
  try {
    spreadlabOk(['backtest', join(EXAMPLES_DIR, `${name}.json`), '--out', out]);
    const [header, ...rows] = readFileSync(join(out, 'fills.csv'), 'utf8').trim().split('\n');
    const [ts, id, side] = ['exch_ts_us', 'order_id', 'side'].map((column) => header.split(',').indexOf(column));
    return rows.map((row) => row.split(',')).map((cells) => `${cells[id]} ${cells[side]} ${cells[ts]}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Every example's first test: its scenario runs from the CLI, and trades as the recorded run (the recorder changes nothing). */
export function itRunsFromTheCli(name: string, recorded: () => RecordedRun): void {
  it('runs from the CLI as its scenario file says, with the same fills as the recorded run', () => {
    const fills = backtestWithCli(name);
    expect(fills.length).toBeGreaterThan(100);
    expect(fills).toEqual(fillKeys(recorded().run));
  });
}

/** The record cut into the strategy's requote cycles: each starts with a getSnapshot call. */
export function requoteCycles(record: Entry[]): Entry[][] {
  const cycles: Entry[][] = [];
  for (const entry of record) {
    if (entry.kind === 'call' && entry.method === 'getSnapshot') cycles.push([]);
    cycles.at(-1)?.push(entry);
  }
  return cycles;
}

/** The reply to the cycle's call of `method` (undefined when the run ended before it came). */
export function replyTo(cycle: Entry[], method: string): any {
  return cycle.find((e) => e.kind === 'reply' && e.method === method)?.data;
}

/** The argument lists of the cycle's calls of `method`, in order. */
export function callsOf(cycle: Entry[], method: string): any[][] {
  return cycle.filter((e) => e.kind === 'call' && e.method === method).map((e) => e.data);
}

/** Whole ticks from `a` to `b`. */
export function ticksBetween(a: number, b: number, tickSize: number): number {
  return Math.round((b - a) / tickSize);
}
