/**
 * spreadlab's public API: what a strategy module and a program that uses spreadlab as a library import
 * (`import { defineStrategy, z, loadScenario, runScenario } from 'spreadlab'`). These names, their types and
 * their behaviour as documented in the README's "API reference" are the promise; every other module of the
 * package is internal and may change without notice.
 */

// Writing a strategy
export { defineStrategy, type StrategyDefinition } from './strategy/define.ts';
export { z } from 'zod';
export type {
  BookView,
  Clock,
  FillEvent,
  Level,
  OpenOrder,
  OrderAck,
  OrderRequest,
  OrderStatus,
  Side,
  Snapshot,
  Strategy,
  StrategyContext,
  TradeView,
  Venue,
} from './strategy/api.ts';
export { roundQuoteToTick, roundToTick } from './strategy/seed.ts';
export { BUILT_IN_STRATEGIES } from './strategy/registry.ts';

// Scenarios, runs and their outputs
export { loadScenario, parseScenario, type Scenario } from './sim/scenario.ts';
export { runScenario, type ScenarioRun } from './sim/run-scenario.ts';
export { analyzeRun, type RunAnalysis, type Summary } from './analytics/summary.ts';
export { verdict } from './analytics/verdict.ts';
export { writeRunFolder } from './report/run-folder.ts';
export { loadRun, type LoadedRun } from './report/load-run.ts';
export { writeRunReport } from './report/run-report.ts';

// Parameter sweeps
export { sweep, type SweepOptions } from './sweep/sweep.ts';

// Errors a user can cause and fix (bad file, scenario, parameter): a message naming where and what was expected
export { SpreadlabError, isUserError } from './core/errors.ts';
