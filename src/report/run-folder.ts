import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { buildSummary, isoMicros, type Summary } from '../analytics/summary.ts';
import type { ScenarioRun } from '../sim/run-scenario.ts';
import { packageVersion } from '../core/version.ts';

/**
 * Writes a run folder: summary.json, fills.csv, run.json. The folder is assembled under a temporary name
 * beside the target and renamed into place only when every file is written, so a crash never leaves a
 * half-written run folder under the final name. Outputs contain no wall-clock time: the same scenario and
 * seed give byte-identical files.
 */
export function writeRunFolder(dir: string, run: ScenarioRun, overrides: string[]): Summary {
  const summary = buildSummary(run);
  const staging = join(dirname(dir), `.${basename(dir)}.partial`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'summary.json'), json(summary));
  writeFileSync(join(staging, 'fills.csv'), fillsCsv(run));
  writeFileSync(join(staging, 'run.json'), json(runRecord(run, overrides)));
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return summary;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export const FILLS_HEADER = 'exch_ts_us,time,order_id,side,price,size,liquidity,fee,position_after';

function fillsCsv({ result, units }: ScenarioRun): string {
  const lines = [FILLS_HEADER];
  for (const f of result.fills) {
    lines.push(
      [
        f.exchTs,
        isoMicros(f.exchTs),
        f.orderId,
        f.side,
        units.formatPrice(f.price),
        units.formatSize(f.size),
        f.liquidity,
        units.money(f.fee),
        units.formatSize(f.positionAfter),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

function runRecord(run: ScenarioRun, overrides: string[]): unknown {
  const scenarioText = JSON.stringify(run.scenario);
  return {
    spreadlab: packageVersion(),
    scenario: run.scenario,
    scenarioSha256: createHash('sha256').update(scenarioText).digest('hex'),
    seed: run.scenario.seed,
    overrides,
    dataFiles: run.dataFiles,
  };
}
