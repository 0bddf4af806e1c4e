import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeRun } from '../src/analytics/summary.ts';
import { runScenario, type ScenarioRun } from '../src/sim/run-scenario.ts';
import { loadScenario } from '../src/sim/scenario.ts';
import { fastestOf, type BenchRow } from './report.ts';

/**
 * Whole-simulation benchmark: the shipped random-walk demo (scenarios/random-walk-demo.json: one simulated hour of the
 * seeded random-walk market, quoted by the inventory-skew strategy through the simulated venue with its
 * latency and queue models), end to end: generating the synthetic market, the event loop, venue, strategy
 * and ledger. The figure is market events processed per second of wall time (result.marketEvents /
 * seconds). The analytics pass (analyzeRun: markouts, PnL decomposition, risk, timeline) is timed apart,
 * on the finished run, and reported in the same unit (market events of the run analysed per second).
 * One warm-up run, then the best of three, each; the four simulations must agree on their
 * event and fill counts (determinism), or the benchmark throws. No peer runs this scenario: no peer column.
 */

const SCENARIO = fileURLToPath(new URL('../scenarios/random-walk-demo.json', import.meta.url));
const RUNS = 3;

export async function benchSimulation(): Promise<BenchRow[]> {
  const scenario = await loadScenario(SCENARIO);
  const runs: ScenarioRun[] = [];
  const sim = await fastestOf(RUNS, async () => {
    const run = await runScenario(scenario, dirname(SCENARIO));
    runs.push(run);
    return run;
  });
  const { result } = sim.value;
  for (const run of runs) {
    if (run.result.marketEvents !== result.marketEvents || run.result.fills.length !== result.fills.length) {
      throw new Error(
        `simulation bench: runs disagree (${run.result.marketEvents} vs ${result.marketEvents} events, ` +
          `${run.result.fills.length} vs ${result.fills.length} fills)`,
      );
    }
  }
  const analysis = await fastestOf(RUNS, () => analyzeRun(sim.value));
  const fmt = (n: number): string => n.toLocaleString('en-US');
  console.log(
    `simulation: scenario '${scenario.name}' (${scenario.durationSeconds ?? '?'} s simulated, seed ${scenario.seed}): ` +
      `${fmt(result.marketEvents)} market events, ${fmt(result.ordersSent)} orders sent, ${fmt(result.fills.length)} fills; ` +
      `best run ${sim.seconds.toFixed(3)} s, analytics ${analysis.seconds.toFixed(3)} s`,
  );
  return [
    {
      name: `Simulation: demo scenario end to end (${fmt(result.marketEvents)} events)`,
      ours: result.marketEvents / sim.seconds,
      peer: null,
      unit: 'market events/s',
      peerName: 'n/a (no peer)',
    },
    {
      name: 'Analytics: analyzeRun on the demo run',
      ours: result.marketEvents / analysis.seconds,
      peer: null,
      unit: 'market events/s',
      peerName: 'n/a (no peer)',
    },
  ];
}
