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
  it('tune measures and selects on realized spread net of fees at 5s', () => {
    const out = tmp();
    const { stdout } = cli(['tune', 'scenarios/demo.json', ...SHORT, '--start', '10', '--step', '5', '--min-fills', '5', '--out', out]);
    const printed = new Map([...stdout.matchAll(/^\w+\s+([\d.]+) bps: net of fees ([+-]?[\d.]+) bps/gm)].map((m) => [m[1], Number(m[2])]));
    const rows = csvRows(readFileSync(join(out, 'results.csv'), 'utf8'));
    expect(rows.length).toBe(printed.size);
    // The horizons really differ here, so the check below tells them apart.
    expect(
      rows.some((r) => Number(r['netRealizedSpreadStats.5s.mean']).toFixed(2) !== Number(r['netRealizedSpreadStats.30s.mean']).toFixed(2)),
    ).toBe(true);
    for (const r of rows) expect(printed.get(r['strategy.spreadBps'])).toBe(Number(Number(r['netRealizedSpreadStats.5s.mean']).toFixed(2)));
    const best = JSON.parse(readFileSync(join(out, 'best.json'), 'utf8'));
    expect(best.objective).toBe('netRealizedSpreadStats.5s.mean');
    expect(best.minFills).toBe(5);
    expect(best.mainHorizon).toBe('5s');
    // sweep.html charts the 5 s realized spread, not the default 30 s
    const page = readFileSync(join(out, 'sweep.html'), 'utf8');
    expect(page).toContain('netRealizedSpreadStats.5s.mean');
    expect(page).not.toContain('realizedSpreadBps.30s');
  });

  it('walk-forward reports realized spread net of fees at 5s in walkforward.csv', () => {
    const out = tmp();
    cli(['sweep', 'scenarios/demo.json', ...SHORT, '--grid', 'strategy.spreadBps=5,10', '--folds', '1', '--min-fills', '1', '--out', out]);
    const header = readFileSync(join(out, 'walkforward.csv'), 'utf8').split('\n')[0].split(',');
    expect(header).toContain('train.netRealizedSpreadStats.5s.mean');
    expect(header).toContain('test.netRealizedSpreadStats.5s.mean');
    expect(header).not.toContain('train.netRealizedSpreadStats.30s.mean');
  });
});
