import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { spreadlabOk as cli } from '../spawn-cli.ts';

/** tune and walk-forward judge realized spread at the main horizon of the scenario after its --set overrides. */
const SHORT = ['--set', 'durationSeconds=60', '--set', 'analytics.mainHorizonSeconds=5', '--workers', '1'];
const tmp = (): string => mkdtempSync(join(tmpdir(), 'spreadlab-horizon-'));
const csvRows = (text: string): Record<string, string>[] => parse(text, { columns: true });

describe('main horizon from --set analytics.mainHorizonSeconds', () => {
  it('tune measures and selects on realizedSpreadBps.5s', () => {
    const out = tmp();
    const { stdout } = cli(['tune', 'scenarios/demo.json', ...SHORT, '--start', '10', '--step', '5', '--out', out]);
    const printed = [...stdout.matchAll(/bps: realized spread (-?[\d.]+) bps/g)].map((m) => m[1]);
    const rows = csvRows(readFileSync(join(out, 'results.csv'), 'utf8'));
    expect(rows.length).toBe(printed.length);
    // The horizons really differ here, so the check below tells them apart.
    expect(rows.some((r) => Number(r['realizedSpreadBps.5s']).toFixed(2) !== Number(r['realizedSpreadBps.30s']).toFixed(2))).toBe(true);
    expect(printed).toEqual(rows.map((r) => Number(r['realizedSpreadBps.5s']).toFixed(2)));
    const best = JSON.parse(readFileSync(join(out, 'best.json'), 'utf8'));
    expect(best.objective).toBe('realizedSpreadBps.5s');
    expect(best.require).toEqual(['realizedSpreadBps.5s>0']);
    // sweep.html charts the 5 s realized spread (here the objective itself), not the default 30 s panel
    const page = readFileSync(join(out, 'sweep.html'), 'utf8');
    expect(page).toContain('realizedSpreadBps.5s');
    expect(page).not.toContain('realizedSpreadBps.30s');
  });

  it('walk-forward reports realizedSpreadBps.5s in walkforward.csv', () => {
    const out = tmp();
    cli(['sweep', 'scenarios/demo.json', ...SHORT, '--grid', 'strategy.spreadBps=5,10', '--folds', '1', '--out', out]);
    const header = readFileSync(join(out, 'walkforward.csv'), 'utf8').split('\n')[0].split(',');
    expect(header).toContain('train.realizedSpreadBps.5s');
    expect(header).toContain('test.realizedSpreadBps.5s');
    expect(header).not.toContain('train.realizedSpreadBps.30s');
  });
});
